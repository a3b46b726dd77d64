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
    UnknownAccount {
        tenant: TenantId,
        account: AccountId,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn handle<S: AccountStore>(
    store: &S,
    request: PollRequest,
) -> Result<PollReport, PollError> {
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

#[cfg(test)]
mod tests {
    use marketdesk::domain::{ChannelAccount, Marketplace, SecretRef};
    use marketdesk_devstack::testing::fresh_table;

    use super::*;

    #[tokio::test]
    async fn the_scheduled_request_names_an_account_that_is_then_polled() {
        let request: PollRequest =
            serde_json::from_str(include_str!("../../../events/poll_request.json")).unwrap();
        let t = fresh_table().await;
        let missing = handle(&t.store, request.clone()).await.unwrap_err();
        assert!(
            matches!(missing, PollError::UnknownAccount { .. }),
            "{missing}"
        );

        let account = ChannelAccount {
            id: request.account.clone(),
            tenant: request.tenant.clone(),
            channel: Channel::Ebay,
            marketplace: Marketplace {
                id: "EBAY_IT".into(),
                country: Some("IT".into()),
                language: Some("it".into()),
            },
            region: None,
            display_name: "eBay Italia".into(),
            credentials: SecretRef("marketdesk/demo/acct_ebay_it".into()),
            sender_address: None,
            poll_interval_minutes: 5,
            enabled: true,
            created_at: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            version: 0,
        };
        t.store.save_account(&account, None).await.unwrap();
        let report = handle(&t.store, request).await.unwrap();
        assert_eq!((report.channel, report.polled), (Channel::Ebay, true));
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
