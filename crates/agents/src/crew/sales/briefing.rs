//! Meeting briefings: what a rep needs before a meeting on a deal. The briefing has:
//! - the account and deal in a few lines;
//! - objectives taken from what the scorecard still lacks for the deal's stage;
//! - the attendees, with persona, role, influence, sentiment and a talk track for their level;
//! - Question Based Selling questions for every element still open;
//! - risks: political-map gaps, recurring objections, silence, overdue commitments, elements
//!   denied;
//! - competitor notes from the knowledge base.
//!
//! Built from the stored scorecard, the political map and the account intelligence. Rendered as
//! JSON or Markdown.

use std::fmt::Write as _;

use domain::account::Account;
use domain::contact::{BuyingRole, PersonaLevel};
use domain::id::{ContactId, OpportunityId};
use domain::opportunity::Opportunity;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::intelligence::{AccountIntelligence, CommitmentStatus};
use super::political_map::{PoliticalMap, Stakeholder};

/// One attendee, briefed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendee {
    pub contact_id: ContactId,
    pub name: String,
    pub title: Option<String>,
    pub persona_level: Option<PersonaLevel>,
    pub buying_role: BuyingRole,
    pub influence: f32,
    pub sentiment: Option<f32>,
    /// How to pitch to them.
    pub talk_track: String,
}

/// A question to ask, and the element it fills.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// `framework.element`, for example `bant.budget`.
    pub fills: String,
    /// The element's status now.
    pub status: String,
    pub question: String,
}

/// What a competitor document says, and where the competitor came up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompetitorNote {
    pub name: String,
    /// The opening of the competitor document, verbatim.
    pub brief: Option<String>,
    pub mentions: usize,
}

/// A briefing for a meeting on a deal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Briefing {
    pub opportunity_id: OpportunityId,
    pub generated_at: Timestamp,
    pub account_context: Vec<String>,
    pub objectives: Vec<String>,
    pub attendees: Vec<Attendee>,
    pub questions: Vec<Question>,
    pub risks: Vec<String>,
    pub competitor_notes: Vec<CompetitorNote>,
}

/// Question Based Selling questions per element, in the buyer's terms.
const QUESTIONS: &[(&str, &str, &str)] = &[
    (
        "meddicc",
        "identify_pain",
        "What does it cost you to leave things as they are for another year?",
    ),
    (
        "bant",
        "need",
        "What prompted you to look at this now rather than last year?",
    ),
    (
        "meddicc",
        "metrics",
        "How will you measure whether this worked, twelve months from now?",
    ),
    (
        "bant",
        "budget",
        "How are projects like this usually funded, and where does funding stand for this one?",
    ),
    (
        "meddicc",
        "economic_buyer",
        "Whose budget does this come out of, and what does that person care about most?",
    ),
    (
        "bant",
        "authority",
        "Besides you, who will weigh in before a decision like this is made?",
    ),
    (
        "meddicc",
        "decision_criteria",
        "When you compare the options, what will matter most?",
    ),
    (
        "meddicc",
        "decision_process",
        "Could you walk me through the steps from here to a decision?",
    ),
    (
        "bant",
        "timeline",
        "What event is driving the date you are working towards?",
    ),
    (
        "meddicc",
        "paper_process",
        "Once you decide, what will procurement and legal need from us, and how long does that usually take?",
    ),
    (
        "meddicc",
        "champion",
        "Who inside the company is keenest to see this happen, and why?",
    ),
    (
        "meddicc",
        "competition",
        "What other options are you weighing, including doing nothing?",
    ),
];

/// An element's status in a stored scorecard (`unknown` when absent).
pub fn status(card: Option<&Value>, framework: &str, element: &str) -> String {
    card.and_then(|c| c[framework][element]["status"].as_str())
        .unwrap_or("unknown")
        .to_owned()
}

/// An element's first evidence quote in a stored scorecard, clipped to 160 characters.
pub fn quote(card: Option<&Value>, framework: &str, element: &str) -> Option<String> {
    card.and_then(|c| c[framework][element]["evidence"][0]["quote"].as_str())
        .map(|q| q.chars().take(160).collect())
}

fn talk_track(person: &Stakeholder, card: Option<&Value>) -> String {
    let metric = quote(card, "meddicc", "metrics")
        .map(|q| format!(" Anchor on their own number: \"{q}\"."))
        .unwrap_or_default();
    let base = match person.persona_level {
        Some(PersonaLevel::CSuite) => {
            format!("Business outcome and risk in one minute, then the decision they need to make.{metric}")
        }
        Some(PersonaLevel::Executive) => {
            format!("Outcomes for their function, the timeline and what the rollout asks of their team.{metric}")
        }
        Some(PersonaLevel::Manager) => {
            "Operations: how the work changes, integration with their current tools, the rollout plan.".to_owned()
        }
        Some(PersonaLevel::IndividualContributor) => {
            "Day-to-day workflow: what gets easier for them, and what they need to learn.".to_owned()
        }
        None => "Learn their role and what they need from this before pitching anything.".to_owned(),
    };
    let role = match person.buying_role {
        BuyingRole::Champion => {
            " Equip them to sell it internally: give them the business case in their words."
        }
        BuyingRole::EconomicBuyer | BuyingRole::DecisionMaker => {
            " Ask for the decision criteria and the date they would sign."
        }
        BuyingRole::Blocker => " Hear their objection out first; label it before answering.",
        BuyingRole::TechnicalBuyer => " Bring the architecture and security answers; no slides.",
        BuyingRole::Influencer | BuyingRole::User | BuyingRole::Unknown => "",
    };
    format!("{base}{role}")
}

/// Objectives: elements denied first (they threaten the deal), then what is still open in the
/// order a deal needs it; at most four, then the next step.
fn objectives(opportunity: &Opportunity, card: Option<&Value>) -> Vec<String> {
    let mut denied = Vec::new();
    let mut open = Vec::new();
    for (framework, element, _) in QUESTIONS {
        match status(card, framework, element).as_str() {
            "met" => {}
            "not_met" => denied.push(format!(
                "Understand what changed on {} ({framework}.{element}: not met) and whether the deal still stands",
                element.replace('_', " ")
            )),
            s => open.push(format!(
                "Establish {} ({framework}.{element}: {s})",
                element.replace('_', " ")
            )),
        }
    }
    let mut out = denied;
    out.extend(open);
    out.truncate(4);
    if opportunity.stage.is_open() {
        out.push(format!(
            "Agree the next step and its date before the meeting ends (the deal is in {})",
            opportunity.stage.as_str()
        ));
    }
    out
}

fn risks(map: &PoliticalMap, intel: &AccountIntelligence, card: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = map.gaps.iter().map(|g| g.detail.clone()).collect();
    for objection in intel.objections.iter().filter(|o| o.recurring) {
        out.push(format!(
            "Recurring {} objection ({} activities): \"{}\"",
            objection.kind,
            objection.activities,
            objection
                .mentions
                .last()
                .map(|m| m.quote.chars().take(140).collect::<String>())
                .unwrap_or_default()
        ));
    }
    if intel.going_dark.dark {
        out.push(format!("Going dark: {}", intel.going_dark.reason));
    }
    for commitment in intel
        .commitments
        .iter()
        .filter(|c| c.status == CommitmentStatus::Overdue)
    {
        out.push(format!(
            "Overdue commitment ({:?}): \"{}\"",
            commitment.side,
            commitment.said.quote.chars().take(140).collect::<String>()
        ));
    }
    for (framework, element, _) in QUESTIONS {
        if status(card, framework, element) == "not_met" {
            let evidence = quote(card, framework, element)
                .map(|q| format!(": \"{q}\""))
                .unwrap_or_default();
            out.push(format!("{framework}.{element} is not met{evidence}"));
        }
    }
    out
}

/// Builds the briefing. `attendees` limits the people to brief (all stakeholders when empty);
/// `competitor_briefs` are (name, opening text) of the competitor documents.
#[expect(
    clippy::too_many_arguments,
    reason = "a briefing reads every part of the deal"
)]
pub fn build(
    account: &Account,
    opportunity: &Opportunity,
    scorecard: Option<&Value>,
    map: &PoliticalMap,
    intel: &AccountIntelligence,
    attendees: &[ContactId],
    competitor_briefs: &[(String, String)],
    now: Timestamp,
) -> Briefing {
    let days_to_close = opportunity
        .close_date
        .since(now.to_zoned(jiff::tz::TimeZone::UTC).date())
        .map(|span| span.get_days())
        .unwrap_or_default();
    let mut account_context = vec![
        format!(
            "{} ({}, {})",
            account.name,
            account.industry.as_deref().unwrap_or("industry not set"),
            account
                .region
                .as_ref()
                .map_or("region not set", |r| r.as_str())
        ),
        format!(
            "{}: {} {}, stage {}, closing {} ({days_to_close} days)",
            opportunity.name,
            opportunity.amount.currency().code(),
            opportunity.amount.amount(),
            opportunity.stage.as_str(),
            opportunity.close_date
        ),
        format!(
            "{} activities so far; the buyer's mood is {}",
            intel.timeline.len(),
            serde_json::to_value(intel.sentiment_trend)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
                .replace('_', " ")
        ),
    ];
    if let Some(last) = intel.timeline.last() {
        account_context.push(format!(
            "Last activity ({}, {}): {}",
            last.kind.as_str(),
            last.occurred_at,
            last.summary
        ));
    }
    for question in intel.open_questions.iter().rev().take(3) {
        account_context.push(format!(
            "Open question from the buyer: \"{}\"",
            question.quote
        ));
    }
    let people = map
        .stakeholders
        .iter()
        .filter(|s| attendees.is_empty() || attendees.contains(&s.contact_id))
        .map(|s| Attendee {
            contact_id: s.contact_id,
            name: s.name.clone(),
            title: s.title.clone(),
            persona_level: s.persona_level,
            buying_role: s.buying_role,
            influence: s.influence,
            sentiment: s.sentiment,
            talk_track: talk_track(s, scorecard),
        })
        .collect();
    let questions = QUESTIONS
        .iter()
        .filter_map(|(framework, element, question)| {
            let now = status(scorecard, framework, element);
            (now != "met").then(|| Question {
                fills: format!("{framework}.{element}"),
                status: now,
                question: (*question).to_owned(),
            })
        })
        .collect();
    let competitor_notes = intel
        .competitors
        .iter()
        .map(|c| CompetitorNote {
            name: c.name.clone(),
            brief: competitor_briefs
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&c.name))
                .map(|(_, text)| text.chars().take(600).collect()),
            mentions: c.mentions.len(),
        })
        .collect();
    Briefing {
        opportunity_id: opportunity.id,
        generated_at: now,
        account_context,
        objectives: objectives(opportunity, scorecard),
        attendees: people,
        questions,
        risks: risks(map, intel, scorecard),
        competitor_notes,
    }
}

impl Briefing {
    /// The briefing as Markdown, for a rep to read on the way in.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Meeting briefing\n\n## Account and deal\n\n");
        for line in &self.account_context {
            let _ = writeln!(out, "- {line}");
        }
        out.push_str("\n## Objectives\n\n");
        for (i, objective) in self.objectives.iter().enumerate() {
            let _ = writeln!(out, "{}. {objective}", i + 1);
        }
        out.push_str("\n## Attendees\n\n");
        for a in &self.attendees {
            let _ = writeln!(
                out,
                "- **{}**{}: {}, influence {:.2}{}. {}",
                a.name,
                a.title
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default(),
                a.buying_role.as_str().replace('_', " "),
                a.influence,
                a.sentiment
                    .map(|s| format!(", sentiment {s:+.2}"))
                    .unwrap_or_default(),
                a.talk_track
            );
        }
        out.push_str("\n## Questions to ask\n\n");
        for q in &self.questions {
            let _ = writeln!(out, "- {} _({}: {})_", q.question, q.fills, q.status);
        }
        out.push_str("\n## Risks\n\n");
        if self.risks.is_empty() {
            out.push_str("- None found.\n");
        }
        for risk in &self.risks {
            let _ = writeln!(out, "- {risk}");
        }
        if !self.competitor_notes.is_empty() {
            out.push_str("\n## Competitors\n\n");
            for c in &self.competitor_notes {
                let _ = writeln!(
                    out,
                    "- **{}** (mentioned {} times): {}",
                    c.name,
                    c.mentions,
                    c.brief
                        .as_deref()
                        .map(|b| b.replace('\n', " "))
                        .unwrap_or_else(|| "no competitor document yet".to_owned())
                );
            }
        }
        out
    }
}

/// Loads what a briefing needs and builds it. `NotFound` for an unknown opportunity (or another
/// tenant's).
pub async fn briefing(
    store: &store::Store,
    tenant: domain::id::TenantId,
    opportunity: OpportunityId,
    attendees: &[ContactId],
) -> Result<Briefing, store::Error> {
    let deal: Opportunity = store.get(tenant, opportunity.as_uuid()).await?;
    let account: Account = store.get(tenant, deal.account_id.as_uuid()).await?;
    let scorecard = store
        .scorecard_history(tenant, opportunity, None, 1)
        .await?
        .into_iter()
        .next()
        .map(|v| v.scorecard);
    // One read of each source, shared by the map and the intelligence.
    let (contacts, relationships) =
        super::political_map::committee(store, tenant, account.id).await?;
    let activities = super::intelligence::account_activities(store, tenant, account.id).await?;
    let mut names = Vec::new();
    let mut briefs = Vec::new();
    for document in super::qualify::competitor_documents(store, tenant).await? {
        let opening = store
            .document_chunks(tenant, document.id)
            .await?
            .into_iter()
            .next()
            .map(|c| c.text)
            .unwrap_or_default();
        names.push(document.title.clone());
        briefs.push((document.title, opening));
    }
    let now = store::now();
    let map = super::political_map::build(account.id, &contacts, &relationships, &activities, now);
    let intel = super::intelligence::analyze(account.id, &activities, &names, now);
    Ok(build(
        &account,
        &deal,
        scorecard.as_ref(),
        &map,
        &intel,
        attendees,
        &briefs,
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::account::NewAccount;
    use domain::activity::{Activity, NewActivity};
    use domain::contact::{Contact, NewContact};
    use domain::opportunity::NewOpportunity;
    use serde_json::json;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn briefs_open_elements_attendees_risks_and_competitors() {
        let account: NewAccount =
            serde_json::from_value(json!({"name": "Acme", "industry": "Retail", "region": "EMEA"}))
                .unwrap();
        let account = account.into_account(now()).unwrap();
        let deal: NewOpportunity = serde_json::from_value(json!({
            "account_id": account.id, "name": "Acme rollout",
            "amount": {"amount": "120000", "currency": "EUR"}, "close_date": "2027-03-31",
            "stage": "discovery",
        }))
        .unwrap();
        let deal = deal.into_opportunity(now()).unwrap();
        let contact = |name: &str, level: &str, role: &str| -> Contact {
            let c: NewContact = serde_json::from_value(json!({
                "account_id": account.id, "name": name, "persona_level": level, "buying_role": role,
            }))
            .unwrap();
            c.into_contact(now()).unwrap()
        };
        let cfo = contact("Jonas Albrecht", "c_suite", "economic_buyer");
        let champion = contact("Katrin Vogel", "executive", "champion");
        let call: NewActivity = serde_json::from_value(json!({
            "kind": "meeting", "occurred_at": "2027-01-05T10:00:00Z",
            "body": "Rep: What is it costing you?\nKatrin Vogel: Honestly the price is too expensive, and Northwind quoted less.\n",
            "participants": [{"role": "attendee", "contact_id": champion.id, "name": "Katrin Vogel"}],
        }))
        .unwrap();
        let activities: Vec<Activity> = vec![call.into_activity(now()).unwrap()];
        let contacts = vec![cfo.clone(), champion.clone()];
        let map =
            super::super::political_map::build(account.id, &contacts, &[], &activities, now());
        let intel = super::super::intelligence::analyze(
            account.id,
            &activities,
            &["Northwind".to_owned()],
            now(),
        );
        let card = json!({
            "bant": {"budget": {"status": "met", "evidence": [{"quote": "We approved 120k."}]},
                     "need": {"status": "partial", "evidence": []}},
            "meddicc": {"competition": {"status": "not_met", "evidence": [{"quote": "Nobody else."}]}},
        });
        let briefing = build(
            &account,
            &deal,
            Some(&card),
            &map,
            &intel,
            &[champion.id],
            &[(
                "Northwind".to_owned(),
                "# Northwind\n\nIncumbent; slow.".to_owned(),
            )],
            now(),
        );
        assert_eq!(briefing.attendees.len(), 1, "only the attendee asked for");
        assert!(briefing.attendees[0].talk_track.contains("Equip them"));
        assert!(
            briefing.questions.iter().all(|q| q.fills != "bant.budget"),
            "budget is met"
        );
        assert!(
            briefing
                .questions
                .iter()
                .any(|q| q.fills == "bant.need" && q.status == "partial")
        );
        assert!(
            briefing.objectives[0].contains("competition"),
            "{:?}",
            briefing.objectives
        );
        assert!(
            briefing.risks.iter().any(|r| r.contains("champion")),
            "{:?}",
            briefing.risks
        );
        assert!(briefing.risks.iter().any(|r| r.contains("Nobody else.")));
        assert_eq!(briefing.competitor_notes[0].name, "Northwind");
        assert!(
            briefing.competitor_notes[0]
                .brief
                .as_deref()
                .unwrap()
                .contains("Incumbent")
        );
        let markdown = briefing.to_markdown();
        assert!(markdown.starts_with("# Meeting briefing"));
        assert!(markdown.contains("## Questions to ask"));
        assert!(markdown.contains("**Katrin Vogel**"));
    }
}
