//! Account intelligence: one account's emails, chats, meetings, calls and notes read together.
//! Gives a consolidated timeline and the patterns across it: recurring objections, the buyer's
//! open questions, commitments made by either side and whether they were kept, the sentiment
//! trend, competitor mentions, and whether the account has gone dark. Offline and deterministic:
//! rules over the text, quotes taken verbatim from it.

use std::collections::BTreeMap;

use domain::activity::{Activity, ActivityKind, ParticipantRole};
use domain::id::{AccountId, ActivityId};
use jiff::Timestamp;
use qualification::evidence::{Sentence, sentences_of};
use qualification::{find_phrase, find_word};
use serde::Serialize;

/// Most characters of a timeline entry's summary.
const SUMMARY_CHARS: usize = 200;
/// Days without word from the buyer after which an account counts as dark, at the least.
const DARK_AFTER_DAYS: i64 = 14;
/// Days after which a commitment without a date is overdue.
const COMMITMENT_DAYS: i64 = 7;

/// A quote from one activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    pub activity_id: ActivityId,
    pub occurred_at: Timestamp,
    pub speaker: Option<String>,
    /// Verbatim from the activity's body.
    pub quote: String,
}

/// One activity on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub activity_id: ActivityId,
    pub kind: ActivityKind,
    pub occurred_at: Timestamp,
    pub subject: Option<String>,
    /// Who took part, by name or address.
    pub participants: Vec<String>,
    /// The buyer's first words in it (else the first words), shortened.
    pub summary: String,
    /// -1 (negative) to 1 (positive), from the buyer's words.
    pub sentiment: f32,
}

/// An objection that came up, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objection {
    /// price, timing, authority, need, security or status_quo.
    pub kind: &'static str,
    /// Distinct activities it came up in.
    pub activities: usize,
    /// Raised in two or more activities.
    pub recurring: bool,
    pub mentions: Vec<Mention>,
}

/// Who made a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Our side: the tenant's reps and agents.
    Seller,
    Buyer,
}

/// Where a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    /// A later activity from the same side shows it done ("attached", "as promised").
    Kept,
    /// Not yet due.
    Open,
    /// Past its date (or a week old without one) and not shown done.
    Overdue,
}

/// Something one side said it would do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    pub side: Side,
    pub said: Mention,
    pub status: CommitmentStatus,
    /// The activity that shows it kept.
    pub kept_in: Option<ActivityId>,
}

/// Which way the buyer's mood is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    Steady,
    Declining,
    /// Fewer than three activities with the buyer's words.
    TooFewActivities,
}

/// A competitor and where it came up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompetitorMentions {
    pub name: String,
    pub mentions: Vec<Mention>,
}

/// Silence from the buyer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoingDark {
    pub dark: bool,
    /// Days since the buyer last wrote or spoke.
    pub days_since_buyer: Option<i64>,
    /// The usual gap between the buyer's activities (median), in days.
    pub usual_gap_days: Option<i64>,
    pub reason: String,
}

/// Everything read from one account's activities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountIntelligence {
    pub account_id: AccountId,
    pub generated_at: Timestamp,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    pub objections: Vec<Objection>,
    /// Questions the buyer asked that nobody on our side answered in the same conversation.
    pub open_questions: Vec<Mention>,
    pub commitments: Vec<Commitment>,
    pub sentiment_trend: Trend,
    pub competitors: Vec<CompetitorMentions>,
    pub going_dark: GoingDark,
}

const OBJECTIONS: &[(&str, &[&[&str]])] = &[
    (
        "price",
        &[
            &["too", "expensive"],
            &["pricier"],
            &["too", "much"],
            &["over", "budget"],
            &["price", "is", "high"],
            &["cheaper"],
            &["can't", "afford"],
            &["out", "of", "our", "price"],
        ],
    ),
    (
        "timing",
        &[
            &["not", "the", "right", "time"],
            &["bad", "timing"],
            &["no", "rush"],
            &["next", "year"],
            &["after", "the", "merger"],
            &["on", "hold"],
            &["not", "a", "priority"],
        ],
    ),
    (
        "authority",
        &[
            &["not", "my", "call"],
            &["not", "my", "decision"],
            &["check", "with"],
            &["run", "it", "by"],
        ],
    ),
    (
        "need",
        &[
            &["don't", "need"],
            &["do", "not", "need"],
            &["nice", "to", "have"],
            &["works", "fine"],
        ],
    ),
    (
        "security",
        &[
            &["security", "concerns"],
            &["data", "residency"],
            &["gdpr"],
            &["compliance", "issue"],
            &["security", "review", "failed"],
        ],
    ),
    (
        "status_quo",
        &[
            &["happy", "with", "our", "current"],
            &["already", "have", "a"],
            &["build", "it", "ourselves"],
            &["in-house"],
        ],
    ),
];

const POSITIVE: &[&str] = &[
    "great",
    "good",
    "excellent",
    "love",
    "like",
    "happy",
    "excited",
    "impressed",
    "perfect",
    "thanks",
    "thank",
    "helpful",
    "agree",
    "yes",
    "keen",
    "promising",
    "glad",
];
const NEGATIVE: &[&str] = &[
    "concern",
    "concerned",
    "worried",
    "unhappy",
    "frustrated",
    "disappointed",
    "expensive",
    "problem",
    "unfortunately",
    "delay",
    "delayed",
    "risk",
    "no",
    "not",
    "cancel",
    "difficult",
    "annoyed",
];

/// First-person promises: "I'll send", "we will share", "let me get you".
const PROMISES: &[&[&str]] = &[
    &["i'll", "send"],
    &["i", "will", "send"],
    &["we'll", "send"],
    &["we", "will", "send"],
    &["i'll", "share"],
    &["we'll", "share"],
    &["i'll", "get", "you"],
    &["i'll", "get", "back"],
    &["we'll", "get", "back"],
    &["let", "me", "send"],
    &["i'll", "set", "up"],
    &["i'll", "schedule"],
    &["i'll", "follow", "up"],
    &["i'll", "introduce"],
    &["i'll", "present"],
    &["i'll", "pitch"],
    &["i'll", "check"],
    &["we'll", "review"],
    &["i'll", "review"],
];
/// Words that show a promise done in a later activity.
const DONE: &[&[&str]] = &[
    &["attached"],
    &["as", "promised"],
    &["here", "is"],
    &["here's"],
    &["please", "find"],
    &["i've", "sent"],
    &["we've", "sent"],
    &["just", "sent"],
    &["following", "up", "on"],
];

/// One activity read into sentences, with who is on which side.
struct Read<'a> {
    activity: &'a Activity,
    sentences: Vec<Sentence>,
    sellers: Vec<String>,
}

impl Read<'_> {
    fn side(&self, sentence: &Sentence) -> Side {
        match &sentence.speaker {
            Some(s) if self.sellers.contains(s) => Side::Seller,
            _ => Side::Buyer,
        }
    }

    fn mention(&self, sentence: &Sentence) -> Mention {
        Mention {
            activity_id: self.activity.id,
            occurred_at: self.activity.occurred_at,
            speaker: sentence.speaker.clone(),
            quote: sentence.text.clone(),
        }
    }

    fn buyer_sentences(&self) -> impl Iterator<Item = &Sentence> {
        self.sentences
            .iter()
            .filter(|s| self.side(s) == Side::Buyer)
    }
}

/// Reads an activity: its body as a conversation, the sender as speaker of unlabelled text,
/// the tenant's users (and labelled reps) as the selling side.
fn read(activity: &Activity) -> Read<'_> {
    let input = super::qualify::QualifyInput::from_activity(activity);
    let sentences = sentences_of(
        input
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), t.text.as_str(), t.start)),
    );
    let sellers = qualification::sides::sellers(&sentences, &input.sellers);
    Read {
        activity,
        sentences,
        sellers,
    }
}

/// Positive and negative words, counted into `mood`.
fn tally(sentence: &Sentence, mood: &mut (usize, usize)) {
    for (_, word) in &sentence.words {
        if POSITIVE.contains(&word.as_str()) {
            mood.0 += 1;
        } else if NEGATIVE.contains(&word.as_str()) {
            mood.1 += 1;
        }
    }
}

/// -1 (negative) to 1 (positive) from counts of positive and negative words.
pub(crate) fn mood_score((positive, negative): (usize, usize)) -> f32 {
    (positive as f32 - negative as f32) / (positive + negative + 1) as f32
}

fn sentiment(read: &Read<'_>) -> Option<f32> {
    let mut mood = (0, 0);
    let mut any = false;
    for sentence in read.buyer_sentences() {
        any = true;
        tally(sentence, &mut mood);
    }
    any.then(|| mood_score(mood))
}

/// Positive and negative words per buyer-side speaker (lower-cased name) across activities.
pub(crate) fn moods_by_speaker(activities: &[Activity]) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for activity in activities {
        let read = read(activity);
        for sentence in read.buyer_sentences() {
            let Some(speaker) = &sentence.speaker else {
                continue;
            };
            tally(
                sentence,
                out.entry(speaker.trim().to_lowercase()).or_default(),
            );
        }
    }
    out
}

fn summary(read: &Read<'_>) -> String {
    let first = read
        .buyer_sentences()
        .next()
        .or_else(|| read.sentences.first())
        .map(|s| s.text.as_str())
        .unwrap_or_default();
    let mut out: String = first.chars().take(SUMMARY_CHARS).collect();
    if first.chars().count() > SUMMARY_CHARS {
        out.push('…');
    }
    out
}

fn participants(activity: &Activity) -> Vec<String> {
    activity
        .participants
        .iter()
        .filter(|p| p.role != ParticipantRole::Cc)
        .filter_map(|p| {
            p.name
                .clone()
                .or_else(|| p.email.as_ref().map(|e| e.as_str().to_owned()))
        })
        .collect()
}

fn trend(points: &[f32]) -> Trend {
    if points.len() < 3 {
        return Trend::TooFewActivities;
    }
    let third = (points.len() / 3).max(1);
    let mean = |xs: &[f32]| xs.iter().sum::<f32>() / xs.len() as f32;
    let early = mean(&points[..third]);
    let late = mean(&points[points.len() - third..]);
    if late - early > 0.15 {
        Trend::Improving
    } else if early - late > 0.15 {
        Trend::Declining
    } else {
        Trend::Steady
    }
}

/// Whole days from one time to another.
pub(crate) fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_second() - from.as_second()).div_euclid(86_400)
}

fn going_dark(reads: &[Read<'_>], now: Timestamp) -> GoingDark {
    let mut heard: Vec<Timestamp> = reads
        .iter()
        .filter(|r| r.buyer_sentences().next().is_some())
        .map(|r| r.activity.occurred_at)
        .collect();
    heard.sort();
    let Some(last) = heard.last().copied() else {
        return GoingDark {
            dark: false,
            days_since_buyer: None,
            usual_gap_days: None,
            reason: "the buyer has not written or spoken yet".into(),
        };
    };
    let since = days_between(last, now);
    let mut gaps: Vec<i64> = heard.windows(2).map(|w| days_between(w[0], w[1])).collect();
    gaps.sort_unstable();
    let usual = gaps.get(gaps.len() / 2).copied();
    let limit = usual.map_or(DARK_AFTER_DAYS, |g| (2 * g).max(DARK_AFTER_DAYS));
    let dark = since > limit;
    GoingDark {
        dark,
        days_since_buyer: Some(since),
        usual_gap_days: usual,
        reason: if dark {
            format!("no word from the buyer for {since} days (more than {limit})")
        } else {
            format!("the buyer was last heard {since} days ago")
        },
    }
}

fn commitments(reads: &[Read<'_>], now: Timestamp) -> Vec<Commitment> {
    let mut out = Vec::new();
    for (i, read) in reads.iter().enumerate() {
        for sentence in &read.sentences {
            if sentence.question || find_phrase(&sentence.words, PROMISES).is_none() {
                continue;
            }
            let side = read.side(sentence);
            let kept_in = reads[i + 1..]
                .iter()
                .find(|later| {
                    later
                        .sentences
                        .iter()
                        .any(|s| later.side(s) == side && find_phrase(&s.words, DONE).is_some())
                })
                .map(|later| later.activity.id);
            let dated = qualification::dates::dates(&sentence.text);
            let age = days_between(read.activity.occurred_at, now);
            let status = match kept_in {
                Some(_) => CommitmentStatus::Kept,
                None if dated.is_empty() && age > COMMITMENT_DAYS => CommitmentStatus::Overdue,
                None if !dated.is_empty() && age > 2 * COMMITMENT_DAYS => CommitmentStatus::Overdue,
                None => CommitmentStatus::Open,
            };
            out.push(Commitment {
                side,
                said: read.mention(sentence),
                status,
                kept_in,
            });
        }
    }
    out
}

fn open_questions(reads: &[Read<'_>]) -> Vec<Mention> {
    let mut out = Vec::new();
    for read in reads {
        for (i, sentence) in read.sentences.iter().enumerate() {
            if !sentence.question || read.side(sentence) != Side::Buyer {
                continue;
            }
            // Answered when someone on our side speaks after it in the same conversation.
            let answered = read.sentences[i + 1..]
                .iter()
                .any(|s| read.side(s) == Side::Seller);
            if !answered {
                out.push(read.mention(sentence));
            }
        }
    }
    out
}

fn objections(reads: &[Read<'_>]) -> Vec<Objection> {
    let mut out = Vec::new();
    for (kind, phrases) in OBJECTIONS {
        let mut mentions = Vec::new();
        for read in reads {
            for sentence in read.buyer_sentences() {
                if !sentence.question && find_phrase(&sentence.words, phrases).is_some() {
                    mentions.push(read.mention(sentence));
                }
            }
        }
        if mentions.is_empty() {
            continue;
        }
        let mut activities: Vec<ActivityId> = mentions.iter().map(|m| m.activity_id).collect();
        activities.dedup();
        out.push(Objection {
            kind,
            activities: activities.len(),
            recurring: activities.len() >= 2,
            mentions,
        });
    }
    out.sort_by_key(|o| std::cmp::Reverse(o.activities));
    out
}

fn competitors(reads: &[Read<'_>], names: &[String]) -> Vec<CompetitorMentions> {
    let mut found: BTreeMap<&str, Vec<Mention>> = BTreeMap::new();
    for read in reads {
        for sentence in &read.sentences {
            for name in names {
                let lower = name.to_lowercase();
                let words: Vec<&str> = lower.split_whitespace().collect();
                if words.is_empty() {
                    continue;
                }
                let hit = if words.len() == 1 {
                    find_word(&sentence.words, &words).is_some()
                } else {
                    find_phrase(&sentence.words, &[words.as_slice()]).is_some()
                };
                if hit {
                    found.entry(name).or_default().push(read.mention(sentence));
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(name, mentions)| CompetitorMentions {
            name: name.to_owned(),
            mentions,
        })
        .collect()
}

/// Reads an account's activities (any order) with the tenant's competitor names, as of `now`.
pub fn analyze(
    account: AccountId,
    activities: &[Activity],
    competitor_names: &[String],
    now: Timestamp,
) -> AccountIntelligence {
    let mut sorted: Vec<&Activity> = activities.iter().collect();
    sorted.sort_by_key(|a| (a.occurred_at, a.id));
    let reads: Vec<Read<'_>> = sorted.into_iter().map(read).collect();
    let mut points = Vec::new();
    let timeline = reads
        .iter()
        .map(|r| {
            let score = sentiment(r);
            if let Some(score) = score {
                points.push(score);
            }
            TimelineEntry {
                activity_id: r.activity.id,
                kind: r.activity.kind,
                occurred_at: r.activity.occurred_at,
                subject: r.activity.subject.clone(),
                participants: participants(r.activity),
                summary: summary(r),
                sentiment: (score.unwrap_or(0.0) * 100.0).round() / 100.0,
            }
        })
        .collect();
    AccountIntelligence {
        account_id: account,
        generated_at: now,
        timeline,
        objections: objections(&reads),
        open_questions: open_questions(&reads),
        commitments: commitments(&reads, now),
        sentiment_trend: trend(&points),
        competitors: competitors(&reads, competitor_names),
        going_dark: going_dark(&reads, now),
    }
}

/// Most activities one account's intelligence reads (the latest ones).
pub const MAX_ACTIVITIES: usize = 5000;

/// Loads an account's activities (at most [`MAX_ACTIVITIES`], the latest) and the tenant's
/// competitor names, and reads them. `NotFound` for an unknown account (or another tenant's).
pub async fn account_intelligence(
    store: &store::Store,
    tenant: domain::id::TenantId,
    account: AccountId,
) -> Result<AccountIntelligence, store::Error> {
    store
        .get::<domain::account::Account>(tenant, account.as_uuid())
        .await?;
    let activities = account_activities(store, tenant, account).await?;
    let competitors = super::qualify::competitor_names(store, tenant).await?;
    Ok(analyze(account, &activities, &competitors, store::now()))
}

/// An account's activities: at most [`MAX_ACTIVITIES`], the latest.
pub(crate) async fn account_activities(
    store: &store::Store,
    tenant: domain::id::TenantId,
    account: AccountId,
) -> Result<Vec<Activity>, store::Error> {
    let filters = vec![store::Filter::Eq(
        "account_id",
        store::SqlValue::Uuid(Some(account.as_uuid())),
    )];
    // Newest recorded first, page by page, never more than the cap: a busy account's history is
    // not read whole on every refresh.
    let mut query = store::ListQuery {
        filters,
        limit: store::MAX_LIMIT,
        order: store::Order::Descending,
        ..store::ListQuery::default()
    };
    let mut activities: Vec<Activity> = Vec::new();
    loop {
        let page = store.list::<Activity>(tenant, &query).await?;
        activities.extend(page.items);
        match page.next_cursor {
            Some(next) if activities.len() < MAX_ACTIVITIES => query.after = Some(next),
            _ => break,
        }
    }
    activities.truncate(MAX_ACTIVITIES);
    activities.sort_by_key(|a| a.occurred_at);
    Ok(activities)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::activity::NewActivity;

    fn activity(kind: &str, days_ago: i64, body: &str, from: Option<&str>) -> Activity {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let at = Timestamp::from_second(1_800_000_000 - days_ago * 86_400).unwrap();
        let participants = match from {
            Some(name) => serde_json::json!([{"role": "from", "name": name}]),
            None => serde_json::json!([{"role": "organizer", "name": "Mei Tan",
                "user_id": "01a20ec8-bbf9-718a-a95d-45e893baa2fe"}]),
        };
        let new: NewActivity = serde_json::from_value(serde_json::json!({
            "kind": kind, "body": body, "occurred_at": at, "participants": participants,
        }))
        .unwrap();
        new.into_activity(now).unwrap()
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn reads_objections_commitments_questions_and_competitors() {
        let account = AccountId::generate();
        let activities = vec![
            activity(
                "meeting",
                40,
                "Mei Tan (Skyvera): What is driving this?\nDana: Honestly, it feels too expensive for us.\n\
                 Dana: We also looked at Northwind last year.\nMei Tan (Skyvera): I'll send the case study by Friday.\n\
                 Dana: Can you support data residency in Germany?\n",
                None,
            ),
            activity(
                "email",
                30,
                "Hi Mei, the price is still too much for this year, to be honest. Dana",
                Some("Dana"),
            ),
            activity(
                "meeting",
                25,
                "Mei Tan (Skyvera): As promised, here is the case study.\nDana: Great, thanks, that is helpful.\n\
                 Dana: I'll check with our CFO.\n",
                None,
            ),
        ];
        let intel = analyze(account, &activities, &["Northwind".to_owned()], now());
        assert_eq!(intel.timeline.len(), 3);
        assert!(intel.timeline[0].occurred_at < intel.timeline[2].occurred_at);
        let price = intel.objections.iter().find(|o| o.kind == "price").unwrap();
        assert!(price.recurring, "{price:?}");
        assert_eq!(price.activities, 2);
        for mention in &price.mentions {
            let body = &activities
                .iter()
                .find(|a| a.id == mention.activity_id)
                .unwrap()
                .body;
            assert!(body.contains(&mention.quote), "verbatim");
        }
        let seller = intel
            .commitments
            .iter()
            .find(|c| c.side == Side::Seller)
            .unwrap();
        assert_eq!(seller.status, CommitmentStatus::Kept);
        let buyer = intel
            .commitments
            .iter()
            .find(|c| c.side == Side::Buyer)
            .unwrap();
        assert_eq!(buyer.status, CommitmentStatus::Overdue, "{buyer:?}");
        assert_eq!(intel.open_questions.len(), 1);
        assert!(intel.open_questions[0].quote.contains("data residency"));
        assert_eq!(intel.competitors[0].name, "Northwind");
        assert!(intel.going_dark.dark, "{:?}", intel.going_dark);
        assert_eq!(intel.going_dark.days_since_buyer, Some(25));
    }

    #[test]
    fn sentiment_trends_and_an_empty_account() {
        let account = AccountId::generate();
        let sour = [
            "Dana: This is a problem and we are worried about the delay.",
            "Dana: Unfortunately the risk is still there, not good.",
            "Dana: Great progress, thanks, we are happy and impressed.",
            "Dana: Excellent, we love it, thank you.",
        ];
        let activities: Vec<Activity> = sour
            .iter()
            .enumerate()
            .map(|(i, text)| activity("meeting", 10 - i as i64, text, None))
            .collect();
        let intel = analyze(account, &activities, &[], now());
        assert_eq!(intel.sentiment_trend, Trend::Improving);
        assert!(!intel.going_dark.dark);
        let empty = analyze(account, &[], &[], now());
        assert!(empty.timeline.is_empty());
        assert_eq!(empty.sentiment_trend, Trend::TooFewActivities);
        assert!(!empty.going_dark.dark);
    }
}
