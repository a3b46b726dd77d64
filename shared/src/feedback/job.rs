//! The feedback report of one Amazon account across poller runs: created on one run, collected
//! on a later one (a report takes minutes to hours; no Lambda waits for it). Pure: the poller
//! reads the job, asks [`next_step`] what to do at `now`, does it and saves the job.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::AccountId;

/// A new report at most this often per account.
pub const REPORT_EVERY: Duration = Duration::days(1);
/// Each report covers this far back: longer than the buyers' 60-day window, so a changed or
/// removed feedback is seen again while it can still change.
pub const REPORT_LOOKBACK: Duration = Duration::days(90);
/// A report still not done after this long is given up and a new one created.
pub const REPORT_GIVE_UP: Duration = Duration::days(2);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub account: AccountId,
    /// The report created and not yet collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    /// When the last report was created (successfully asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<DateTime<Utc>>,
    /// When a report was last collected (done or empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<DateTime<Utc>>,
    /// Why the last report failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<String>,
    pub version: u64,
}

impl ReportJob {
    pub fn new(account: AccountId) -> Self {
        ReportJob {
            account,
            report_id: None,
            requested_at: None,
            collected_at: None,
            last_failure: None,
            version: 0,
        }
    }

    /// A report was created at `now`.
    pub fn created(&mut self, report_id: String, now: DateTime<Utc>) {
        self.report_id = Some(report_id);
        self.requested_at = Some(now);
    }

    /// The report was collected (its rows sent on) or was empty.
    pub fn collected(&mut self, now: DateTime<Utc>) {
        self.report_id = None;
        self.collected_at = Some(now);
        self.last_failure = None;
    }

    /// Amazon gave the report up (FATAL): the next run creates a new one.
    pub fn failed(&mut self, reason: String) {
        self.report_id = None;
        self.requested_at = None;
        self.last_failure = Some(reason);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStep {
    /// Create a report of the feedback left since `data_start`.
    Create { data_start: DateTime<Utc> },
    /// Ask for the report created earlier.
    Collect { report_id: String },
    /// Nothing to do before the next day's report.
    Idle,
}

/// What to do with the account's job at `now` (`None`: the account has none yet).
pub fn next_step(job: Option<&ReportJob>, now: DateTime<Utc>) -> JobStep {
    let create = JobStep::Create {
        data_start: now - REPORT_LOOKBACK,
    };
    let Some(job) = job else { return create };
    match (&job.report_id, job.requested_at) {
        (Some(id), Some(at)) if now - at < REPORT_GIVE_UP => JobStep::Collect {
            report_id: id.clone(),
        },
        (Some(_), _) => create,
        (None, Some(at)) if now - at < REPORT_EVERY => JobStep::Idle,
        (None, _) => create,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_report_is_created_once_a_day_and_collected_on_the_runs_between() {
        let now = at("2026-11-03T06:00:00Z");
        assert_eq!(
            next_step(None, now),
            JobStep::Create {
                data_start: at("2026-08-05T06:00:00Z")
            }
        );
        let mut job = ReportJob::new(AccountId::parse("acct_amz").unwrap());
        job.created("r1".into(), now);
        let later = now + Duration::minutes(15);
        assert_eq!(
            next_step(Some(&job), later),
            JobStep::Collect {
                report_id: "r1".into()
            }
        );
        job.collected(later);
        assert_eq!(
            next_step(Some(&job), later + Duration::hours(3)),
            JobStep::Idle
        );
        assert!(matches!(
            next_step(Some(&job), now + Duration::days(1)),
            JobStep::Create { .. }
        ));
    }

    #[test]
    fn a_report_that_never_finishes_or_fails_is_replaced() {
        let now = at("2026-11-03T06:00:00Z");
        let mut job = ReportJob::new(AccountId::parse("acct_amz").unwrap());
        job.created("r1".into(), now);
        assert!(matches!(
            next_step(Some(&job), now + Duration::days(3)),
            JobStep::Create { .. }
        ));
        job.failed("FATAL".into());
        assert!(matches!(
            next_step(Some(&job), now + Duration::minutes(15)),
            JobStep::Create { .. }
        ));
    }
}
