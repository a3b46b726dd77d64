//! The poller's handler. Its input is the schedule's JSON: `{"tenant": …, "account": …}`.
//!
//! It reads the account (unknown accounts are an error, disabled ones are skipped), builds the
//! account's feeds from its channel clients and polls them under the account's lease.

use chrono::{DateTime, Utc};
use marketdesk::connectors::ConnectorError;
use marketdesk::connectors::accounts::{ChannelClients, SecretSource};
use marketdesk::domain::{AccountId, Channel, TenantId};
use marketdesk::polling::feedback_report::{FeedbackReportRun, step_feedback_report};
use marketdesk::polling::{EventSink, PollError, Poller};
use marketdesk::store::{AccountStore, FeedbackStore, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollRequest {
    pub tenant: TenantId,
    pub account: AccountId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollReport {
    pub tenant: TenantId,
    pub account: AccountId,
    pub channel: Channel,
    /// Whether the account was polled; a disabled account is skipped.
    pub polled: bool,
    pub pages: u32,
    pub events_sent: u32,
    /// Amazon: this run's step of the daily seller feedback report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_report: Option<FeedbackReportRun>,
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("tenant {tenant} has no channel account {account}")]
    UnknownAccount {
        tenant: TenantId,
        account: AccountId,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Clients(#[from] ConnectorError),
    #[error(transparent)]
    Poll(#[from] PollError),
}

/// What the poller function holds between invocations.
pub struct PollerFunction<S, K, C> {
    pub poller: Poller<S, K>,
    pub clients: ChannelClients<C>,
}

impl<S: AccountStore + FeedbackStore, K: EventSink, C: SecretSource> PollerFunction<S, K, C> {
    /// Polls the requested account; `owner` names this run for the lease.
    pub async fn handle(
        &self,
        request: PollRequest,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<PollReport, HandlerError> {
        let account = self
            .poller
            .store
            .account(&request.tenant, &request.account)
            .await?
            .ok_or_else(|| HandlerError::UnknownAccount {
                tenant: request.tenant.clone(),
                account: request.account.clone(),
            })?;
        let mut report = PollReport {
            tenant: request.tenant.clone(),
            account: request.account.clone(),
            channel: account.channel,
            polled: account.enabled,
            pages: 0,
            events_sent: 0,
            feedback_report: None,
        };
        if !account.enabled {
            return Ok(report);
        }
        let feeds = self.clients.feeds(&account).await?;
        let polled = self
            .poller
            .poll(&request.tenant, &request.account, owner, &feeds, now)
            .await?;
        tracing::info!(tenant = %request.tenant, account = %request.account, pages = polled.pages, events = polled.events_sent, "polled");
        report.pages = polled.pages;
        report.events_sent = polled.events_sent;
        // After the orders: the report's rows then find their orders stored (FBA or not).
        if let Some(reports) = self.clients.amazon_reports(&account).await? {
            let step = step_feedback_report(
                &self.poller.store,
                &self.poller.sink,
                &reports,
                &account,
                now,
            )
            .await?;
            tracing::info!(tenant = %request.tenant, account = %request.account, step = %step.step, rows = step.rows_sent, rejected = step.rejected.len(), "feedback report");
            report.feedback_report = Some(step);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_schedule_input_is_a_poll_request() {
        let request: PollRequest =
            serde_json::from_str(include_str!("../../../events/poll_request.json")).unwrap();
        assert_eq!(request.tenant.as_str(), "demo");
    }

    #[test]
    fn a_request_with_an_invalid_tenant_or_extra_fields_is_refused() {
        assert!(serde_json::from_str::<PollRequest>(r#"{"tenant":"a#b","account":"x"}"#).is_err());
        assert!(
            serde_json::from_str::<PollRequest>(r#"{"tenant":"a","account":"x","extra":1}"#)
                .is_err()
        );
    }
}
