//! The seller feedback report of an Amazon account, one step per poller run (decision 0023):
//! a run creates the report when a day has passed since the last one, later runs ask for it
//! until it is done, and the run that finds it done sends its rows to the ingest queue — all or
//! nothing, before the job moves on — so a failed send is retried from the same report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EventSink, PollError};
use crate::connectors::amazon::SpApiReports;
use crate::connectors::amazon::reports::{Collected, SELLER_FEEDBACK_REPORT};
use crate::domain::ChannelAccount;
use crate::feedback::{self, DateFormat, JobStep, RejectedRow, ReportJob};
use crate::ingest::{AmazonFeedbackEvent, SourceEvent};
use crate::store::{FeedbackStore, StoreError};

/// What one run did with the account's feedback report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReportRun {
    /// `idle`, `created`, `pending`, `empty`, `collected`, `failed` or `busy` (another run
    /// moved the job meanwhile).
    pub step: String,
    pub rows_sent: u32,
    /// Rows of the report that could not be read: line and reason (never the rater's e-mail).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<(usize, String)>,
}

fn run(step: &str) -> FeedbackReportRun {
    FeedbackReportRun {
        step: step.to_owned(),
        ..Default::default()
    }
}

/// One step of `account`'s feedback report job at `now`.
pub async fn step_feedback_report<S: FeedbackStore, K: EventSink>(
    store: &S,
    sink: &K,
    reports: &SpApiReports,
    account: &ChannelAccount,
    now: DateTime<Utc>,
) -> Result<FeedbackReportRun, PollError> {
    let tenant = &account.tenant;
    let stored = store.report_job(tenant, &account.id).await?;
    let expected = stored.as_ref().map(|j| j.version);
    let mut job = stored
        .clone()
        .unwrap_or_else(|| ReportJob::new(account.id.clone()));
    let feed_error = |source| PollError::Feed {
        account: account.id.clone(),
        feed: "feedback_report",
        source,
    };
    let mut outcome = match feedback::next_step(stored.as_ref(), now) {
        JobStep::Idle => return Ok(run("idle")),
        JobStep::Create { data_start } => {
            let id = reports
                .create_report(
                    SELLER_FEEDBACK_REPORT,
                    std::slice::from_ref(&account.marketplace.id),
                    Some(data_start),
                )
                .await
                .map_err(feed_error)?;
            job.created(id, now);
            run("created")
        }
        JobStep::Collect { report_id } => {
            match reports.collect(&report_id).await.map_err(feed_error)? {
                Collected::Pending => return Ok(run("pending")),
                Collected::Empty => {
                    job.collected(now);
                    run("empty")
                }
                Collected::Failed(reason) => {
                    tracing::warn!(tenant = %tenant, account = %account.id, %reason, "feedback report failed; a new one is created next run");
                    job.failed(reason);
                    run("failed")
                }
                Collected::Done(bytes) => {
                    let format = DateFormat::for_marketplace(&account.marketplace.id);
                    match feedback::parse_report(&bytes, format) {
                        Err(e) => {
                            tracing::warn!(tenant = %tenant, account = %account.id, error = %e, "feedback report unreadable");
                            job.failed(e.to_string());
                            run("failed")
                        }
                        Ok(parsed) => {
                            for RejectedRow { line, reason } in &parsed.rejected {
                                tracing::warn!(tenant = %tenant, account = %account.id, line, %reason, "feedback report row rejected");
                            }
                            let events: Vec<SourceEvent> = parsed
                                .rows
                                .iter()
                                .map(|row| {
                                    SourceEvent::AmazonFeedback(AmazonFeedbackEvent::from_row(
                                        tenant, account, row,
                                    ))
                                })
                                .collect();
                            if !events.is_empty() {
                                sink.send(&events).await.map_err(|reason| PollError::Sink {
                                    account: account.id.clone(),
                                    reason,
                                })?;
                            }
                            job.collected(now);
                            FeedbackReportRun {
                                step: "collected".into(),
                                rows_sent: events.len() as u32,
                                rejected: parsed
                                    .rejected
                                    .into_iter()
                                    .map(|r| (r.line, r.reason))
                                    .collect(),
                            }
                        }
                    }
                }
            }
        }
    };
    match store.save_report_job(tenant, &job, expected).await {
        Ok(_) => Ok(outcome),
        // Another run moved the job meanwhile: its step stands (rows sent twice dedupe).
        Err(StoreError::Conflict { .. }) => {
            outcome.step = "busy".into();
            Ok(outcome)
        }
        Err(other) => Err(other.into()),
    }
}
