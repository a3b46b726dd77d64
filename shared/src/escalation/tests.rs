use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::domain::{
    AccountId, AgentId, Channel, CustomerId, OrderId, OrderRef, Priority, TenantId, Ticket,
    TicketEventKind, TicketId, TicketStatus,
};
use crate::sla::{ClockEvent, ClockEventKind, SlaPolicy, evaluate, seed_policies};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn policies() -> Vec<SlaPolicy> {
    seed_policies()
}

fn policy(id: &str) -> SlaPolicy {
    policies().into_iter().find(|p| p.id == id).unwrap()
}

/// A ticket on `channel` whose SLA state is evaluated from `events` under `policy_id`.
fn ticket(channel: Channel, policy_id: &str, events: &[(&str, ClockEventKind)]) -> Ticket {
    let events: Vec<ClockEvent> = events
        .iter()
        .map(|(at, kind)| ClockEvent {
            at: utc(at),
            kind: *kind,
        })
        .collect();
    let first = events[0].at;
    let clock = evaluate(&policy(policy_id), channel, &events).unwrap();
    Ticket {
        id: TicketId::parse("tkt_01JD8X4Y2Z3A4B5C6D7E8F9G0H").unwrap(),
        tenant: TenantId::parse("demo").unwrap(),
        channel,
        account: AccountId::parse("acct_amazon_it").unwrap(),
        thread: "x7k2m9q@marketplace.amazon.it|305-1234567-1234567".into(),
        subject: "Dov'è il mio ordine?".into(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee: None,
        tags: Default::default(),
        intent: None,
        risk: None,
        customer: CustomerId::parse("cus_01JD8X4Y2Z3A4B5C6D7E8F9G0H").unwrap(),
        order: Some(OrderRef {
            channel,
            order: OrderId::parse("305-1234567-1234567").unwrap(),
        }),
        sla: clock.to_sla_state(first),
        message_count: 1,
        last_buyer_message_at: Some(first),
        last_agent_reply_at: None,
        sources: Default::default(),
        suggested_draft: None,
        draft: None,
        language: None,
        created_at: first,
        updated_at: first,
        version: 3,
    }
}

fn amazon_at(at: &str) -> Ticket {
    ticket(
        Channel::Amazon,
        "amazon",
        &[(at, ClockEventKind::BuyerMessage)],
    )
}

fn config() -> EscalationConfig {
    EscalationConfig {
        frontend_url: "https://app.example/".into(),
        fallback_assignee: Some(AgentId::parse("lead-anna").unwrap()),
    }
}

fn names_and_times(s: &[PlannedSchedule]) -> Vec<(&str, DateTime<Utc>)> {
    s.iter()
        .map(|p| (p.trigger.threshold.as_str(), p.trigger.fire_at))
        .collect()
}

fn act(decision: Decision) -> EscalationAction {
    match decision {
        Decision::Act(action) => *action,
        Decision::Stale(reason) => panic!("expected to act, stale: {reason:?}"),
    }
}

fn stale(decision: Decision) -> StaleReason {
    match decision {
        Decision::Stale(reason) => reason,
        Decision::Act(_) => panic!("expected stale"),
    }
}

fn trigger_for(t: &Ticket, threshold: &str) -> EscalationTrigger {
    schedules(t, &policy(t.sla.policy.as_deref().unwrap()))
        .unwrap()
        .into_iter()
        .find(|s| s.trigger.threshold == threshold)
        .unwrap()
        .trigger
}

#[test]
fn an_amazon_deadline_gets_one_schedule_per_distinct_threshold_instant() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let s = schedules(&t, &policy("amazon")).unwrap();
    // warn_50 and the internal breach both fall at 12 h: only the internal breach is kept.
    assert_eq!(
        names_and_times(&s),
        [
            ("internal_breach", utc("2026-03-29T10:30:00Z")),
            ("warn_80", utc("2026-03-29T17:42:00Z")),
            ("breach", utc("2026-03-29T22:30:00Z")),
        ]
    );
    assert!(
        s.iter()
            .all(|p| p.trigger.due_at == utc("2026-03-29T22:30:00Z"))
    );
}

#[test]
fn business_warnings_derived_from_the_stored_state_match_the_sla_engine() {
    // Christmas Eve 17:00 in Rome: the clock crosses two holidays and a weekend.
    let events = [("2026-12-24T16:00:00Z", ClockEventKind::BuyerMessage)];
    let t = ticket(Channel::Shopify, "shopify-it", &events);
    let engine = evaluate(
        &policy("shopify-it"),
        Channel::Shopify,
        &[ClockEvent {
            at: utc(events[0].0),
            kind: ClockEventKind::BuyerMessage,
        }],
    )
    .unwrap();
    let derived = thresholds(&t, &policy("shopify-it")).unwrap();
    assert_eq!(derived, engine.thresholds);
    assert!(derived.len() == 3, "{derived:?}");
}

#[test]
fn schedule_names_are_deterministic_short_and_distinct_per_threshold_and_deadline() {
    let tenant = TenantId::parse("demo").unwrap();
    let ticket = TicketId::parse("tkt_01JD8X4Y2Z3A4B5C6D7E8F9G0H").unwrap();
    let due = utc("2026-03-29T22:30:00Z");
    let a = schedule_name(&tenant, &ticket, due, "breach");
    assert_eq!(a, schedule_name(&tenant, &ticket, due, "breach"));
    assert!(a.len() <= 64);
    assert!(
        a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    );
    assert_ne!(a, schedule_name(&tenant, &ticket, due, "warn_80"));
    assert_ne!(
        a,
        schedule_name(&tenant, &ticket, due + TimeDelta::seconds(1), "breach")
    );
    assert_ne!(
        a,
        schedule_name(&TenantId::parse("other").unwrap(), &ticket, due, "breach")
    );
}

#[test]
fn a_new_ticket_plans_its_future_thresholds_and_a_rewrite_plans_nothing() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let now = utc("2026-03-28T22:31:00Z");
    let p = plan(None, &t, &policies(), now).unwrap();
    assert_eq!(p.create.len(), 3);
    assert!(p.delete.is_empty());
    assert!(plan(Some(&t), &t, &policies(), now).unwrap().is_empty());
}

#[test]
fn thresholds_already_past_are_left_to_the_sweep() {
    // Ingested 13 h late: the internal breach is past, only warn_80 and breach are scheduled.
    let t = amazon_at("2026-03-28T22:30:00Z");
    let p = plan(None, &t, &policies(), utc("2026-03-29T11:30:00Z")).unwrap();
    assert_eq!(
        p.create
            .iter()
            .map(|s| s.trigger.threshold.as_str())
            .collect::<Vec<_>>(),
        ["warn_80", "breach"]
    );
}

#[test]
fn an_answer_deletes_the_remaining_schedules_and_creates_none() {
    let before = amazon_at("2026-03-28T22:30:00Z");
    let after = ticket(
        Channel::Amazon,
        "amazon",
        &[
            ("2026-03-28T22:30:00Z", ClockEventKind::BuyerMessage),
            ("2026-03-29T08:00:00Z", ClockEventKind::AgentReply),
        ],
    );
    let now = utc("2026-03-29T08:00:01Z");
    let p = plan(Some(&before), &after, &policies(), now).unwrap();
    assert!(p.create.is_empty());
    let expected: Vec<String> = schedules(&before, &policy("amazon"))
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(p.delete, expected);
}

#[test]
fn a_moved_deadline_swaps_the_schedules_of_the_old_one_for_the_new_one() {
    // An eBay auto-reply stops the clock; a new buyer message starts a next-response clock.
    let before = ticket(
        Channel::Ebay,
        "ebay",
        &[("2026-06-01T08:00:00Z", ClockEventKind::BuyerMessage)],
    );
    let after = ticket(
        Channel::Ebay,
        "ebay",
        &[
            ("2026-06-01T08:00:00Z", ClockEventKind::BuyerMessage),
            ("2026-06-01T08:05:00Z", ClockEventKind::AgentReply),
            ("2026-06-01T10:00:00Z", ClockEventKind::BuyerMessage),
        ],
    );
    let now = utc("2026-06-01T10:00:01Z");
    let p = plan(Some(&before), &after, &policies(), now).unwrap();
    assert_eq!(p.delete.len(), 3);
    assert_eq!(p.create.len(), 3);
    assert!(
        p.create
            .iter()
            .all(|s| s.trigger.due_at == utc("2026-06-02T10:00:00Z"))
    );
}

#[test]
fn an_unknown_policy_is_a_typed_error() {
    let mut t = amazon_at("2026-03-28T22:30:00Z");
    t.sla.policy = Some("gone".into());
    let err = plan(None, &t, &policies(), utc("2026-03-28T22:31:00Z")).unwrap_err();
    assert!(matches!(err, EscalationError::UnknownPolicy { ref policy, .. } if policy == "gone"));
}

#[test]
fn the_internal_breach_alerts_bumps_priority_and_records_the_escalation() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let trigger = trigger_for(&t, "internal_breach");
    let now = utc("2026-03-29T10:30:05Z");
    let a = act(decide(&t, &trigger, &policies(), &config(), now).unwrap());
    assert_eq!(a.key, "internal_breach@2026-03-29T22:30:00Z");
    assert!(a.ticket.sla.escalated.contains(&a.key));
    assert_eq!(a.ticket.priority, Priority::High);
    assert_eq!(
        a.ticket.assignee, None,
        "only the external breach reassigns"
    );
    assert_eq!(a.ticket.version, t.version, "the store bumps the version");
    assert_eq!(
        a.events,
        [
            TicketEventKind::SlaEscalated {
                threshold: "internal_breach".into(),
                due_at: utc("2026-03-29T22:30:00Z"),
            },
            TicketEventKind::PriorityChanged {
                from: Priority::Normal,
                to: Priority::High,
            },
        ]
    );
    let n = &a.notification;
    assert!(
        n.title.contains("Internal SLA target missed"),
        "{}",
        n.title
    );
    assert!(n.title.contains("11h 59m"), "{}", n.title);
    assert_eq!(
        n.links,
        [(
            "Open ticket".to_string(),
            "https://app.example/tickets/tkt_01JD8X4Y2Z3A4B5C6D7E8F9G0H".to_string()
        )]
    );
    let field = |label: &str| {
        n.fields
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("Channel"), Some("amazon"));
    assert_eq!(field("Marketplace"), Some("acct_amazon_it"));
    assert_eq!(field("Order"), Some("305-1234567-1234567"));
    assert_eq!(field("Time left"), Some("11h 59m"));
    assert_eq!(field("Assignee"), Some("unassigned"));
    assert_eq!(field("Priority"), Some("high"));
    assert_eq!(field("Buyer"), Some("cus_01JD8X4Y2Z3A4B5C6D7E8F9G0H"));
}

#[test]
fn the_breach_reassigns_to_the_fallback_agent_and_says_how_late_it_is() {
    let mut t = amazon_at("2026-03-28T22:30:00Z");
    t.assignee = Some(AgentId::parse("mario").unwrap());
    let trigger = trigger_for(&t, "breach");
    let a = act(decide(
        &t,
        &trigger,
        &policies(),
        &config(),
        utc("2026-03-29T22:35:00Z"),
    )
    .unwrap());
    assert_eq!(
        a.ticket.assignee.as_ref().map(|a| a.as_str()),
        Some("lead-anna")
    );
    assert!(a.ticket.sla.breached);
    assert!(a.events.contains(&TicketEventKind::Assigned {
        from: Some(AgentId::parse("mario").unwrap()),
        to: Some(AgentId::parse("lead-anna").unwrap()),
    }));
    assert!(
        a.notification.title.contains("overdue by 5m"),
        "{}",
        a.notification.title
    );
    assert!(
        a.notification
            .fields
            .contains(&("Overdue by".into(), "5m".into()))
    );
}

#[test]
fn a_threshold_acted_on_once_is_stale_the_second_time() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let trigger = trigger_for(&t, "warn_80");
    let now = utc("2026-03-29T17:42:00Z");
    let first = act(decide(&t, &trigger, &policies(), &config(), now).unwrap());
    assert!(first.events.len() == 1, "a warning only alerts");
    assert_eq!(first.ticket.priority, Priority::Normal);
    let again = decide(&first.ticket, &trigger, &policies(), &config(), now).unwrap();
    assert_eq!(stale(again), StaleReason::AlreadyActed);
}

#[test]
fn triggers_of_an_old_deadline_or_an_answered_ticket_are_stale() {
    let before = amazon_at("2026-03-28T22:30:00Z");
    let trigger = trigger_for(&before, "breach");
    let now = utc("2026-03-29T22:30:00Z");
    let answered = ticket(
        Channel::Amazon,
        "amazon",
        &[
            ("2026-03-28T22:30:00Z", ClockEventKind::BuyerMessage),
            ("2026-03-29T08:00:00Z", ClockEventKind::AgentReply),
        ],
    );
    assert_eq!(
        stale(decide(&answered, &trigger, &policies(), &config(), now).unwrap()),
        StaleReason::NothingOwed
    );
    let restarted = ticket(
        Channel::Amazon,
        "amazon",
        &[
            ("2026-03-28T22:30:00Z", ClockEventKind::BuyerMessage),
            ("2026-03-29T08:00:00Z", ClockEventKind::AgentReply),
            ("2026-03-29T09:00:00Z", ClockEventKind::BuyerMessage),
        ],
    );
    assert_eq!(
        stale(decide(&restarted, &trigger, &policies(), &config(), now).unwrap()),
        StaleReason::DeadlineMoved
    );
    let mut resolved = before.clone();
    resolved.status = TicketStatus::Resolved;
    assert_eq!(
        stale(decide(&resolved, &trigger, &policies(), &config(), now).unwrap()),
        StaleReason::NothingOwed
    );
}

#[test]
fn an_early_trigger_waits_and_a_late_warning_gives_way_to_the_breach() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let warn = trigger_for(&t, "warn_80");
    assert_eq!(
        stale(
            decide(
                &t,
                &warn,
                &policies(),
                &config(),
                utc("2026-03-29T17:00:00Z")
            )
            .unwrap()
        ),
        StaleReason::NotDue
    );
    assert_eq!(
        stale(
            decide(
                &t,
                &warn,
                &policies(),
                &config(),
                utc("2026-03-29T23:00:00Z")
            )
            .unwrap()
        ),
        StaleReason::Superseded {
            by: "breach".into()
        }
    );
    let mut other = warn.clone();
    other.fire_at += TimeDelta::minutes(1);
    assert_eq!(
        stale(
            decide(
                &t,
                &other,
                &policies(),
                &config(),
                utc("2026-03-29T23:00:00Z")
            )
            .unwrap()
        ),
        StaleReason::ThresholdMoved
    );
}

#[test]
fn the_sweep_picks_the_latest_due_threshold_until_it_is_acted_on() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    assert_eq!(
        overdue_trigger(&t, &policies(), utc("2026-03-29T10:00:00Z")).unwrap(),
        None
    );
    let due = overdue_trigger(&t, &policies(), utc("2026-03-29T18:00:00Z"))
        .unwrap()
        .unwrap();
    assert_eq!(due.threshold, "warn_80");
    let acted = act(decide(
        &t,
        &due,
        &policies(),
        &config(),
        utc("2026-03-29T18:00:00Z"),
    )
    .unwrap());
    assert_eq!(
        overdue_trigger(&acted.ticket, &policies(), utc("2026-03-29T18:05:00Z")).unwrap(),
        None
    );
}

#[test]
fn acted_on_thresholds_survive_a_recomputation_only_while_their_deadline_holds() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let mut before = t.sla.clone();
    before
        .escalated
        .insert("warn_80@2026-03-29T22:30:00Z".into());
    before
        .escalated
        .insert("breach@2026-03-20T00:00:00Z".into());
    let mut same = t.sla.clone();
    carry_escalated(&before, &mut same);
    assert_eq!(
        same.escalated.into_iter().collect::<Vec<_>>(),
        ["warn_80@2026-03-29T22:30:00Z"]
    );
    let mut answered = t.sla.clone();
    answered.due_at = None;
    carry_escalated(&before, &mut answered);
    assert!(answered.escalated.is_empty());
}

#[test]
fn the_trigger_json_is_the_documented_payload() {
    let t = amazon_at("2026-03-28T22:30:00Z");
    let trigger = trigger_for(&t, "breach");
    let json = serde_json::to_value(&trigger).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "tenant": "demo",
            "ticket": "tkt_01JD8X4Y2Z3A4B5C6D7E8F9G0H",
            "threshold": "breach",
            "due_at": "2026-03-29T22:30:00Z",
            "fire_at": "2026-03-29T22:30:00Z",
        })
    );
    let sample: serde_json::Value =
        serde_json::from_str(include_str!("../../../events/sqs_escalation.json")).unwrap();
    let body = sample["Records"][0]["body"].as_str().unwrap();
    serde_json::from_str::<EscalationTrigger>(body).unwrap();
}

#[test]
fn spans_read_naturally() {
    assert_eq!(format_span(30), "30s");
    assert_eq!(format_span(12 * 60), "12m");
    assert_eq!(format_span(4 * 3600 + 48 * 60), "4h 48m");
    assert_eq!(format_span(3 * 3600), "3h");
    assert_eq!(format_span(2 * 86_400 + 3 * 3600 + 5), "2d 3h");
    assert_eq!(format_span(-5), "0s");
}

/// The 50 % alert and the `warning` level agree: every alert goes out at the instant the
/// inbox level turns to the one it announces, on calendar and business clocks.
#[test]
fn every_alert_carries_the_level_the_inbox_shows_from_its_instant() {
    use crate::domain::badges::SlaLevel;
    use crate::sla::BREACH;
    for (channel, policy_id, at) in [
        (Channel::Amazon, "amazon", "2026-03-28T22:30:00Z"),
        (Channel::Ebay, "ebay", "2026-11-20T10:00:00Z"),
        (Channel::Shopify, "shopify-it", "2026-12-23T15:00:00Z"),
    ] {
        let p = policy(policy_id);
        let mut t = ticket(channel, policy_id, &[(at, ClockEventKind::BuyerMessage)]);
        let message = ClockEvent {
            at: utc(at),
            kind: ClockEventKind::BuyerMessage,
        };
        t.sla = crate::sla::advance(&p, channel, None, &[message], utc(at)).unwrap();
        let planned = schedules(&t, &p).unwrap();
        assert!(planned.len() >= 2, "{policy_id}: {planned:?}");
        let first = planned[0].trigger.fire_at;
        let earliest = [t.sla.warning_at, t.sla.internal_due_at]
            .into_iter()
            .flatten()
            .min();
        assert_eq!(earliest, Some(first), "{policy_id}");
        assert_eq!(
            SlaLevel::of(&t.sla, first - TimeDelta::seconds(1)),
            SlaLevel::Ok,
            "{policy_id}: ok until the first alert"
        );
        for s in planned {
            let expected = if s.trigger.threshold == BREACH {
                SlaLevel::Breached
            } else {
                SlaLevel::Warning
            };
            let when = s.trigger.fire_at;
            assert_eq!(SlaLevel::of(&t.sla, when), expected, "{policy_id} {s:?}");
            let action = act(decide(&t, &s.trigger, &policies(), &config(), when).unwrap());
            assert_eq!(action.level, expected, "{policy_id} {s:?}");
            assert!(
                action
                    .notification
                    .fields
                    .contains(&("Level".to_string(), expected.as_str().to_string()))
            );
        }
    }
}
