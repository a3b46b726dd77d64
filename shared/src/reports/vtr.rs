//! VTR watch: the seller-side view of Amazon's Valid Tracking Rate. Of the merchant-fulfilled
//! orders shipped in a period, which lack valid tracking — no tracking number, a carrier the
//! registry does not know, or no carrier scan within 48 hours of shipping — per account, with
//! what the seller needs to mend each one (the order, the carrier and number as the channel
//! gave them). Pure: the caller gives the orders and `now`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::connectors::carriers::resolve;
use crate::domain::{AccountId, Channel, FulfillmentChannel, Order, OrderId, ShipmentStatus};

/// How long a shipment may go without a first carrier scan.
pub const FIRST_SCAN_WITHIN: Duration = Duration::hours(48);
/// Amazon's line: at least 95 % of shipments with valid tracking.
pub const AMAZON_VTR_LINE_PERCENT: f64 = 95.0;

/// Why a shipped order's tracking is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    NoTrackingNumber,
    UnknownCarrier,
    #[serde(rename = "no_scan_within_48h")]
    NoScanWithin48h,
}

impl Invalid {
    pub fn as_str(self) -> &'static str {
        match self {
            Invalid::NoTrackingNumber => "no_tracking_number",
            Invalid::UnknownCarrier => "unknown_carrier",
            Invalid::NoScanWithin48h => "no_scan_within_48h",
        }
    }
}

/// A shipped order without valid tracking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvalidOrder {
    pub channel: Channel,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub order: OrderId,
    pub reason: Invalid,
    /// The carrier as the channel named it (may be empty).
    pub carrier: String,
    pub tracking_number: String,
    /// When the order was marked shipped, as close as the channel tells (its last change).
    pub shipped_at: DateTime<Utc>,
}

/// One account's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountVtr {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub account: AccountId,
    /// FBM orders with at least one shipment.
    pub shipped: u32,
    pub valid: u32,
    /// `valid / shipped` in percent; absent when nothing shipped.
    pub rate_percent: Option<f64>,
    pub amazon_line_percent: f64,
    /// Whether the rate is under Amazon's line.
    pub below_line: bool,
    /// The orders without valid tracking and why, oldest first.
    pub invalid: Vec<InvalidOrder>,
}

/// Why `order`'s tracking is invalid at `now`, if it is; `None` for a valid one. An order
/// shipped less than 48 h ago without a scan yet is still valid (it may be scanned today).
pub fn check(order: &Order, now: DateTime<Utc>) -> Option<Invalid> {
    let shipment = order.shipments.last()?;
    if shipment.tracking_number.trim().is_empty() {
        return Some(Invalid::NoTrackingNumber);
    }
    let carrier = Some(shipment.carrier.as_str()).filter(|c| !c.is_empty());
    let known = resolve(carrier, &shipment.tracking_number)
        .is_some_and(|c| crate::connectors::carriers::registry::find(c.code()).is_some());
    if !known {
        return Some(Invalid::UnknownCarrier);
    }
    let scanned = !shipment.events.is_empty()
        || !matches!(
            shipment.status,
            ShipmentStatus::Unknown | ShipmentStatus::LabelCreated
        );
    // The order's last change is when the channel marked it shipped, as close as we know.
    let overdue = now - order.updated_at > FIRST_SCAN_WITHIN;
    (!scanned && overdue).then_some(Invalid::NoScanWithin48h)
}

/// The VTR watch of `orders` per account (merchant-fulfilled, shipped orders only).
pub fn watch<'a>(
    orders: impl IntoIterator<Item = &'a Order>,
    now: DateTime<Utc>,
) -> Vec<AccountVtr> {
    let mut by_account: BTreeMap<AccountId, Vec<&Order>> = BTreeMap::new();
    for order in orders {
        if order.fulfillment == FulfillmentChannel::Merchant && !order.shipments.is_empty() {
            by_account
                .entry(order.account.clone())
                .or_default()
                .push(order);
        }
    }
    by_account
        .into_iter()
        .map(|(account, mut orders)| {
            orders.sort_by_key(|o| (o.updated_at, o.id.to_string()));
            let invalid: Vec<InvalidOrder> = orders
                .iter()
                .filter_map(|o| {
                    let reason = check(o, now)?;
                    let shipment = o.shipments.last()?;
                    Some(InvalidOrder {
                        channel: o.channel,
                        order: o.id.clone(),
                        reason,
                        carrier: shipment.carrier.clone(),
                        tracking_number: shipment.tracking_number.clone(),
                        shipped_at: o.updated_at,
                    })
                })
                .collect();
            let shipped = orders.len() as u32;
            let valid = shipped - invalid.len() as u32;
            let rate_percent = (shipped > 0).then(|| f64::from(valid) * 100.0 / f64::from(shipped));
            AccountVtr {
                account,
                shipped,
                valid,
                rate_percent,
                amazon_line_percent: AMAZON_VTR_LINE_PERCENT,
                below_line: rate_percent.is_some_and(|r| r < AMAZON_VTR_LINE_PERCENT),
                invalid,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Channel, Shipment, TrackingEvent};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn order(id: &str, carrier: &str, number: &str, status: ShipmentStatus, scans: usize) -> Order {
        Order {
            channel: Channel::Amazon,
            id: OrderId::parse(id).unwrap(),
            account: AccountId::parse("acct_amazon_de").unwrap(),
            marketplace_id: "A1PA6795UKMFR9".into(),
            status: "Shipped".into(),
            fulfillment: FulfillmentChannel::Merchant,
            purchased_at: at("2026-11-01T08:00:00Z"),
            buyer_name: None,
            buyer_identities: Vec::new(),
            total: None,
            items: Vec::new(),
            shipments: vec![Shipment {
                carrier: carrier.into(),
                tracking_number: number.into(),
                tracking_url: None,
                status,
                events: (0..scans)
                    .map(|_| TrackingEvent {
                        at: at("2026-11-02T08:00:00Z"),
                        status,
                        description: "Scan".into(),
                        location: None,
                    })
                    .collect(),
                estimated_delivery: None,
                checked_at: None,
            }],
            updated_at: at("2026-11-01T10:00:00Z"),
            version: 1,
        }
    }

    #[test]
    fn missing_numbers_unknown_carriers_and_silent_parcels_are_invalid_per_account() {
        let now = at("2026-11-05T00:00:00Z");
        use ShipmentStatus::*;
        let orders = [
            order("302-0000001-0000001", "DPD", "15501234567890", InTransit, 2),
            order("302-0000002-0000002", "DPD", " ", Unknown, 0),
            order(
                "302-0000003-0000003",
                "Pony Express",
                "PX1234567",
                InTransit,
                1,
            ),
            order(
                "302-0000004-0000004",
                "Hermes",
                "H1234567890123456789",
                Unknown,
                0,
            ),
        ];
        let vtr = watch(&orders, now);
        assert_eq!(vtr.len(), 1);
        assert_eq!((vtr[0].shipped, vtr[0].valid), (4, 1));
        assert_eq!(vtr[0].rate_percent, Some(25.0));
        assert!(vtr[0].below_line);
        let why: Vec<Invalid> = vtr[0].invalid.iter().map(|i| i.reason).collect();
        assert_eq!(
            why,
            [
                Invalid::NoTrackingNumber,
                Invalid::UnknownCarrier,
                Invalid::NoScanWithin48h
            ]
        );
    }

    #[test]
    fn reasons_serialize_as_their_csv_names() {
        for why in [
            Invalid::NoTrackingNumber,
            Invalid::UnknownCarrier,
            Invalid::NoScanWithin48h,
        ] {
            let json = serde_json::to_value(why).unwrap();
            assert_eq!(json, why.as_str());
        }
    }

    #[test]
    fn a_parcel_shipped_today_without_a_scan_is_still_valid() {
        let silent = order(
            "302-0000005-0000005",
            "Hermes",
            "H1234567890123456789",
            ShipmentStatus::Unknown,
            0,
        );
        assert_eq!(check(&silent, at("2026-11-02T09:00:00Z")), None);
        assert_eq!(
            check(&silent, at("2026-11-03T11:00:00Z")),
            Some(Invalid::NoScanWithin48h)
        );
    }
}
