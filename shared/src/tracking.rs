//! Fresh tracking when it matters: when an agent opens a ticket, a shipment whose live status
//! is older than the configured age (30 minutes by default) and not delivered is asked of its
//! carrier once more — once per shipment per age window whoever opens it (a claim on the
//! order's history entry, [`OrderStore::claim_tracking_refresh`]), the answer stored for the
//! other agents, and never waiting more than the timeout (1 s by default): a carrier that does
//! not answer in time leaves the last known status.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use crate::connectors::TrackingLookup;
use crate::connectors::accounts::SecretSource;
use crate::connectors::carrier_accounts::{TenantTracker, TenantTrackers};
use crate::connectors::carriers::{CarrierTracker, ensure_link, resolve};
use crate::domain::{Order, Shipment, ShipmentStatus, TenantId};
use crate::store::{OrderHistoryKey, OrderStore, StoreResult};

/// When a shipment is asked again and how long the view waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// A live status older than this is stale.
    pub max_age: chrono::Duration,
    /// The longest the ticket view waits for the carriers.
    pub timeout: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            max_age: chrono::Duration::minutes(30),
            timeout: Duration::from_secs(1),
        }
    }
}

impl RefreshPolicy {
    /// `MARKETDESK_TRACKING_MAX_AGE_MINUTES` (1–1440, default 30) and
    /// `MARKETDESK_TRACKING_TIMEOUT_MS` (100–5000, default 1000); out of range or unreadable
    /// values keep the default.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str, range: std::ops::RangeInclusive<i64>| {
            get(name)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|v| range.contains(v))
        };
        let default = Self::default();
        Self {
            max_age: number("MARKETDESK_TRACKING_MAX_AGE_MINUTES", 1..=1440)
                .map_or(default.max_age, chrono::Duration::minutes),
            timeout: number("MARKETDESK_TRACKING_TIMEOUT_MS", 100..=5000)
                .map_or(default.timeout, |ms| Duration::from_millis(ms as u64)),
        }
    }
}

/// Whether `shipment` is worth asking its carrier again at `now`: not delivered, and never
/// checked or checked longer than `max_age` ago.
pub fn needs_refresh(shipment: &Shipment, now: DateTime<Utc>, max_age: chrono::Duration) -> bool {
    shipment.status != ShipmentStatus::Delivered
        && shipment
            .checked_at
            .is_none_or(|checked| now - checked > max_age)
}

/// Live tracking as the API holds it (object-safe): the carrier clients of each tenant.
pub trait LiveTracking: Send + Sync {
    /// The tracker that answers for `tenant`'s shipments.
    fn for_tenant<'a>(&'a self, tenant: &'a TenantId) -> BoxFuture<'a, Arc<TenantTracker>>;

    /// `tenant`'s carrier credentials changed: build its tracker again on next use.
    fn forget(&self, tenant: &TenantId);
}

impl<S: SecretSource> LiveTracking for TenantTrackers<S> {
    fn for_tenant<'a>(&'a self, tenant: &'a TenantId) -> BoxFuture<'a, Arc<TenantTracker>> {
        Box::pin(TenantTrackers::for_tenant(self, tenant))
    }

    fn forget(&self, tenant: &TenantId) {
        TenantTrackers::forget(self, tenant);
    }
}

/// One tracker for every tenant (tests; no carrier credentials: links only).
impl LiveTracking for Arc<TenantTracker> {
    fn for_tenant<'a>(&'a self, _: &'a TenantId) -> BoxFuture<'a, Arc<TenantTracker>> {
        Box::pin(async move { self.clone() })
    }

    fn forget(&self, _: &TenantId) {}
}

/// No carrier credentials anywhere: links only, nothing is refreshed.
pub fn no_live_tracking() -> Arc<TenantTracker> {
    Arc::new(TenantTracker::from(CarrierTracker::new()))
}

/// Whether a live client of `tracker` would answer for `shipment` (otherwise: link only).
fn is_live(tracker: &CarrierTracker, shipment: &Shipment) -> bool {
    let carrier = Some(shipment.carrier.as_str()).filter(|c| !c.is_empty());
    resolve(carrier, &shipment.tracking_number).is_some_and(|c| tracker.is_live(&c))
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Every shipment is fresh, delivered or link-only: no request made.
    NotNeeded,
    /// Another view claimed this window: the stored status is shown.
    Cached,
    /// Asked the carriers; `stored` when at least one answered and the answer was stored.
    Asked { stored: bool },
}

/// Refreshes the stale shipments of `order` (the ticket view's copy, from the history entry
/// `entry`) in place, as [`RefreshPolicy`] says. Every shipment gets its registry tracking
/// link whatever happens. Store failures are returned; carrier failures and timeouts only
/// leave the last known status.
pub async fn refresh_order<S: OrderStore>(
    store: &S,
    tracking: &dyn LiveTracking,
    policy: RefreshPolicy,
    tenant: &TenantId,
    entry: &OrderHistoryKey,
    order: &mut Order,
    now: DateTime<Utc>,
) -> StoreResult<Refresh> {
    order.shipments.iter_mut().for_each(ensure_link);
    let tracker = tracking.for_tenant(tenant).await;
    let tracker = &*tracker.tracker;
    let stale: Vec<usize> = order
        .shipments
        .iter()
        .enumerate()
        .filter(|(_, s)| needs_refresh(s, now, policy.max_age) && is_live(tracker, s))
        .map(|(i, _)| i)
        .collect();
    if stale.is_empty() {
        return Ok(Refresh::NotNeeded);
    }
    if !store
        .claim_tracking_refresh(tenant, entry, now, now - policy.max_age)
        .await?
    {
        return Ok(Refresh::Cached);
    }
    let asks = stale.iter().map(|&i| {
        let shipment = &order.shipments[i];
        async move {
            let carrier = Some(shipment.carrier.as_str()).filter(|c| !c.is_empty());
            let ask = tracker.track(carrier, &shipment.tracking_number);
            match tokio::time::timeout(policy.timeout, ask).await {
                Ok(Ok(Some(mut live))) => {
                    ensure_link(&mut live);
                    Some((i, live))
                }
                Ok(Ok(None)) => None,
                Ok(Err(err)) => {
                    tracing::warn!(order = %entry.order, error = %err, "tracking refresh failed");
                    None
                }
                Err(_) => {
                    tracing::warn!(order = %entry.order, timeout = ?policy.timeout,
                        "carrier did not answer in time; last known status kept");
                    None
                }
            }
        }
    });
    let answers: Vec<(usize, Shipment)> = futures::future::join_all(asks)
        .await
        .into_iter()
        .flatten()
        .collect();
    if answers.is_empty() {
        return Ok(Refresh::Asked { stored: false });
    }
    for (i, live) in answers {
        order.shipments[i] = live;
    }
    let stored = store
        .store_shipments(tenant, entry, &order.shipments)
        .await?;
    Ok(Refresh::Asked { stored })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn shipment(status: ShipmentStatus, checked: Option<&str>) -> Shipment {
        Shipment {
            carrier: "royal_mail".into(),
            tracking_number: "AB123456785GB".into(),
            tracking_url: None,
            status,
            events: Vec::new(),
            estimated_delivery: None,
            checked_at: checked.map(at),
        }
    }

    #[test]
    fn stale_means_not_delivered_and_older_than_the_age() {
        let now = at("2026-11-01T12:00:00Z");
        let age = chrono::Duration::minutes(30);
        use ShipmentStatus::*;
        assert!(needs_refresh(&shipment(InTransit, None), now, age));
        assert!(needs_refresh(
            &shipment(InTransit, Some("2026-11-01T11:29:00Z")),
            now,
            age
        ));
        assert!(!needs_refresh(
            &shipment(InTransit, Some("2026-11-01T11:31:00Z")),
            now,
            age
        ));
        assert!(!needs_refresh(&shipment(Delivered, None), now, age));
        assert!(needs_refresh(
            &shipment(Unknown, Some("2026-10-01T00:00:00Z")),
            now,
            age
        ));
    }

    #[test]
    fn the_policy_reads_the_environment_within_bounds() {
        let policy = RefreshPolicy::from_lookup(|k| match k {
            "MARKETDESK_TRACKING_MAX_AGE_MINUTES" => Some("10".into()),
            "MARKETDESK_TRACKING_TIMEOUT_MS" => Some("99999".into()),
            _ => None,
        });
        assert_eq!(policy.max_age, chrono::Duration::minutes(10));
        assert_eq!(policy.timeout, Duration::from_secs(1));
        assert_eq!(
            RefreshPolicy::from_lookup(|_| None),
            RefreshPolicy::default()
        );
    }
}
