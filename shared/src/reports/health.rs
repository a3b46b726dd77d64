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
