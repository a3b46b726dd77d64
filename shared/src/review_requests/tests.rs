use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::domain::{
    AccountId, Channel, FulfillmentChannel, Order, OrderId, Shipment, ShipmentStatus, TrackingEvent,
};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn on() -> ReviewRequestSettings {
    ReviewRequestSettings {
        enabled: true,
        ..ReviewRequestSettings::default()
    }
}

const IT: &str = "APJ6JRA9NG5V4";

fn delivered(on: &str) -> OrderFacts {
    OrderFacts {
        delivered_at: Some(at(on)),
        ..OrderFacts::default()
    }
}

fn shipment(status: ShipmentStatus, events: Vec<TrackingEvent>) -> Shipment {
    Shipment {
        carrier: "poste_italiane".into(),
        tracking_number: "RR123456785IT".into(),
        tracking_url: None,
        status,
        events,
        estimated_delivery: None,
        checked_at: None,
    }
}

fn order(shipments: Vec<Shipment>) -> Order {
    Order {
        channel: Channel::Amazon,
        id: OrderId::parse("402-1234567-1234567").unwrap(),
        account: AccountId::parse("amazon-it").unwrap(),
        marketplace_id: IT.into(),
        status: "SHIPPED".into(),
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: at("2026-11-01T08:00:00Z"),
        buyer_name: None,
        buyer_identities: Vec::new(),
        total: None,
        items: Vec::new(),
        shipments,
        updated_at: at("2026-11-04T15:00:00Z"),
        version: 1,
    }
}

fn event(on: &str, status: ShipmentStatus) -> TrackingEvent {
    TrackingEvent {
        at: at(on),
        status,
        description: "x".into(),
        location: None,
    }
}

#[test]
fn the_window_opens_at_five_days_and_closes_after_thirty() {
    let facts = delivered("2026-11-01T12:00:00Z");
    let d = |now| decide(&on(), IT, &facts, at(now));
    assert_eq!(
        d("2026-11-06T11:59:59Z"),
        Decision::NotEligible(NotEligibleReason::TooEarly)
    );
    assert_eq!(d("2026-11-06T12:00:00Z"), Decision::Send);
    assert_eq!(d("2026-12-01T12:00:00Z"), Decision::Send);
    assert_eq!(
        d("2026-12-01T12:00:01Z"),
        Decision::NotEligible(NotEligibleReason::TooLate)
    );
}

#[test]
fn an_undelivered_order_or_one_already_asked_is_not_eligible() {
    let now = at("2026-11-20T00:00:00Z");
    assert_eq!(
        decide(&on(), IT, &OrderFacts::default(), now),
        Decision::NotEligible(NotEligibleReason::NotDelivered)
    );
    let mut facts = delivered("2026-11-10T00:00:00Z");
    facts.already_requested = true;
    facts.claim = true;
    assert_eq!(
        decide(&on(), IT, &facts, now),
        Decision::NotEligible(NotEligibleReason::AlreadyRequested)
    );
}

#[test]
fn each_skip_rule_skips_with_its_reason_and_can_be_turned_off() {
    let now = at("2026-11-20T00:00:00Z");
    type Set = fn(&mut OrderFacts);
    type Off = fn(&mut SkipRules);
    let cases: [(Set, Off, SkipReason); 4] = [
        (
            |f| f.open_ticket = true,
            |r| r.open_ticket = false,
            SkipReason::OpenTicket,
        ),
        (|f| f.claim = true, |r| r.claim = false, SkipReason::Claim),
        (
            |f| f.return_or_refund = true,
            |r| r.return_or_refund = false,
            SkipReason::ReturnOrRefund,
        ),
        (
            |f| f.negative_feedback = true,
            |r| r.negative_feedback = false,
            SkipReason::NegativeFeedback,
        ),
    ];
    for (set, off, reason) in cases {
        let mut facts = delivered("2026-11-10T00:00:00Z");
        set(&mut facts);
        assert_eq!(decide(&on(), IT, &facts, now), Decision::Skip(reason));
        let mut settings = on();
        off(&mut settings.skip);
        assert_eq!(
            decide(&settings, IT, &facts, now),
            Decision::Send,
            "{reason:?}"
        );
    }
}

#[test]
fn a_claim_is_named_before_an_open_ticket_about_it() {
    let mut facts = delivered("2026-11-10T00:00:00Z");
    facts.open_ticket = true;
    facts.claim = true;
    assert_eq!(
        decide(&on(), IT, &facts, at("2026-11-20T00:00:00Z")),
        Decision::Skip(SkipReason::Claim)
    );
}

#[test]
fn an_opted_out_tenant_or_another_marketplace_is_skipped() {
    let facts = delivered("2026-11-10T00:00:00Z");
    let now = at("2026-11-20T00:00:00Z");
    assert_eq!(
        decide(&ReviewRequestSettings::default(), IT, &facts, now),
        Decision::Skip(SkipReason::OptedOut)
    );
    let mut settings = on();
    settings.marketplaces = vec!["A1PA6795UKMFR9".into()];
    assert_eq!(
        decide(&settings, IT, &facts, now),
        Decision::Skip(SkipReason::Marketplace)
    );
    assert_eq!(
        decide(&settings, "A1PA6795UKMFR9", &facts, now),
        Decision::Send
    );
}

#[test]
fn delivery_needs_every_package_delivered_and_takes_the_last() {
    assert_eq!(delivered_at(&order(Vec::new())), None);
    let mixed = order(vec![
        shipment(ShipmentStatus::Delivered, Vec::new()),
        shipment(ShipmentStatus::InTransit, Vec::new()),
    ]);
    assert_eq!(delivered_at(&mixed), None);
    // No event: the order's last change reported the delivery.
    let plain = order(vec![shipment(ShipmentStatus::Delivered, Vec::new())]);
    assert_eq!(delivered_at(&plain), Some(at("2026-11-04T15:00:00Z")));
    let tracked = order(vec![
        shipment(
            ShipmentStatus::Delivered,
            vec![
                event("2026-11-02T09:00:00Z", ShipmentStatus::InTransit),
                event("2026-11-03T10:00:00Z", ShipmentStatus::Delivered),
            ],
        ),
        shipment(
            ShipmentStatus::Delivered,
            vec![event("2026-11-02T17:00:00Z", ShipmentStatus::Delivered)],
        ),
    ]);
    assert_eq!(delivered_at(&tracked), Some(at("2026-11-03T10:00:00Z")));
}

#[test]
fn the_due_time_is_the_chosen_day_after_delivery_for_covered_orders_only() {
    let mut settings = on();
    settings.days_after_delivery = 10;
    let o = order(vec![shipment(
        ShipmentStatus::Delivered,
        vec![event("2026-11-03T10:00:00Z", ShipmentStatus::Delivered)],
    )]);
    assert_eq!(
        due_at(&settings, &o),
        Some(at("2026-11-03T10:00:00Z") + TimeDelta::days(10))
    );
    assert_eq!(due_at(&ReviewRequestSettings::default(), &o), None);
    let mut ebay = o.clone();
    ebay.channel = Channel::Ebay;
    assert_eq!(due_at(&settings, &ebay), None);
    settings.marketplaces = vec!["A1PA6795UKMFR9".into()];
    assert_eq!(due_at(&settings, &o), None);
    let undelivered = order(vec![shipment(ShipmentStatus::InTransit, Vec::new())]);
    assert_eq!(due_at(&on(), &undelivered), None);
}

#[test]
fn settings_outside_amazons_window_or_with_unknown_marketplaces_are_refused() {
    let known = |id: &str| id == IT || id == "A1PA6795UKMFR9";
    let mut s = on();
    for (days, ok) in [(4, false), (5, true), (30, true), (31, false)] {
        s.days_after_delivery = days;
        assert_eq!(s.validate(known).is_ok(), ok, "{days}");
    }
    s.days_after_delivery = 7;
    s.marketplaces = vec![IT.into(), "NOPE".into()];
    assert_eq!(s.validate(known).unwrap_err().field, "marketplaces[1]");
    s.marketplaces = vec![IT.into(), IT.into()];
    assert_eq!(s.validate(known).unwrap_err().field, "marketplaces[1]");
    let err = serde_json::from_str::<ReviewRequestSettings>(
        r#"{"enabled":true,"days_after_delivery":7,"surprise":1}"#,
    );
    assert!(err.is_err());
}
