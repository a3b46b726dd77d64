use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::domain::{DeliveryState, ExternalRefs, MessageId};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn facts(reference: &str, sent: &str, respond_by: Option<&str>) -> NoticeFacts {
    NoticeFacts {
        tenant: TenantId::parse("acme").unwrap(),
        account: AccountId::parse("acct_amazon_us").unwrap(),
        kind: ClaimKind::AToZ,
        order_id: Some(OrderId::parse("114-3941689-8772232").unwrap()),
        marketplace_id: Some("ATVPDKIKX0DER".into()),
        ticket: TicketId::parse("tkt_1").unwrap(),
        reason: Some("Item not received".into()),
        amount: None,
        respond_by: respond_by.map(at),
        reference: reference.into(),
        sent_at: at(sent),
    }
}

fn message(direction: Direction, author: AuthorKind, sent: &str) -> Message {
    Message {
        id: MessageId::generate(at(sent)),
        ticket: TicketId::parse("tkt_1").unwrap(),
        direction,
        author,
        author_name: None,
        subject: None,
        body: "text".into(),
        language: None,
        attachments: vec![],
        external: ExternalRefs::default(),
        sent_at: at(sent),
        received_at: at(sent),
        delivery: None,
    }
}

fn agent() -> AuthorKind {
    AuthorKind::Agent {
        agent: AgentId::parse("alice").unwrap(),
    }
}

#[test]
fn the_id_is_the_same_from_every_notice_and_names_the_order_and_kind() {
    let ticket = TicketId::parse("tkt_1").unwrap();
    let order = OrderId::parse("114-3941689-8772232").unwrap();
    assert_eq!(
        claim_id(Some(&order), &ticket, ClaimKind::AToZ).as_str(),
        "114-3941689-8772232_a_to_z"
    );
    assert_eq!(
        claim_id(None, &ticket, ClaimKind::Chargeback).as_str(),
        "tkt_1_chargeback"
    );
}

#[test]
fn a_notice_without_a_date_gets_the_marketplaces_usual_time() {
    let record = open(
        &facts("<a@x>", "2026-11-15T06:02:03Z", None),
        at("2026-11-15T06:05:00Z"),
    );
    assert_eq!(record.respond_by, at("2026-11-18T06:02:03Z"));
    assert_eq!(record.deadline_source, DeadlineSource::Default);
    let mut chargeback = facts("<c@x>", "2026-11-15T06:02:03Z", None);
    chargeback.kind = ClaimKind::Chargeback;
    assert_eq!(
        open(&chargeback, at("2026-11-15T06:05:00Z")).respond_by,
        at("2026-11-22T06:02:03Z")
    );
}

#[test]
fn a_redelivered_notice_changes_nothing_and_a_reminder_moves_the_deadline() {
    let now = at("2026-11-15T07:00:00Z");
    let first = facts(
        "<a@x>",
        "2026-11-15T06:02:03Z",
        Some("2026-11-18T07:59:59Z"),
    );
    let mut record = open(&first, now);
    assert!(!record.add_notice(&first, now));
    assert_eq!(record.notices.len(), 1);

    let reminder = facts(
        "<b@x>",
        "2026-11-17T06:00:00Z",
        Some("2026-11-20T07:59:59Z"),
    );
    assert!(record.add_notice(&reminder, now));
    assert_eq!(record.notices.len(), 2);
    assert_eq!(record.respond_by, at("2026-11-20T07:59:59Z"));
    assert_eq!(record.opened_at, at("2026-11-15T06:02:03Z"));
}

#[test]
fn notices_in_any_order_open_the_claim_at_the_earliest_and_keep_the_latest_stated_date() {
    let now = at("2026-11-18T00:00:00Z");
    let mut record = open(
        &facts(
            "<late@x>",
            "2026-11-17T06:00:00Z",
            Some("2026-11-20T07:59:59Z"),
        ),
        now,
    );
    record.add_notice(&facts("<first@x>", "2026-11-15T06:00:00Z", None), now);
    assert_eq!(record.opened_at, at("2026-11-15T06:00:00Z"));
    assert_eq!(record.respond_by, at("2026-11-20T07:59:59Z"));
    assert_eq!(record.deadline_source, DeadlineSource::Notice);
}

#[test]
fn a_stated_date_replaces_the_default_and_the_default_follows_an_earlier_notice() {
    let now = at("2026-11-18T00:00:00Z");
    let mut record = open(&facts("<b@x>", "2026-11-16T06:00:00Z", None), now);
    record.add_notice(&facts("<a@x>", "2026-11-15T06:00:00Z", None), now);
    assert_eq!(record.respond_by, at("2026-11-18T06:00:00Z"));
    assert_eq!(record.deadline_source, DeadlineSource::Default);
    record.add_notice(
        &facts(
            "<c@x>",
            "2026-11-16T08:00:00Z",
            Some("2026-11-19T07:59:59Z"),
        ),
        now,
    );
    assert_eq!(record.respond_by, at("2026-11-19T07:59:59Z"));
    assert_eq!(record.deadline_source, DeadlineSource::Notice);
}

#[test]
fn the_clock_warns_a_day_before_and_stops_when_the_seller_answers() {
    let mut record = open(
        &facts(
            "<a@x>",
            "2026-11-15T06:00:00Z",
            Some("2026-11-18T06:00:00Z"),
        ),
        at("2026-11-15T06:00:00Z"),
    );
    let early = record.clock(at("2026-11-16T06:00:00Z"));
    assert_eq!(early.level, ClaimClockLevel::Ok);
    assert_eq!(early.remaining_seconds, Some(2 * 86_400));
    assert_eq!(
        record.clock(at("2026-11-17T06:00:00Z")).level,
        ClaimClockLevel::Warning
    );
    let late = record.clock(at("2026-11-18T07:00:00Z"));
    assert_eq!(late.level, ClaimClockLevel::Overdue);
    assert_eq!(late.remaining_seconds, Some(-3600));

    let alice = AgentId::parse("alice").unwrap();
    record
        .change(
            ClaimStatus::Responded,
            None,
            Some("Tracking sent in Seller Central".into()),
            &alice,
            at("2026-11-17T09:00:00Z"),
        )
        .unwrap();
    let answered = record.clock(at("2026-11-19T00:00:00Z"));
    assert_eq!(answered.level, ClaimClockLevel::Answered);
    assert_eq!(answered.remaining_seconds, None);
    assert_eq!(answered.answered_in_time, Some(true));

    record
        .change(
            ClaimStatus::Closed,
            Some(ClaimOutcome::Denied),
            None,
            &alice,
            at("2026-11-20T09:00:00Z"),
        )
        .unwrap();
    assert_eq!(record.responded_at, Some(at("2026-11-17T09:00:00Z")));
    assert_eq!(record.changes.len(), 2);
    assert_eq!(
        record.clock(at("2026-11-21T00:00:00Z")).level,
        ClaimClockLevel::Closed
    );
}

#[test]
fn an_outcome_needs_a_closed_claim_and_reopening_clears_the_answer() {
    let mut record = open(
        &facts("<a@x>", "2026-11-15T06:00:00Z", None),
        at("2026-11-15T06:00:00Z"),
    );
    let alice = AgentId::parse("alice").unwrap();
    let now = at("2026-11-16T00:00:00Z");
    assert_eq!(
        record.change(
            ClaimStatus::Responded,
            Some(ClaimOutcome::Denied),
            None,
            &alice,
            now
        ),
        Err(ClaimError::OutcomeNeedsClosed)
    );
    assert!(record.changes.is_empty());
    record
        .change(ClaimStatus::Responded, None, None, &alice, now)
        .unwrap();
    record
        .change(ClaimStatus::Open, None, None, &alice, now)
        .unwrap();
    assert_eq!(record.responded_at, None);
    assert_eq!(record.clock(now).level, ClaimClockLevel::Ok);
}

#[test]
fn the_conversation_counts_replies_around_the_claim_and_what_is_unanswered() {
    let opened = at("2026-11-15T06:00:00Z");
    let mut failed = message(Direction::Outbound, agent(), "2026-11-15T08:00:00Z");
    failed.delivery = Some(DeliveryState::Failed {
        at: at("2026-11-15T08:01:00Z"),
        reason: "bounced".into(),
    });
    let messages = vec![
        message(
            Direction::Inbound,
            AuthorKind::Buyer,
            "2026-11-12T10:00:00Z",
        ),
        message(Direction::Outbound, agent(), "2026-11-12T12:00:00Z"),
        message(
            Direction::Inbound,
            AuthorKind::Buyer,
            "2026-11-14T10:00:00Z",
        ),
        message(
            Direction::Inbound,
            AuthorKind::System,
            "2026-11-15T06:00:00Z",
        ),
        failed,
        message(Direction::Outbound, agent(), "2026-11-15T09:00:00Z"),
        message(
            Direction::Inbound,
            AuthorKind::Buyer,
            "2026-11-16T10:00:00Z",
        ),
    ];
    let c = conversation(&messages, opened);
    assert_eq!(c.buyer_messages, 3);
    assert_eq!(c.replies_before_claim, 1);
    assert_eq!(c.replies_after_claim, 1);
    assert_eq!(c.first_buyer_message_at, Some(at("2026-11-12T10:00:00Z")));
    assert_eq!(c.first_reply_at, Some(at("2026-11-12T12:00:00Z")));
    assert_eq!(
        c.first_reply_after_claim_at,
        Some(at("2026-11-15T09:00:00Z"))
    );
    assert_eq!(c.unanswered_buyer_messages, 1);
}

#[test]
fn the_case_file_is_in_time_order_with_the_clock_at_now() {
    let record = open(
        &facts(
            "<a@x>",
            "2026-11-15T06:00:00Z",
            Some("2026-11-18T06:00:00Z"),
        ),
        at("2026-11-15T06:00:00Z"),
    );
    let messages = vec![
        message(Direction::Outbound, agent(), "2026-11-15T09:00:00Z"),
        message(
            Direction::Inbound,
            AuthorKind::Buyer,
            "2026-11-12T10:00:00Z",
        ),
    ];
    let file = case_file(record, None, messages, vec![], at("2026-11-17T07:00:00Z"));
    assert!(file.messages[0].sent_at < file.messages[1].sent_at);
    assert_eq!(file.clock.level, ClaimClockLevel::Warning);
    assert_eq!(
        file.clock.remaining_seconds,
        Some((TimeDelta::hours(23)).num_seconds())
    );
    assert_eq!(file.conversation.replies_after_claim, 1);
}

#[test]
fn kinds_and_statuses_read_back_what_they_write() {
    for kind in [ClaimKind::AToZ, ClaimKind::Chargeback] {
        assert_eq!(ClaimKind::parse(kind.as_str()), Some(kind));
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::Value::String(kind.as_str().into())
        );
    }
    for status in [
        ClaimStatus::Open,
        ClaimStatus::Responded,
        ClaimStatus::Closed,
    ] {
        assert_eq!(ClaimStatus::parse(status.as_str()), Some(status));
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::Value::String(status.as_str().into())
        );
    }
    assert_eq!(ClaimKind::of_risk(Risk::AToZClaim), Some(ClaimKind::AToZ));
    assert_eq!(ClaimKind::of_risk(Risk::NegativeFeedback), None);
}

#[test]
fn the_team_is_alerted_once_a_day_before_and_once_when_overdue_and_again_for_a_new_deadline() {
    let mut record = open(
        &facts(
            "<a@x>",
            "2026-11-15T06:00:00Z",
            Some("2026-11-18T06:00:00Z"),
        ),
        at("2026-11-15T06:00:00Z"),
    );
    assert_eq!(record.alert_due(at("2026-11-16T06:00:00Z")), None);
    let day_before = at("2026-11-17T07:00:00Z");
    assert_eq!(record.alert_due(day_before), Some(ClaimClockLevel::Warning));
    record.mark_alerted(ClaimClockLevel::Warning, day_before);
    assert_eq!(record.alert_due(at("2026-11-17T08:00:00Z")), None);
    let late = at("2026-11-18T06:30:00Z");
    assert_eq!(record.alert_due(late), Some(ClaimClockLevel::Overdue));
    record.mark_alerted(ClaimClockLevel::Overdue, late);
    assert_eq!(record.alert_due(at("2026-11-18T09:00:00Z")), None);

    // A reminder moves the deadline: its last day is alerted again.
    let now = at("2026-11-18T10:00:00Z");
    record.add_notice(
        &facts(
            "<b@x>",
            "2026-11-18T09:00:00Z",
            Some("2026-11-19T06:00:00Z"),
        ),
        now,
    );
    assert_eq!(record.alert_due(now), Some(ClaimClockLevel::Warning));
    // Answered: nothing more.
    let alice = AgentId::parse("alice").unwrap();
    record
        .change(ClaimStatus::Responded, None, None, &alice, now)
        .unwrap();
    assert_eq!(record.alert_due(at("2026-11-20T00:00:00Z")), None);
}

#[test]
fn a_claim_found_overdue_gets_the_overdue_alert_alone_naming_the_order_and_links() {
    let record = open(
        &facts(
            "<a@x>",
            "2026-11-15T06:00:00Z",
            Some("2026-11-18T06:00:00Z"),
        ),
        at("2026-11-15T06:00:00Z"),
    );
    let now = at("2026-11-18T07:00:00Z");
    assert_eq!(record.alert_due(now), Some(ClaimClockLevel::Overdue));
    let n = record.notification(ClaimClockLevel::Overdue, "https://app.example/", now);
    assert!(n.title.contains("114-3941689-8772232"), "{}", n.title);
    assert!(n.title.contains("passed"), "{}", n.title);
    assert_eq!(
        n.links[0].1,
        "https://app.example/claims/114-3941689-8772232_a_to_z"
    );
    assert_eq!(n.links[1].1, "https://app.example/tickets/tkt_1");
    let warning = record.notification(
        ClaimClockLevel::Warning,
        "https://app.example",
        at("2026-11-17T09:00:00Z"),
    );
    assert!(
        warning.title.ends_with("21 h left to answer Amazon"),
        "{}",
        warning.title
    );
}

#[test]
fn the_summary_tells_the_case_in_time_order_without_the_internal_notes() {
    let record = open(
        &facts(
            "<a@x>",
            "2026-11-15T06:00:00Z",
            Some("2026-11-18T06:00:00Z"),
        ),
        at("2026-11-15T06:00:00Z"),
    );
    let mut buyer = message(
        Direction::Inbound,
        AuthorKind::Buyer,
        "2026-11-12T10:00:00Z",
    );
    buyer.body = "Where is my\n\norder?".into();
    let mut reply = message(Direction::Outbound, agent(), "2026-11-12T12:30:00Z");
    reply.body = "It was delivered on Nov 11, tracking attached.".into();
    let note = Note {
        id: crate::domain::NoteId::generate(at("2026-11-15T07:00:00Z")),
        ticket: TicketId::parse("tkt_1").unwrap(),
        author: AgentId::parse("alice").unwrap(),
        body: "internal: buyer is a known abuser".into(),
        at: at("2026-11-15T07:00:00Z"),
    };
    let file = case_file(
        record,
        None,
        vec![reply, buyer],
        vec![note],
        at("2026-11-16T00:00:00Z"),
    );
    let text = &file.summary;
    assert!(
        text.starts_with(
            "A-to-z Guarantee claim on order 114-3941689-8772232, opened 2026-11-15 06:00 UTC."
        ),
        "{text}"
    );
    assert!(text.contains("Reason given: Item not received."), "{text}");
    assert!(text.contains("first answered 2 h 30 min after"), "{text}");
    let buyer_at = text
        .find("- 2026-11-12 10:00 UTC Buyer: Where is my order?")
        .unwrap();
    let seller_at = text
        .find("- 2026-11-12 12:30 UTC Seller: It was delivered")
        .unwrap();
    assert!(buyer_at < seller_at, "{text}");
    assert!(
        !text.contains("abuser"),
        "internal notes stay internal: {text}"
    );
}
