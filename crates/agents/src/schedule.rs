//! Schedules: recurring work per tenant and region, at a local time in the region's time zone
//! (each rep's daily plan, daily pipeline review, weekly forecast, daily dunning run). Each
//! firing is a job in the durable queue whose dedupe key names the schedule, the region and the
//! time, so a firing survives restarts and runs once across replicas; handling it runs the skill
//! and queues the next firing.

use async_trait::async_trait;
use domain::agent::AgentRole;
use domain::agent_run::RunTrigger;
use domain::id::{RegionId, TenantId};
use domain::job::{DEFAULT_MAX_ATTEMPTS, JobKind};
use domain::region::Region;
use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use store::jobs::{Job, NewJob};
use store::{ListQuery, Store};

use crate::handler::{Handler, HandlerError};
use crate::runner::{AgentDeps, run_skill};
use crate::skill::Trigger;

/// The scheduler's subscriber name.
pub const SCHEDULER: &str = "scheduler";

/// A recurring job of the crew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub name: &'static str,
    pub role: AgentRole,
    pub skill: &'static str,
    /// Local time of day.
    pub hour: i8,
    pub minute: i8,
    /// Only on this weekday; every day when `None`.
    pub weekday: Option<Weekday>,
}

/// The crew's schedules.
pub const SCHEDULES: &[Schedule] = &[
    Schedule {
        name: "pipeline_review",
        role: AgentRole::BusinessOperations,
        skill: "pipeline_review",
        hour: 8,
        minute: 0,
        weekday: None,
    },
    Schedule {
        name: "weekly_forecast",
        role: AgentRole::BusinessOperations,
        skill: "weekly_forecast",
        hour: 8,
        minute: 30,
        weekday: Some(Weekday::Monday),
    },
    Schedule {
        name: "dunning_run",
        role: AgentRole::Collections,
        skill: "dunning_run",
        hour: 9,
        minute: 0,
        weekday: None,
    },
    Schedule {
        name: "daily_plan",
        role: AgentRole::Sales,
        skill: "daily_plan",
        hour: 7,
        minute: 30,
        weekday: None,
    },
];

/// The first firing strictly after `after`, in the zone's local time (a time skipped by a
/// daylight-saving change fires at the next valid instant).
pub fn next_fire(schedule: &Schedule, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
    let local = after.to_zoned(tz.clone());
    let mut date = local.date();
    for _ in 0..8 {
        let weekday_ok = schedule.weekday.is_none_or(|w| date.weekday() == w);
        if weekday_ok {
            let at = date
                .at(schedule.hour, schedule.minute, 0, 0)
                .to_zoned(tz.clone())
                .ok()?
                .timestamp();
            if at > after {
                return Some(at);
            }
        }
        date = date.tomorrow().ok()?;
    }
    None
}

/// The job of one firing.
pub fn firing_job(schedule: &Schedule, region: RegionId, at: Timestamp) -> NewJob {
    NewJob {
        kind: JobKind::Schedule,
        subscriber: SCHEDULER.into(),
        subject_id: region.as_uuid(),
        dedupe_key: format!("schedule:{}:{}:{}", schedule.name, region, at),
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        run_at: at,
    }
}

/// The schedule and time a firing's dedupe key names.
fn parse_firing(key: &str) -> Option<(&'static Schedule, Timestamp)> {
    let mut parts = key.splitn(4, ':');
    let (kind, name, _region, at) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if kind != "schedule" {
        return None;
    }
    let schedule = SCHEDULES.iter().find(|s| s.name == name)?;
    Some((schedule, at.parse().ok()?))
}

/// Queues the next firing of every schedule of one region (nothing when already queued).
pub async fn seed_region(
    store: &Store,
    tenant: TenantId,
    region: &Region,
) -> Result<(), store::Error> {
    let Ok(tz) = TimeZone::get(region.time_zone.as_str()) else {
        return Ok(());
    };
    let now = store::now();
    for schedule in SCHEDULES {
        if let Some(at) = next_fire(schedule, &tz, now) {
            store
                .enqueue_job(tenant, &firing_job(schedule, region.id, at))
                .await?;
        }
    }
    Ok(())
}

/// Queues the next firings for every tenant and region; run at start by each replica (the dedupe
/// keys make repeats harmless).
pub async fn seed_all(store: &Store) -> Result<(), store::Error> {
    for tenant in store.list_tenants().await? {
        let regions = store
            .list::<Region>(
                tenant.id,
                &ListQuery {
                    limit: store::MAX_LIMIT,
                    ..ListQuery::default()
                },
            )
            .await?;
        for region in &regions.items {
            seed_region(store, tenant.id, region).await?;
        }
    }
    Ok(())
}

/// Runs firings and seeds the schedules of new regions.
pub struct Scheduler {
    deps: AgentDeps,
}

impl Scheduler {
    pub fn new(deps: AgentDeps) -> Self {
        Self { deps }
    }
}

#[async_trait]
impl Handler for Scheduler {
    fn name(&self) -> &str {
        SCHEDULER
    }

    fn event_kinds(&self) -> Vec<String> {
        vec!["region.created".into()]
    }

    async fn handle(&self, job: &Job) -> Result<(), HandlerError> {
        let store = &self.deps.store;
        let tenant = job.tenant;
        let region: Region = match store.get(tenant, job.subject_id).await {
            Ok(region) => region,
            // The region is gone: its schedules end.
            Err(store::Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        match job.kind {
            JobKind::Event => Ok(seed_region(store, tenant, &region).await?),
            JobKind::Schedule => {
                let (schedule, at) = parse_firing(&job.dedupe_key).ok_or_else(|| {
                    HandlerError::Permanent(format!("{:?} names no schedule", job.dedupe_key))
                })?;
                let skill = crate::crew::skill(schedule.role, schedule.skill).ok_or_else(|| {
                    HandlerError::Permanent(format!(
                        "no skill {} for {}",
                        schedule.skill, schedule.role
                    ))
                })?;
                let input =
                    crate::crew::operations::scheduled_input(store, tenant, &region, schedule, at)
                        .await?;
                let trigger = Trigger {
                    kind: RunTrigger::Schedule,
                    event_id: None,
                    activity_id: None,
                    account_id: None,
                    opportunity_id: None,
                    dedupe_key: job.dedupe_key.clone(),
                    input,
                    requested_by: None,
                    sender: None,
                };
                run_skill(&self.deps, tenant, skill.as_ref(), trigger).await?;
                if let Ok(tz) = TimeZone::get(region.time_zone.as_str())
                    && let Some(next) = next_fire(schedule, &tz, at.max(store::now()))
                {
                    store
                        .enqueue_job(tenant, &firing_job(schedule, region.id, next))
                        .await?;
                }
                Ok(())
            }
            other => Err(HandlerError::Permanent(format!(
                "the scheduler does not run {other} jobs"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firings_follow_the_regions_local_time() {
        let london = TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC);
        let review = SCHEDULES[0];
        // 07:59 local on a winter day fires at 08:00 local (UTC+0).
        let at = next_fire(
            &review,
            &london,
            "2026-12-01T07:59:00Z".parse().unwrap_or_default(),
        );
        assert_eq!(
            at.map(|t| t.to_string()).as_deref(),
            Some("2026-12-01T08:00:00Z")
        );
        // In summer, 08:00 local is 07:00 UTC; past it, the next day.
        let at = next_fire(
            &review,
            &london,
            "2026-07-01T07:00:00Z".parse().unwrap_or_default(),
        );
        assert_eq!(
            at.map(|t| t.to_string()).as_deref(),
            Some("2026-07-02T07:00:00Z")
        );
        let singapore = TimeZone::get("Asia/Singapore").unwrap_or(TimeZone::UTC);
        let forecast = SCHEDULES[1];
        // 2026-11-24 is a Tuesday: next Monday 08:30 in Singapore (UTC+8) is 00:30 UTC.
        let at = next_fire(
            &forecast,
            &singapore,
            "2026-11-24T12:00:00Z".parse().unwrap_or_default(),
        );
        assert_eq!(
            at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-30T00:30:00Z")
        );
    }

    #[test]
    fn a_firing_key_names_its_schedule_and_time() {
        let region = RegionId::generate();
        let at: Timestamp = "2026-12-01T08:00:00Z".parse().unwrap_or_default();
        let job = firing_job(&SCHEDULES[2], region, at);
        let (schedule, parsed) =
            parse_firing(&job.dedupe_key).unwrap_or((&SCHEDULES[0], Timestamp::UNIX_EPOCH));
        assert_eq!(schedule.name, "dunning_run");
        assert_eq!(parsed, at);
        assert!(parse_firing("event:x").is_none());
    }
}
