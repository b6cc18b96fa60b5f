//! The political map of an account's buying committee.
//!
//! Each stakeholder carries persona level, buying role, influence, sentiment and engagement. The
//! edges come from the contacts' relationships (reports-to, influences, allies, opposes). The
//! map names its coverage gaps: no economic buyer, the economic buyer never engaged,
//! single-threaded, no champion or an untested one, a blocker unaddressed. It renders as JSON, as
//! Graphviz DOT, or as a self-contained SVG laid out by seniority.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use domain::activity::Activity;
use domain::contact::{BuyingRole, Contact, ContactRelationship, PersonaLevel, RelationshipKind};
use domain::id::{AccountId, ContactId};
use jiff::Timestamp;
use serde::Serialize;

use super::intelligence::days_between;

/// Days within which a stakeholder counts as engaged.
const ENGAGED_DAYS: i64 = 90;
/// Days after which an unaddressed blocker is a gap.
const BLOCKER_DAYS: i64 = 30;

/// One person on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stakeholder {
    pub contact_id: ContactId,
    pub name: String,
    pub title: Option<String>,
    pub persona_level: Option<PersonaLevel>,
    pub buying_role: BuyingRole,
    /// 0 to 1: seniority and role, raised by the people they influence or who report to them.
    pub influence: f32,
    /// -1 to 1 from their own words in activities; `None` when they have said nothing yet.
    pub sentiment: Option<f32>,
    /// Activities they took part in.
    pub activities: usize,
    pub last_engaged: Option<Timestamp>,
}

/// A relationship between two stakeholders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub from: ContactId,
    pub to: ContactId,
    pub kind: RelationshipKind,
    pub note: Option<String>,
}

/// A hole in the coverage of the buying committee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// `no_economic_buyer`, `economic_buyer_not_engaged`, `single_threaded`, `no_champion`,
    /// `champion_untested` or `blocker_unaddressed`.
    pub code: &'static str,
    pub detail: String,
}

/// An account's political map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoliticalMap {
    pub account_id: AccountId,
    pub stakeholders: Vec<Stakeholder>,
    pub edges: Vec<Edge>,
    pub gaps: Vec<Gap>,
}

fn base_influence(level: Option<PersonaLevel>) -> f32 {
    match level {
        Some(PersonaLevel::CSuite) => 0.9,
        Some(PersonaLevel::Executive) => 0.75,
        Some(PersonaLevel::Manager) => 0.5,
        Some(PersonaLevel::IndividualContributor) => 0.3,
        None => 0.4,
    }
}

fn role_bonus(role: BuyingRole) -> f32 {
    match role {
        BuyingRole::EconomicBuyer | BuyingRole::DecisionMaker => 0.1,
        BuyingRole::Champion | BuyingRole::Blocker | BuyingRole::TechnicalBuyer => 0.05,
        BuyingRole::Influencer | BuyingRole::User | BuyingRole::Unknown => 0.0,
    }
}

/// Whether an activity had this contact in it: by id, address or name.
fn took_part(activity: &Activity, contact: &Contact) -> bool {
    activity.participants.iter().any(|p| {
        p.contact_id == Some(contact.id)
            || (p.email.is_some() && p.email.as_ref() == contact.email.as_ref())
            || p.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&contact.name))
    })
}

/// Builds the map from the account's contacts, their relationships and the account's
/// activities, as of `now`.
pub fn build(
    account: AccountId,
    contacts: &[Contact],
    relationships: &[ContactRelationship],
    activities: &[Activity],
    now: Timestamp,
) -> PoliticalMap {
    let ids: BTreeSet<ContactId> = contacts.iter().map(|c| c.id).collect();
    let edges: Vec<Edge> = relationships
        .iter()
        .filter(|r| ids.contains(&r.from_contact_id) && ids.contains(&r.to_contact_id))
        .map(|r| Edge {
            from: r.from_contact_id,
            to: r.to_contact_id,
            kind: r.kind,
            note: r.note.clone(),
        })
        .collect();
    let moods = super::intelligence::moods_by_speaker(activities);
    let mut stakeholders: Vec<Stakeholder> = contacts
        .iter()
        .map(|contact| {
            let joined: Vec<&Activity> = activities
                .iter()
                .filter(|a| took_part(a, contact))
                .collect();
            let reach = edges
                .iter()
                .filter(|e| {
                    (e.from == contact.id && e.kind == RelationshipKind::Influences)
                        || (e.to == contact.id && e.kind == RelationshipKind::ReportsTo)
                })
                .count();
            let influence = (base_influence(contact.persona_level)
                + role_bonus(contact.buying_role)
                + 0.05 * reach as f32)
                .min(1.0);
            let sentiment = moods
                .get(&contact.name.trim().to_lowercase())
                .filter(|(p, n)| p + n > 0)
                .map(|mood| (super::intelligence::mood_score(*mood) * 100.0).round() / 100.0);
            Stakeholder {
                contact_id: contact.id,
                name: contact.name.clone(),
                title: contact.title.clone(),
                persona_level: contact.persona_level,
                buying_role: contact.buying_role,
                influence: (influence * 100.0).round() / 100.0,
                sentiment,
                activities: joined.len(),
                last_engaged: joined.iter().map(|a| a.occurred_at).max(),
            }
        })
        .collect();
    stakeholders.sort_by(|a, b| {
        b.influence
            .total_cmp(&a.influence)
            .then(a.name.cmp(&b.name))
    });
    let gaps = gaps(&stakeholders, &edges, activities, contacts, now);
    PoliticalMap {
        account_id: account,
        stakeholders,
        edges,
        gaps,
    }
}

fn gaps(
    people: &[Stakeholder],
    edges: &[Edge],
    activities: &[Activity],
    contacts: &[Contact],
    now: Timestamp,
) -> Vec<Gap> {
    let mut out = Vec::new();
    let with_role = |role: BuyingRole| people.iter().filter(move |p| p.buying_role == role);
    let buyers: Vec<&Stakeholder> = with_role(BuyingRole::EconomicBuyer).collect();
    if buyers.is_empty() {
        out.push(Gap {
            code: "no_economic_buyer",
            detail: "no contact is marked as the economic buyer".into(),
        });
    }
    for buyer in buyers.iter().filter(|b| b.activities == 0) {
        out.push(Gap {
            code: "economic_buyer_not_engaged",
            detail: format!(
                "{} (economic buyer) has not taken part in any activity",
                buyer.name
            ),
        });
    }
    let engaged = people
        .iter()
        .filter(|p| {
            p.last_engaged
                .is_some_and(|t| days_between(t, now) <= ENGAGED_DAYS)
        })
        .count();
    if engaged <= 1 {
        out.push(Gap {
            code: "single_threaded",
            detail: format!("{engaged} stakeholder(s) engaged in the last {ENGAGED_DAYS} days"),
        });
    }
    let champions: Vec<&Stakeholder> = with_role(BuyingRole::Champion).collect();
    if champions.is_empty() {
        out.push(Gap {
            code: "no_champion",
            detail: "no contact is marked as the champion".into(),
        });
    }
    let contact = |id: ContactId| contacts.iter().find(|c| c.id == id);
    for champion in &champions {
        // Tested: the champion has brought us into a conversation with the economic buyer.
        let tested = contact(champion.contact_id).is_some_and(|c| {
            buyers.iter().any(|b| {
                contact(b.contact_id).is_some_and(|buyer| {
                    activities
                        .iter()
                        .any(|a| took_part(a, c) && took_part(a, buyer))
                })
            })
        });
        if !tested {
            out.push(Gap {
                code: "champion_untested",
                detail: format!(
                    "{} (champion) has not yet brought the economic buyer into a conversation",
                    champion.name
                ),
            });
        }
    }
    let opposing: BTreeSet<ContactId> = edges
        .iter()
        .filter(|e| e.kind == RelationshipKind::Opposes)
        .map(|e| e.from)
        .collect();
    for blocker in people
        .iter()
        .filter(|p| p.buying_role == BuyingRole::Blocker || opposing.contains(&p.contact_id))
    {
        let recent = blocker
            .last_engaged
            .is_some_and(|t| days_between(t, now) <= BLOCKER_DAYS);
        let sour = blocker.sentiment.is_some_and(|s| s < 0.0);
        if !recent || sour {
            out.push(Gap {
                code: "blocker_unaddressed",
                detail: format!(
                    "{} opposes the deal and {}",
                    blocker.name,
                    if recent {
                        "still sounds negative".to_owned()
                    } else {
                        format!("has not been engaged in the last {BLOCKER_DAYS} days")
                    }
                ),
            });
        }
    }
    out
}

fn kind_label(kind: RelationshipKind) -> &'static str {
    match kind {
        RelationshipKind::ReportsTo => "reports to",
        RelationshipKind::Influences => "influences",
        RelationshipKind::AlliesWith => "allies with",
        RelationshipKind::Opposes => "opposes",
    }
}

fn kind_colour(kind: RelationshipKind) -> &'static str {
    match kind {
        RelationshipKind::ReportsTo => "#6b7280",
        RelationshipKind::Influences => "#2563eb",
        RelationshipKind::AlliesWith => "#16a34a",
        RelationshipKind::Opposes => "#dc2626",
    }
}

fn mood_colour(sentiment: Option<f32>) -> &'static str {
    match sentiment {
        Some(s) if s > 0.2 => "#dcfce7",
        Some(s) if s < -0.2 => "#fee2e2",
        Some(_) => "#fef9c3",
        None => "#f3f4f6",
    }
}

/// Text safe inside a DOT double-quoted string.
fn dot_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// Text safe inside SVG markup.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

impl PoliticalMap {
    /// Graphviz DOT: one node per stakeholder (ranked by seniority), one edge per relationship.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph political_map {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
        );
        for p in &self.stakeholders {
            let _ = writeln!(
                out,
                "  \"{}\" [label=\"{}\\n{}\\n{} · influence {:.2}\", fillcolor=\"{}\"{}];",
                p.contact_id,
                dot_text(&p.name),
                dot_text(p.title.as_deref().unwrap_or("")),
                p.buying_role.as_str(),
                p.influence,
                mood_colour(p.sentiment),
                if p.buying_role == BuyingRole::EconomicBuyer {
                    ", penwidth=3"
                } else {
                    ""
                }
            );
        }
        for e in &self.edges {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\", color=\"{}\"];",
                e.from,
                e.to,
                kind_label(e.kind),
                kind_colour(e.kind)
            );
        }
        out.push_str("}\n");
        out
    }

    /// A self-contained SVG: rows by seniority (C-suite at the top), boxes shaded by sentiment,
    /// the economic buyer outlined, blockers dashed, relationships as coloured arrows, and the
    /// gaps listed underneath.
    pub fn to_svg(&self) -> String {
        const BOX_W: usize = 190;
        const BOX_H: usize = 62;
        const GAP_X: usize = 30;
        const ROW_H: usize = 120;
        let row_of = |level: Option<PersonaLevel>| match level {
            Some(PersonaLevel::CSuite) => 0,
            Some(PersonaLevel::Executive) => 1,
            Some(PersonaLevel::Manager) => 2,
            Some(PersonaLevel::IndividualContributor) => 3,
            None => 4,
        };
        let mut rows: BTreeMap<usize, Vec<&Stakeholder>> = BTreeMap::new();
        for p in &self.stakeholders {
            rows.entry(row_of(p.persona_level)).or_default().push(p);
        }
        let widest = rows.values().map(Vec::len).max().unwrap_or(1).max(3);
        let width = widest * (BOX_W + GAP_X) + GAP_X;
        let mut places: BTreeMap<ContactId, (usize, usize)> = BTreeMap::new();
        for (r, (_, people)) in rows.iter().enumerate() {
            let used = people.len() * (BOX_W + GAP_X) - GAP_X;
            let left = (width - used) / 2;
            for (i, p) in people.iter().enumerate() {
                places.insert(p.contact_id, (left + i * (BOX_W + GAP_X), 30 + r * ROW_H));
            }
        }
        let diagram_h = 30 + rows.len().max(1) * ROW_H;
        let height = diagram_h + 30 + 20 * (self.gaps.len() + 1);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">\n\
             <defs>{}</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
            [
                RelationshipKind::ReportsTo,
                RelationshipKind::Influences,
                RelationshipKind::AlliesWith,
                RelationshipKind::Opposes,
            ]
            .iter()
            .map(|k| format!(
                "<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
                 markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"{}\"/></marker>",
                k.as_str(),
                kind_colour(*k)
            ))
            .collect::<String>()
        );
        for e in &self.edges {
            let (Some(&(fx, fy)), Some(&(tx, ty))) = (places.get(&e.from), places.get(&e.to))
            else {
                continue;
            };
            let (x1, y1) = (fx + BOX_W / 2, fy + BOX_H / 2);
            let (x2, y2) = (tx + BOX_W / 2, ty + BOX_H / 2);
            let _ = writeln!(
                out,
                "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{}\" stroke-width=\"2\" \
                 marker-end=\"url(#arrow-{})\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{}\" \
                 text-anchor=\"middle\">{}</text>",
                kind_colour(e.kind),
                e.kind.as_str(),
                (x1 + x2) / 2,
                (y1 + y2) / 2 - 4,
                kind_colour(e.kind),
                kind_label(e.kind)
            );
        }
        for p in &self.stakeholders {
            let Some(&(x, y)) = places.get(&p.contact_id) else {
                continue;
            };
            let stroke = match p.buying_role {
                BuyingRole::EconomicBuyer => " stroke=\"#111827\" stroke-width=\"3\"",
                BuyingRole::Blocker => {
                    " stroke=\"#dc2626\" stroke-width=\"2\" stroke-dasharray=\"6 4\""
                }
                _ => " stroke=\"#9ca3af\" stroke-width=\"1\"",
            };
            let title: String = p.title.as_deref().unwrap_or("").chars().take(30).collect();
            let _ = writeln!(
                out,
                "<g><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\" fill=\"{}\"{stroke}/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>\
                 <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\
                 <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#4b5563\" text-anchor=\"middle\">{} · influence {:.2}</text></g>",
                mood_colour(p.sentiment),
                x + BOX_W / 2,
                y + 18,
                xml_text(&p.name),
                x + BOX_W / 2,
                y + 35,
                xml_text(&title),
                x + BOX_W / 2,
                y + 52,
                p.buying_role.as_str(),
                p.influence
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{GAP_X}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">Coverage gaps</text>",
            diagram_h + 20
        );
        if self.gaps.is_empty() {
            let _ = writeln!(
                out,
                "<text x=\"{GAP_X}\" y=\"{}\" font-size=\"12\">none</text>",
                diagram_h + 40
            );
        }
        for (i, gap) in self.gaps.iter().enumerate() {
            let _ = writeln!(
                out,
                "<text x=\"{GAP_X}\" y=\"{}\" font-size=\"12\" fill=\"#b91c1c\">{}: {}</text>",
                diagram_h + 40 + 20 * i,
                gap.code,
                xml_text(&gap.detail)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

/// An account's contacts and the relationships that start from them.
pub(crate) async fn committee(
    store: &store::Store,
    tenant: domain::id::TenantId,
    account: AccountId,
) -> Result<(Vec<Contact>, Vec<ContactRelationship>), store::Error> {
    let by_account = vec![store::Filter::Eq(
        "account_id",
        store::SqlValue::Uuid(Some(account.as_uuid())),
    )];
    let contacts: Vec<Contact> = store.list_all(tenant, by_account, usize::MAX).await?;
    let mut relationships: Vec<ContactRelationship> = Vec::new();
    for contact in &contacts {
        let from = vec![store::Filter::Eq(
            "from_contact_id",
            store::SqlValue::Uuid(Some(contact.id.as_uuid())),
        )];
        relationships.extend(store.list_all(tenant, from, usize::MAX).await?);
    }
    Ok((contacts, relationships))
}

/// Loads the account's contacts, their relationships and activities and builds the map.
/// `NotFound` for an unknown account (or another tenant's).
pub async fn political_map(
    store: &store::Store,
    tenant: domain::id::TenantId,
    account: AccountId,
) -> Result<PoliticalMap, store::Error> {
    store
        .get::<domain::account::Account>(tenant, account.as_uuid())
        .await?;
    let (contacts, relationships) = committee(store, tenant, account).await?;
    let activities = super::intelligence::account_activities(store, tenant, account).await?;
    Ok(build(
        account,
        &contacts,
        &relationships,
        &activities,
        store::now(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::activity::NewActivity;
    use domain::contact::{NewContact, NewContactRelationship};

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn contact(account: AccountId, name: &str, level: &str, role: &str) -> Contact {
        let new: NewContact = serde_json::from_value(serde_json::json!({
            "account_id": account, "name": name, "title": "Title <&>",
            "persona_level": level, "buying_role": role,
        }))
        .unwrap();
        new.into_contact(now()).unwrap()
    }

    fn edge(from: &Contact, to: &Contact, kind: &str) -> ContactRelationship {
        let new: NewContactRelationship = serde_json::from_value(serde_json::json!({
            "from_contact_id": from.id, "to_contact_id": to.id, "kind": kind,
        }))
        .unwrap();
        new.into_relationship(now()).unwrap()
    }

    fn meeting(days_ago: i64, body: &str, people: &[&Contact]) -> Activity {
        let at = Timestamp::from_second(1_800_000_000 - days_ago * 86_400).unwrap();
        let participants: Vec<serde_json::Value> = people
            .iter()
            .map(|c| serde_json::json!({"role": "attendee", "contact_id": c.id, "name": c.name}))
            .collect();
        let new: NewActivity = serde_json::from_value(serde_json::json!({
            "kind": "meeting", "body": body, "occurred_at": at, "participants": participants,
        }))
        .unwrap();
        new.into_activity(now()).unwrap()
    }

    #[test]
    fn map_names_influence_sentiment_and_gaps() {
        let account = AccountId::generate();
        let cfo = contact(account, "Jonas Albrecht", "c_suite", "economic_buyer");
        let champion = contact(account, "Katrin Vogel", "executive", "champion");
        let it = contact(account, "Emre Yilmaz", "manager", "blocker");
        let contacts = vec![cfo.clone(), champion.clone(), it.clone()];
        let relationships = vec![
            edge(&champion, &cfo, "reports_to"),
            edge(&it, &champion, "opposes"),
            edge(&champion, &it, "influences"),
        ];
        let activities = vec![
            meeting(
                10,
                "Rep: How is it going?\nKatrin Vogel: Great, we are excited and happy with the pilot.\n",
                &[&champion],
            ),
            meeting(
                120,
                "Rep: Any concerns?\nEmre Yilmaz: I am worried, this is a problem and a risk for us.\n",
                &[&it],
            ),
        ];
        let map = build(account, &contacts, &relationships, &activities, now());
        assert_eq!(
            map.stakeholders[0].name, "Jonas Albrecht",
            "most influential first"
        );
        let katrin = map
            .stakeholders
            .iter()
            .find(|s| s.name == "Katrin Vogel")
            .unwrap();
        assert!(katrin.sentiment.unwrap() > 0.5);
        assert_eq!(katrin.activities, 1);
        let codes: Vec<&str> = map.gaps.iter().map(|g| g.code).collect();
        assert!(codes.contains(&"economic_buyer_not_engaged"), "{codes:?}");
        assert!(codes.contains(&"champion_untested"), "{codes:?}");
        assert!(codes.contains(&"blocker_unaddressed"), "{codes:?}");
        assert!(codes.contains(&"single_threaded"), "{codes:?}");
        assert!(!codes.contains(&"no_champion"));

        let dot = map.to_dot();
        assert!(dot.starts_with("digraph political_map {"));
        assert_eq!(dot.matches(" -> ").count(), 3);
        let svg = map.to_svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Title &lt;&amp;&gt;"), "escaped");
        assert!(!svg.contains("Title <&>"));
        assert!(svg.contains("blocker_unaddressed"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn a_covered_committee_has_no_gaps() {
        let account = AccountId::generate();
        let cfo = contact(account, "Jonas Albrecht", "c_suite", "economic_buyer");
        let champion = contact(account, "Katrin Vogel", "executive", "champion");
        let activities = vec![meeting(
            5,
            "Katrin Vogel: Jonas, this is the team.\nJonas Albrecht: Good to meet you.\n",
            &[&cfo, &champion],
        )];
        let map = build(
            account,
            &[cfo.clone(), champion.clone()],
            &[],
            &activities,
            now(),
        );
        assert!(map.gaps.is_empty(), "{:?}", map.gaps);
        let empty = build(account, &[], &[], &[], now());
        let codes: Vec<&str> = empty.gaps.iter().map(|g| g.code).collect();
        assert_eq!(
            codes,
            ["no_economic_buyer", "single_threaded", "no_champion"]
        );
    }
}
