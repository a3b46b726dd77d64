//! Clock evaluation and outcomes, with instants worked out by hand.

use chrono::{DateTime, Utc};

use super::*;
use crate::sla::calendar::tests::utc;
use crate::sla::seed::seed_policies;

use ClockEventKind::*;

fn policy(id: &str) -> SlaPolicy {
    seed_policies().into_iter().find(|p| p.id == id).unwrap()
}

fn ev(at: &str, kind: ClockEventKind) -> ClockEvent {
    ClockEvent { at: utc(at), kind }
}

fn names_and_instants(clock: &SlaClock) -> Vec<(String, DateTime<Utc>)> {
    clock
        .thresholds
        .iter()
        .map(|t| (t.name.clone(), t.at))
        .collect()
}

fn th(name: &str, at: &str) -> (String, DateTime<Utc>) {
    (name.to_string(), utc(at))
}

#[test]
fn no_buyer_message_means_an_idle_clock() {
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &[]).unwrap();
    assert_eq!(clock.state, ClockState::Idle);
    assert!(clock.due_at.is_none() && clock.thresholds.is_empty());
    assert_eq!(
        clock
            .to_sla_state(utc("2026-06-01T00:00:00Z"))
            .policy
            .as_deref(),
        Some("amazon")
    );
}

#[test]
fn a_buyer_message_starts_the_first_response_clock_with_every_threshold() {
    let events = [ev("2026-03-28T22:30:00Z", BuyerMessage)];
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &events).unwrap();
    assert_eq!(clock.state, ClockState::Running);
    assert_eq!(clock.target, Some(TargetKind::FirstResponse));
    assert_eq!(clock.started_at, Some(utc("2026-03-28T22:30:00Z")));
    assert_eq!(clock.due_at, Some(utc("2026-03-29T22:30:00Z")));
    assert_eq!(clock.internal_due_at, Some(utc("2026-03-29T10:30:00Z")));
    assert_eq!(
        names_and_instants(&clock),
        [
            th("warn_50", "2026-03-29T10:30:00Z"),
            th("internal_breach", "2026-03-29T10:30:00Z"),
            th("warn_80", "2026-03-29T17:42:00Z"),
            th("breach", "2026-03-29T22:30:00Z"),
        ]
    );
    let json = serde_json::to_value(&clock).unwrap();
    assert_eq!(json["state"], "running");
    assert_eq!(json["target"], "first_response");
    assert_eq!(json["thresholds"][2]["name"], "warn_80");
    assert_eq!(json["thresholds"][2]["working_time"], "19h12m");
    assert_eq!(serde_json::from_value::<SlaClock>(json).unwrap(), clock);
}

#[test]
fn an_agent_reply_stops_the_clock_and_a_new_buyer_message_restarts_it_on_the_next_response_target()
{
    let mut next = policy("amazon");
    next.next_response.due = SlaDuration::from_hours(48);
    next.next_response.internal_due = None;
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T09:30:00Z", AgentReply),
        ev("2026-06-02T18:00:00Z", BuyerMessage),
    ];
    let answered = evaluate(&next, Channel::Amazon, &events[..2]).unwrap();
    assert_eq!(answered.state, ClockState::Stopped);
    assert_eq!(answered.stopped_by, Some(StopReason::AgentReply));
    assert_eq!(answered.stopped_at, Some(utc("2026-06-01T09:30:00Z")));
    assert_eq!(
        answered.first_response_at,
        Some(utc("2026-06-01T09:30:00Z"))
    );

    let restarted = evaluate(&next, Channel::Amazon, &events).unwrap();
    assert_eq!(restarted.state, ClockState::Running);
    assert_eq!(restarted.target, Some(TargetKind::NextResponse));
    assert_eq!(restarted.started_at, Some(utc("2026-06-02T18:00:00Z")));
    assert_eq!(restarted.due_at, Some(utc("2026-06-04T18:00:00Z")));
    assert_eq!(restarted.internal_due_at, None);
    assert_eq!(
        restarted.first_response_at,
        Some(utc("2026-06-01T09:30:00Z"))
    );
}

#[test]
fn a_follow_up_message_before_any_reply_does_not_push_the_deadline_back() {
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T20:00:00Z", BuyerMessage),
    ];
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &events).unwrap();
    assert_eq!(clock.started_at, Some(utc("2026-06-01T08:00:00Z")));
    assert_eq!(clock.due_at, Some(utc("2026-06-02T08:00:00Z")));
}

#[test]
fn events_are_applied_in_time_order_whatever_order_they_come_in() {
    let events = [
        ev("2026-06-02T18:00:00Z", BuyerMessage),
        ev("2026-06-01T09:30:00Z", AgentReply),
        ev("2026-06-01T08:00:00Z", BuyerMessage),
    ];
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &events).unwrap();
    assert_eq!(clock.started_at, Some(utc("2026-06-02T18:00:00Z")));
    assert_eq!(clock.target, Some(TargetKind::NextResponse));
}

#[test]
fn an_auto_reply_stops_no_amazon_clock_but_answers_on_ebay() {
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T08:00:30Z", AutoReply),
    ];
    let amazon = evaluate(&policy("amazon"), Channel::Amazon, &events).unwrap();
    assert_eq!(amazon.state, ClockState::Running);
    assert_eq!(amazon.due_at, Some(utc("2026-06-02T08:00:00Z")));
    assert_eq!(amazon.first_response_at, None);

    let ebay = evaluate(&policy("ebay"), Channel::Ebay, &events).unwrap();
    assert_eq!(ebay.state, ClockState::Stopped);
    assert_eq!(ebay.stopped_by, Some(StopReason::AutoReply));
    assert_eq!(ebay.first_response_at, Some(utc("2026-06-01T08:00:30Z")));

    // The rule follows the ticket's channel, not the policy's.
    let risk = evaluate(&policy("risk"), Channel::Ebay, &events).unwrap();
    assert_eq!(risk.state, ClockState::Stopped);
    let risk = evaluate(&policy("risk"), Channel::Amazon, &events).unwrap();
    assert_eq!(risk.state, ClockState::Running);
    assert!(!auto_reply_stops_clock(Channel::Shopify) && !auto_reply_stops_clock(Channel::Email));
}

#[test]
fn pending_on_customer_pauses_a_business_clock_until_it_resumes() {
    let shopify = policy("shopify-it");
    // Monday 1 June 10:00 in Rome; pending at 11:00 after one working hour.
    let before = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T09:00:00Z", PendingOnCustomer),
    ];
    let paused = evaluate(&shopify, Channel::Shopify, &before).unwrap();
    assert_eq!(paused.state, ClockState::Paused);
    assert_eq!(paused.paused_at, Some(utc("2026-06-01T09:00:00Z")));
    assert_eq!(paused.remaining, Some(SlaDuration::from_hours(3)));
    assert_eq!(paused.due_at, None);
    // No threshold is reached yet and none can be known while paused.
    assert!(paused.thresholds.is_empty());
    let state = paused.to_sla_state(utc("2026-06-10T00:00:00Z"));
    assert_eq!(state.paused_at, Some(utc("2026-06-01T09:00:00Z")));
    assert!(state.due_at.is_none() && !state.breached);

    // Resumed at 17:00: 1 h today, 2 June is a holiday, 2 h on Wednesday from 09:00.
    let mut events = before.to_vec();
    events.push(ev("2026-06-01T15:00:00Z", Resumed));
    let resumed = evaluate(&shopify, Channel::Shopify, &events).unwrap();
    assert_eq!(resumed.state, ClockState::Running);
    assert_eq!(resumed.started_at, Some(utc("2026-06-01T08:00:00Z")));
    assert_eq!(
        names_and_instants(&resumed),
        [
            th("warn_50", "2026-06-01T16:00:00Z"),
            th("warn_80", "2026-06-03T08:12:00Z"),
            th("breach", "2026-06-03T09:00:00Z"),
        ]
    );
    assert_eq!(resumed.paused_at, None);

    // A buyer message ends the wait just as well.
    events[2] = ev("2026-06-01T15:00:00Z", BuyerMessage);
    let answered_by_buyer = evaluate(&shopify, Channel::Shopify, &events).unwrap();
    assert_eq!(answered_by_buyer.due_at, resumed.due_at);
}

#[test]
fn thresholds_reached_before_a_pause_stay_known() {
    // 2 h 30 m worked (10:00–12:30 Rome) before the pause: warn_50 (2 h) was at 12:00.
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T10:30:00Z", PendingOnCustomer),
    ];
    let clock = evaluate(&policy("shopify-it"), Channel::Shopify, &events).unwrap();
    assert_eq!(
        names_and_instants(&clock),
        [th("warn_50", "2026-06-01T10:00:00Z")]
    );
    assert_eq!(clock.remaining, Some(SlaDuration::from_mins(90)));
}

#[test]
fn pending_on_customer_does_not_pause_a_calendar_clock() {
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T09:00:00Z", PendingOnCustomer),
        ev("2026-06-01T20:00:00Z", Resumed),
    ];
    for n in [2, 3] {
        let clock = evaluate(&policy("amazon"), Channel::Amazon, &events[..n]).unwrap();
        assert_eq!(clock.state, ClockState::Running);
        assert_eq!(clock.paused_at, None);
        assert_eq!(clock.due_at, Some(utc("2026-06-02T08:00:00Z")));
    }
}

#[test]
fn resolving_ends_the_clock_and_only_a_new_buyer_message_starts_another() {
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T09:00:00Z", Resolved),
        ev("2026-06-01T10:00:00Z", Reopened),
    ];
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &events).unwrap();
    assert_eq!(clock.state, ClockState::Stopped);
    assert_eq!(clock.stopped_by, Some(StopReason::Resolved));
    assert_eq!(clock.first_response_at, None);
    let mut events = events.to_vec();
    events.push(ev("2026-06-01T11:00:00Z", BuyerMessage));
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &events).unwrap();
    assert_eq!(clock.state, ClockState::Running);
    // Nobody has answered yet, so it is still the first response that is due.
    assert_eq!(clock.target, Some(TargetKind::FirstResponse));
    assert_eq!(clock.due_at, Some(utc("2026-06-02T11:00:00Z")));
}

#[test]
fn a_clock_is_breached_from_its_deadline_second_unless_answered_by_then() {
    let start = [ev("2026-06-01T08:00:00Z", BuyerMessage)];
    let running = evaluate(&policy("amazon"), Channel::Amazon, &start).unwrap();
    assert!(!running.is_breached(utc("2026-06-02T07:59:59Z")));
    assert!(running.is_breached(utc("2026-06-02T08:00:00Z")));
    let state = running.to_sla_state(utc("2026-06-02T09:00:00Z"));
    assert!(state.breached);
    assert_eq!(state.due_at, Some(utc("2026-06-02T08:00:00Z")));
    assert_eq!(state.internal_due_at, Some(utc("2026-06-01T20:00:00Z")));
    assert_eq!(state.clock_started_at, Some(utc("2026-06-01T08:00:00Z")));

    let on_time = [start[0], ev("2026-06-02T08:00:00Z", AgentReply)];
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &on_time).unwrap();
    assert!(!clock.is_breached(utc("2026-06-03T00:00:00Z")));
    let late = [start[0], ev("2026-06-02T08:00:01Z", AgentReply)];
    let clock = evaluate(&policy("amazon"), Channel::Amazon, &late).unwrap();
    assert!(clock.is_breached(utc("2026-06-03T00:00:00Z")));
    // Once answered nothing is owed: the stored state carries no deadline.
    let state = clock.to_sla_state(utc("2026-06-03T00:00:00Z"));
    assert!(!state.breached && state.due_at.is_none() && state.clock_started_at.is_none());
    assert_eq!(state.first_response_at, Some(utc("2026-06-02T08:00:01Z")));
}

#[test]
fn outcome_reports_first_response_in_calendar_and_working_seconds() {
    // Friday 5 June 17:00 Rome, answered Monday 8 June 10:30: 65 h 30 m real, 2 h 30 m working.
    let events = [
        ev("2026-06-05T15:00:00Z", BuyerMessage),
        ev("2026-06-08T08:30:00Z", AgentReply),
    ];
    let out = outcome(
        &policy("shopify-it"),
        Channel::Shopify,
        &events,
        utc("2026-06-09T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(out.result, OutcomeResult::Hit);
    assert_eq!(out.first_message_at, Some(utc("2026-06-05T15:00:00Z")));
    assert_eq!(out.first_response_at, Some(utc("2026-06-08T08:30:00Z")));
    assert_eq!(out.first_response_calendar_seconds, Some(65 * 3600 + 1800));
    assert_eq!(out.first_response_working_seconds, Some(2 * 3600 + 1800));
    assert_eq!(out.responses[0].due_at, Some(utc("2026-06-08T10:00:00Z")));
    assert_eq!(out.responses[0].result, ResponseResult::Hit);
}

#[test]
fn outcome_excludes_paused_time_from_working_seconds() {
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T09:00:00Z", PendingOnCustomer),
        ev("2026-06-01T14:00:00Z", Resumed),
        ev("2026-06-01T14:45:00Z", AgentReply),
    ];
    let out = outcome(
        &policy("shopify-it"),
        Channel::Shopify,
        &events,
        utc("2026-06-05T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(out.first_response_working_seconds, Some(3600 + 45 * 60));
    assert_eq!(
        out.first_response_calendar_seconds,
        Some(6 * 3600 + 45 * 60)
    );
    assert_eq!(out.result, OutcomeResult::Hit);
}

#[test]
fn outcome_marks_late_answers_and_expired_open_clocks_as_missed() {
    let amazon = policy("amazon");
    let late = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-02T09:00:00Z", AgentReply),
    ];
    let out = outcome(&amazon, Channel::Amazon, &late, utc("2026-06-03T00:00:00Z")).unwrap();
    assert_eq!(out.result, OutcomeResult::Missed);
    assert_eq!(out.first_response_calendar_seconds, Some(25 * 3600));
    assert_eq!(out.first_response_working_seconds, Some(25 * 3600));

    let open = [ev("2026-06-01T08:00:00Z", BuyerMessage)];
    let before = outcome(&amazon, Channel::Amazon, &open, utc("2026-06-02T07:59:59Z")).unwrap();
    assert_eq!(before.result, OutcomeResult::Open);
    assert_eq!(before.first_response_at, None);
    assert_eq!(before.responses[0].working_seconds, 24 * 3600 - 1);
    let after = outcome(&amazon, Channel::Amazon, &open, utc("2026-06-02T08:00:00Z")).unwrap();
    assert_eq!(after.result, OutcomeResult::Missed);

    // One late answer spoils a ticket whose later answers were quick.
    let mixed = [
        late[0],
        late[1],
        ev("2026-06-03T08:00:00Z", BuyerMessage),
        ev("2026-06-03T08:05:00Z", AgentReply),
    ];
    let out = outcome(
        &amazon,
        Channel::Amazon,
        &mixed,
        utc("2026-06-04T00:00:00Z"),
    )
    .unwrap();
    let results: Vec<_> = out.responses.iter().map(|r| (r.target, r.result)).collect();
    assert_eq!(
        results,
        [
            (TargetKind::FirstResponse, ResponseResult::Missed),
            (TargetKind::NextResponse, ResponseResult::Hit),
        ]
    );
    assert_eq!(out.result, OutcomeResult::Missed);
}

#[test]
fn outcome_of_a_ticket_resolved_in_time_without_an_answer_owes_nothing() {
    let events = [
        ev("2026-06-01T08:00:00Z", BuyerMessage),
        ev("2026-06-01T08:10:00Z", Resolved),
    ];
    let out = outcome(
        &policy("amazon"),
        Channel::Amazon,
        &events,
        utc("2026-06-05T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(out.result, OutcomeResult::NoReplyNeeded);
    assert_eq!(out.first_response_at, None);
    assert_eq!(out.responses[0].ended_by, Some(StopReason::Resolved));
    let none = outcome(
        &policy("amazon"),
        Channel::Amazon,
        &[],
        utc("2026-06-05T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(none.result, OutcomeResult::NoMessages);
}

#[test]
fn clock_events_use_stable_snake_case_json() {
    let events: Vec<ClockEvent> =
        serde_json::from_str(include_str!("../../../events/sla/preview_events.json")).unwrap();
    assert_eq!(events[0].kind, BuyerMessage);
    assert_eq!(events[3].kind, PendingOnCustomer);
    let json = serde_json::to_value(ev("2026-06-01T08:00:00Z", Reopened)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"at": "2026-06-01T08:00:00Z", "kind": "reopened"})
    );
    assert!(
        serde_json::from_str::<ClockEvent>(r#"{"at":"2026-06-01T08:00:00Z","kind":"x"}"#).is_err()
    );
    assert!(
        serde_json::from_str::<ClockEvent>(
            r#"{"at":"2026-06-01T08:00:00Z","kind":"resolved","by":"me"}"#
        )
        .is_err()
    );
}

#[test]
fn a_target_beyond_ninety_days_is_refused_naming_its_field() {
    let mut p = policy("shopify-it");
    p.next_response.due = SlaDuration::from_secs(99_999_999 * 3600);
    let err = p.validate().unwrap_err();
    assert!(
        matches!(&err, SlaError::InvalidPolicy { field, .. } if field == "next_response.due"),
        "{err}"
    );
    p.next_response.due = crate::sla::MAX_TARGET;
    p.validate().unwrap();
    let far = DateTime::parse_from_rfc3339("9999-12-31T00:00:00Z")
        .unwrap()
        .to_utc();
    assert!(crate::sla::check_instant(far).is_err());
    assert!(crate::sla::check_instant(DateTime::<Utc>::UNIX_EPOCH).is_ok());
}

/// `compact(compact(a) ∪ b) == compact(a ∪ b)` over generated event sets with pauses,
/// resumes, replies, automatic replies and resolutions: what compaction drops never matters
/// again, so a ticket's stored history can take events in any order.
#[test]
fn compaction_forgets_only_what_no_later_event_can_revive() {
    use crate::sla::compact;
    let kinds = [
        ClockEventKind::BuyerMessage,
        ClockEventKind::BuyerMessage,
        ClockEventKind::AgentReply,
        ClockEventKind::AutoReply,
        ClockEventKind::PendingOnCustomer,
        ClockEventKind::Resumed,
        ClockEventKind::Resolved,
        ClockEventKind::Reopened,
    ];
    let mut state = 0x5EED_u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let base = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
        .unwrap()
        .to_utc();
    for round in 0..2000 {
        let mut events = Vec::new();
        for _ in 0..(1 + next(10)) {
            events.push(ClockEvent {
                at: base + chrono::TimeDelta::minutes(next(3000) as i64),
                kind: kinds[next(kinds.len() as u64) as usize],
            });
        }
        let split = next(events.len() as u64 + 1) as usize;
        let stops = round % 2 == 0;
        let (a, b) = events.split_at(split);
        let mut incremental = compact(a, stops);
        incremental.extend_from_slice(b);
        assert_eq!(
            compact(&incremental, stops),
            compact(&events, stops),
            "round {round}: {events:?}"
        );
        // One event at a time, in reverse order, ends the same.
        let mut one_by_one = Vec::new();
        for e in events.iter().rev() {
            one_by_one.push(*e);
            one_by_one = compact(&one_by_one, stops);
        }
        assert_eq!(one_by_one, compact(&events, stops), "round {round}");
        // And the clock of the compact history is the clock of the whole one.
        for id in ["shopify-it", "amazon"] {
            let p = policy(id);
            let whole = crate::sla::evaluate(&p, Channel::Ebay, &compact_sorted(&events)).unwrap();
            let kept = crate::sla::evaluate(&p, Channel::Ebay, &compact(&events, true)).unwrap();
            assert_eq!(kept.due_at, whole.due_at, "round {round} {id}: {events:?}");
            assert_eq!(kept.state, whole.state, "round {round} {id}");
        }
    }
}

/// The events in canonical order, nothing dropped (what `compact` is compared against).
fn compact_sorted(events: &[ClockEvent]) -> Vec<ClockEvent> {
    let rank = |k: ClockEventKind| match k {
        ClockEventKind::BuyerMessage => 0,
        ClockEventKind::PendingOnCustomer => 1,
        ClockEventKind::Reopened => 2,
        ClockEventKind::Resumed => 3,
        ClockEventKind::AgentReply => 4,
        ClockEventKind::AutoReply => 5,
        ClockEventKind::Resolved => 6,
    };
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|e| (e.at, rank(e.kind)));
    sorted.dedup();
    sorted
}
