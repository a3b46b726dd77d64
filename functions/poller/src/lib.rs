//! The poller's handler. Its input is the schedule's JSON: `{"tenant": …, "account": …}`.
//!
//! Today it validates the request and the account (unknown or disabled accounts are reported,
//! not polled); fetching from the channel APIs arrives with the connectors (issue 3) and the
//! ingestion pipeline (issue 4).

use marketdesk::domain::{AccountId, Channel, TenantId};
use marketdesk::store::{AccountStore, StoreError};
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
    pub events_sent: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("tenant {tenant} has no channel account {account}")]
    UnknownAccount { tenant: TenantId, account: AccountId },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn handle<S: AccountStore>(store: &S, request: PollRequest) -> Result<PollReport, PollError> {
    let account = store
        .account(&request.tenant, &request.account)
        .await?
        .ok_or_else(|| PollError::UnknownAccount {
            tenant: request.tenant.clone(),
            account: request.account.clone(),
        })?;
    tracing::info!(tenant = %request.tenant, account = %request.account, channel = %account.channel, "poll");
    Ok(PollReport {
        tenant: request.tenant,
        account: request.account,
        channel: account.channel,
        polled: account.enabled,
        events_sent: 0,
    })
}
