//! Account health over the store ports: the one place the API, the escalator's forecast sweep
//! and the CLI get each Amazon account's month so far and its projection from (a Query per
//! month of aggregates, one of the open-messages index, one of the accounts).

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::forecast::{self, AccountHealth};
use super::report::ReportData;
use super::{ANSWER_WITHIN, local_day};
use crate::domain::{AccountId, Channel, TenantId};
use crate::store::{AccountStore, ReportStore, StoreResult};

/// The health of the tenant's Amazon accounts (those connected, and any with figures).
pub async fn account_healths<S: ReportStore + AccountStore>(
    store: &S,
    tenant: &TenantId,
    tz: Tz,
    now: DateTime<Utc>,
    horizon: u32,
    line: f64,
    only: Option<&AccountId>,
) -> StoreResult<Vec<AccountHealth>> {
    let today = local_day(now, tz);
    let from = forecast::month_start(today);
    let rows = store.report_rows(tenant, from, today).await?;
    let since = from
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(tz).earliest())
        .map_or(now - Duration::days(32), |d| d.with_timezone(&Utc))
        - Duration::hours(3);
    let open = store
        .open_facts(tenant, since.min(now - ANSWER_WITHIN))
        .await?;
    let data = ReportData {
        tz: Some(tz),
        rows,
        open,
        breaches: Vec::new(),
    };
    let mut accounts: Vec<AccountId> = store
        .accounts(tenant)
        .await?
        .into_iter()
        .filter(|a| a.channel == Channel::Amazon)
        .map(|a| a.id)
        .collect();
    accounts.extend(
        data.rows
            .iter()
            .filter(|(k, _)| k.channel == Channel::Amazon)
            .map(|(k, _)| k.account.clone()),
    );
    accounts.sort();
    accounts.dedup();
    Ok(accounts
        .into_iter()
        .filter(|a| only.is_none_or(|o| o == a))
        .map(|a| forecast::account_health(&data, &a, now, horizon, line))
        .collect())
}

/// How the watch judges and when it sends the digest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WatchSettings {
    pub horizon_hours: u32,
    /// The tenant's line in percent.
    pub line_percent: f64,
    /// The local hour from which the day's digest goes out.
    pub digest_hour: u32,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            horizon_hours: forecast::DEFAULT_HORIZON_HOURS,
            line_percent: forecast::DEFAULT_TENANT_LINE_PERCENT,
            digest_hour: 8,
        }
    }
}

/// What one watch run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WatchReport {
    pub accounts: usize,
    pub warnings: usize,
    pub digests: usize,
}

/// The digest's alert-state key (beside the accounts').
const DIGEST: &str = "digest";

/// Judges every Amazon account of `tenant` and warns the team once per crossing of a line
/// (the new state is written first, conditionally, so two sweeps never both warn; a warning
/// that cannot be delivered gives its state back for the next run), then sends the day's
/// digest once, from `digest_hour` local time.
pub async fn watch<S, N>(
    store: &S,
    notifier: &N,
    tenant: &TenantId,
    tz: Tz,
    now: DateTime<Utc>,
    settings: WatchSettings,
) -> StoreResult<WatchReport>
where
    S: ReportStore + AccountStore,
    N: crate::connectors::Notifier,
{
    let healths = account_healths(
        store,
        tenant,
        tz,
        now,
        settings.horizon_hours,
        settings.line_percent,
        None,
    )
    .await?;
    let mut report = WatchReport {
        accounts: healths.len(),
        ..Default::default()
    };
    for health in &healths {
        let key = format!("ACCT#{}", health.account);
        let state = store.alert_state(tenant, &key).await?.unwrap_or_default();
        let (next, fired) = forecast::crossings(&state, health);
        if next == state {
            continue;
        }
        if !store.save_alert_state(tenant, &key, &next).await? {
            // Another run judged this account at the same moment and said what was due.
            continue;
        }
        for crossing in fired {
            let warning = forecast::warning(health, crossing, now);
            match notifier.notify(&warning).await {
                Ok(()) => {
                    report.warnings += 1;
                    // The one line per alert an operator reads (`make dev` shows target `alerts`).
                    tracing::info!(target: "alerts", tenant = %tenant, account = %health.account,
                        crossing = ?crossing, "account-health warning sent");
                }
                Err(e) => {
                    tracing::error!(tenant = %tenant, account = %health.account, error = %e,
                        "account-health warning not delivered; the next run tries again");
                    let mut back = next.clone();
                    back.version += 1;
                    back.below_tenant_line = state.below_tenant_line;
                    back.below_amazon_line = state.below_amazon_line;
                    let _ = store.save_alert_state(tenant, &key, &back).await;
                    break;
                }
            }
        }
    }
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    if chrono::Timelike::hour(&local) >= settings.digest_hour {
        let state = store.alert_state(tenant, DIGEST).await?.unwrap_or_default();
        if state.last_digest != Some(today) {
            let mut next = state.clone();
            next.last_digest = Some(today);
            if store.save_alert_state(tenant, DIGEST, &next).await? {
                match notifier.notify(&forecast::digest(&healths, today)).await {
                    Ok(()) => {
                        report.digests += 1;
                        tracing::info!(target: "alerts", tenant = %tenant, day = %today,
                            "account-health digest sent");
                    }
                    Err(e) => tracing::warn!(tenant = %tenant, error = %e,
                        "account-health digest not delivered"),
                }
            }
        }
    }
    Ok(report)
}
