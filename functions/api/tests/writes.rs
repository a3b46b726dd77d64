//! Replies and ticket edits driven with `oneshot` over a real store on the emulator, one request
//! after another; `concurrency.rs` asserts the same collision rules under real concurrency.

use std::sync::Arc;

mod common;

use axum::http::{Method, StatusCode};
use common::Answer;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId, TicketId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::TicketStore;
use marketdesk_devstack::testing::{TestTable, fresh_table};
use marketdesk_tests::{at, buyer_message, first_inbound, new_ticket, tenant};
use serde_json::{Value, json};

const SECRET: &[u8] = b"writes-test-secret";
const COMPLIANT: &str =
    "Buongiorno, il pacco è partito ieri ed è in viaggio con BRT. Cordiali saluti.";

fn token_as(tenant: &TenantId, role: Role) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        role,
        4_102_444_800,
    )
}

struct Fixture {
    app: axum::Router,
    queue: Arc<MemoryOutboundQueue>,
    table: TestTable,
    ticket: marketdesk::domain::Ticket,
    acme: TenantId,
}

async fn fixture() -> Fixture {
    let acme = tenant("acme");
    let table = fresh_table().await;
    let ticket = new_ticket(&acme, at("2026-11-20T10:00:00Z"));
    table
        .store
        .record_inbound(&first_inbound(&ticket, "<w1@relay>"))
        .await
        .unwrap();
    let queue = Arc::new(MemoryOutboundQueue::default());
    let app = api::app(api::AppState::local(
        table.store.clone(),
        queue.clone(),
        DevTokens::new(SECRET),
    ));
    Fixture {
        app,
        queue,
        table,
        ticket,
        acme,
    }
}

async fn send(
    app: &axum::Router,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> Answer {
    common::request(app, method, path, token, if_match, body).await
}

fn replies(id: &TicketId) -> String {
    format!("/v1/tickets/{id}/replies")
}

#[tokio::test]
async fn an_accepted_reply_is_202_queued_and_costs_two_requests() {
    let f = fixture().await;
    let agent = token_as(&f.acme, Role::Agent);
    f.table.requests.take();
    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &agent,
        None,
        Some(json!({"body": COMPLIANT, "expected_version": 1})),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(f.table.requests.take(), 2, "one Query and one transaction");
    assert_eq!(a.body["delivery"]["state"], "queued");
    assert_eq!(a.body["ticket_version"], 2);
    assert_eq!(a.etag.as_deref(), Some("\"v2\""));

    let queued = f.queue.sent();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].message.as_str(), a.body["message"]["id"]);
    assert_eq!(queued[0].tenant, f.acme);

    let view = f
        .table
        .store
        .ticket_view(&f.acme, &f.ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.ticket.version, 2);
    let stored = view.messages.iter().find(|m| m.id == queued[0].message);
    assert_eq!(stored.map(|m| m.body.as_str()), Some(COMPLIANT));
}

#[tokio::test]
async fn the_ticket_view_shows_the_order_the_customers_other_tickets_and_the_time_left_in_two_requests()
 {
    let acme = tenant("acme");
    let table = fresh_table().await;
    let opened = at("2026-11-20T10:00:00Z");
    // An earlier eBay ticket of the same customer, then the Amazon ticket with its order.
    let mut earlier = new_ticket(&acme, opened - chrono::Duration::days(30));
    let mut ticket = new_ticket(&acme, opened);
    earlier.customer = ticket.customer.clone();
    earlier.channel = marketdesk::domain::Channel::Ebay;
    earlier.order = None;
    table
        .store
        .record_inbound(&first_inbound(&earlier, "<v0@ebay>"))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    ticket.sla.clock_started_at = Some(now - chrono::Duration::hours(1));
    ticket.sla.internal_due_at = Some(now + chrono::Duration::hours(1));
    ticket.sla.warning_at = Some(now + chrono::Duration::hours(1));
    ticket.sla.due_at = Some(now + chrono::Duration::hours(3));
    let mut write = first_inbound(&ticket, "<v1@relay>");
    write.order = Some(marketdesk_tests::sample_order(
        "2026-11-19T08:00:00Z",
        "Shipped",
    ));
    table.store.record_inbound(&write).await.unwrap();
    let app = api::app(api::AppState::local(
        table.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));

    table.requests.take();
    let a = send(
        &app,
        Method::GET,
        &format!("/v1/tickets/{}", ticket.id),
        &token_as(&acme, Role::Agent),
        None,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        table.requests.take(),
        2,
        "the ticket's Query and the customer's"
    );
    let order = &a.body["order"];
    assert_eq!(order["id"], "305-1234567-1234567");
    assert_eq!(order["items"][0]["title"], "Tazza rossa");
    assert_eq!(order["shipments"][0]["tracking_number"], "123456789012");
    assert_eq!(order["shipments"][0]["status"], "in_transit");
    let history = a.body["customer_history"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = history
        .iter()
        .map(|h| (h["kind"].as_str().unwrap(), h["channel"].as_str().unwrap()))
        .collect();
    // Newest first: the eBay ticket of October, then the order bought in May; this ticket
    // itself is not its own history.
    assert_eq!(kinds, [("ticket", "ebay"), ("order", "amazon")]);
    assert_eq!(history[0]["ticket"], earlier.id.as_str());
    let remaining = a.body["sla"]["remaining_seconds"].as_i64().unwrap();
    assert!(
        (3 * 3600 - 120..=3 * 3600).contains(&remaining),
        "{remaining}"
    );
    assert_eq!(a.body["sla"]["level"], "ok");
}

/// A queue that refuses everything, as SQS does when it is unreachable.
struct RefusingQueue;

impl marketdesk::outbound::OutboundQueue for RefusingQueue {
    fn enqueue<'a>(
        &'a self,
        message: &'a marketdesk::outbound::OutboundMessage,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = Result<(), marketdesk::outbound::QueueError>> + Send + 'a>,
    > {
        let refused = marketdesk::outbound::QueueError::new(message, "queue unreachable");
        Box::pin(std::future::ready(Err(refused)))
    }
}

#[tokio::test]
async fn a_reply_the_queue_refuses_is_still_accepted_and_waits_in_the_outbox() {
    use marketdesk::store::OutboundStore;
    let f = fixture().await;
    let app = api::app(api::AppState::local(
        f.table.store.clone(),
        RefusingQueue,
        DevTokens::new(SECRET),
    ));
    let agent = token_as(&f.acme, Role::Agent);
    let a = send(
        &app,
        Method::POST,
        &replies(&f.ticket.id),
        &agent,
        None,
        Some(json!({"body": COMPLIANT, "expected_version": 1})),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let waiting = f
        .table
        .store
        .queued_replies(
            &f.acme,
            chrono::Utc::now() + chrono::Duration::minutes(10),
            10,
        )
        .await
        .unwrap();
    let ids: Vec<&str> = waiting.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec![a.body["message"]["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn a_blocked_reply_is_422_with_findings_and_nothing_is_written_or_queued() {
    let f = fixture().await;
    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(json!({
            "body": "Grazie! Lasci una recensione a cinque stelle e avrà uno sconto: scriva a shop@example.com",
            "expected_version": 1
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(a.body["verdict"], "block");
    assert!(!a.body["findings"].as_array().unwrap().is_empty());
    assert!(f.queue.sent().is_empty());
    let stored = f
        .table
        .store
        .ticket(&f.acme, &f.ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
}

#[tokio::test]
async fn a_reply_that_only_warns_is_sent_not_refused() {
    let f = fixture().await;
    // A review word merely mentioned: Amazon may hold it, so the checker warns; never a 422.
    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(json!({
            "body": "Grazie per il suo feedback sulla taglia, le spediamo oggi la M con BRT.",
            "expected_version": 1
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(f.queue.sent().len(), 1);
}

#[tokio::test]
async fn only_an_admin_overrides_a_blocked_reply_and_the_override_is_audited() {
    let f = fixture().await;
    let blocked = json!({
        "body": "Grazie! Per qualsiasi cosa scriva a shop@example.com",
        "expected_version": 1,
        "override_reason": "the buyer asked for our address for a warranty claim"
    });
    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(blocked.clone()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Admin),
        None,
        Some(blocked),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let view = f
        .table
        .store
        .ticket_view(&f.acme, &f.ticket.id)
        .await
        .unwrap()
        .unwrap();
    let overridden = view.events.iter().any(|e| {
        matches!(
            &e.kind,
            marketdesk::domain::TicketEventKind::ComplianceOverridden { reason }
                if reason.contains("warranty")
        )
    });
    assert!(overridden, "{:?}", view.events);
}

#[tokio::test]
async fn a_template_with_an_unfilled_placeholder_is_422_naming_it_and_sends_once_filled() {
    let f = fixture().await;
    let agent = token_as(&f.acme, Role::Agent);
    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &agent,
        None,
        Some(json!({
            "template": "refund_processed",
            "language": "it",
            "values": {"BUYER_NAME": "Giulia", "AMOUNT": "24,90 €"},
            "expected_version": 1
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
    assert_eq!(a.body["missing"], json!(["SELLER_NAME"]));
    assert!(a.body["detail"].as_str().unwrap().contains("SELLER_NAME"));
    assert!(f.queue.sent().is_empty());

    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &agent,
        None,
        // No language: the buyer's (the ticket's) is used.
        Some(json!({
            "template": "refund_processed",
            "values": {"BUYER_NAME": "Giulia", "AMOUNT": "24,90 €", "SELLER_NAME": "Casa Rossi"},
            "expected_version": 1
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(a.body["message"]["language"], "it");
    let body = a.body["message"]["body"].as_str().unwrap();
    assert!(
        body.contains("abbiamo rimborsato")
            && body.contains("305-1234567-1234567")
            && body.contains("Casa Rossi"),
        "{body}"
    );
}

#[tokio::test]
async fn a_template_is_filled_from_the_tickets_order_at_the_cost_of_one_more_request() {
    use marketdesk::store::OrderStore;
    let f = fixture().await;
    let order = marketdesk_tests::sample_order("2026-11-19T08:00:00Z", "Shipped");
    f.table.store.save_order(&f.acme, &order).await.unwrap();
    f.table.requests.take();
    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(json!({
            "template": "damaged_item",
            "values": {"SELLER_NAME": "Casa Rossi"},
            "expected_version": 1
        })),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(
        f.table.requests.take(),
        3,
        "ticket + template, the order, the transaction"
    );
    let body = a.body["message"]["body"].as_str().unwrap();
    assert!(
        body.contains("Gentile Giulia")
            && body.contains("Tazza rossa")
            && body.contains("305-1234567-1234567"),
        "{body}"
    );
}

#[tokio::test]
async fn a_reply_against_a_stale_version_is_409_with_the_new_buyer_message_and_nothing_queued() {
    let f = fixture().await;
    // The buyer writes again: the ticket moves to version 2.
    let mut write = first_inbound(&f.ticket, "<w2@relay>");
    write.expected_version = Some(1);
    write.thread = None;
    write.events.clear();
    // The follow-up's own report facts are not this test's subject: the first message's stay.
    write.report = Default::default();
    write.message = buyer_message(&f.ticket, "<w2@relay>", at("2026-11-20T11:00:00Z"));
    write.message.body = "Scusate, aggiungo: l'indirizzo è cambiato.".into();
    f.table.store.record_inbound(&write).await.unwrap();

    let a = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(json!({"body": COMPLIANT, "expected_version": 1})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(a.body["ticket"]["version"], 2);
    assert_eq!(
        a.body["changes"]["buyer_messages"][0]["id"],
        write.message.id.as_str()
    );
    assert!(f.queue.sent().is_empty());
}

#[tokio::test]
async fn two_replies_at_the_same_version_the_first_is_202_the_second_409() {
    let f = fixture().await;
    let request = json!({"body": COMPLIANT, "expected_version": 1});
    let first = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(request.clone()),
    )
    .await;
    let second = send(
        &f.app,
        Method::POST,
        &replies(&f.ticket.id),
        &token_as(&f.acme, Role::Agent),
        None,
        Some(request),
    )
    .await;
    assert_eq!(
        (first.status, second.status),
        (StatusCode::ACCEPTED, StatusCode::CONFLICT)
    );
    assert_eq!(
        second.body["changes"]["replies"][0]["id"],
        first.body["message"]["id"]
    );
    assert_eq!(f.queue.sent().len(), 1);
}

#[tokio::test]
async fn edits_need_if_match_and_a_stale_one_is_412() {
    let f = fixture().await;
    let agent = token_as(&f.acme, Role::Agent);
    let tags = format!("/v1/tickets/{}/tags", f.ticket.id);

    let view = send(
        &f.app,
        Method::GET,
        &format!("/v1/tickets/{}", f.ticket.id),
        &agent,
        None,
        None,
    )
    .await;
    assert_eq!(view.etag.as_deref(), Some("\"v1\""));

    let a = send(
        &f.app,
        Method::PUT,
        &tags,
        &agent,
        None,
        Some(json!({"tags": ["vip"]})),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_REQUIRED);

    let a = send(
        &f.app,
        Method::PUT,
        &tags,
        &agent,
        Some("\"v1\""),
        Some(json!({"tags": ["VIP", "late"]})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.etag.as_deref(), Some("\"v2\""));
    assert_eq!(a.body["ticket"]["tags"], json!(["late", "vip"]));

    let a = send(
        &f.app,
        Method::PUT,
        &tags,
        &agent,
        Some("\"v1\""),
        Some(json!({"tags": []})),
    )
    .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(a.etag.as_deref(), Some("\"v2\""));
    assert_eq!(
        a.body["ticket"]["tags"],
        json!(["late", "vip"]),
        "nothing changed"
    );
}

#[tokio::test]
async fn note_assignee_and_status_write_the_ticket_and_their_audit_events() {
    let f = fixture().await;
    let agent = token_as(&f.acme, Role::Agent);
    let base = format!("/v1/tickets/{}", f.ticket.id);

    let a = send(
        &f.app,
        Method::POST,
        &format!("{base}/notes"),
        &agent,
        Some("\"v1\""),
        Some(json!({"body": "Buyer called, wants the parcel redirected."})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["note"]["author"], "alice");

    let a = send(
        &f.app,
        Method::PUT,
        &format!("{base}/assignee"),
        &agent,
        Some("\"v2\""),
        Some(json!({"assignee": "bob"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["ticket"]["assignee"], "bob");

    let a = send(
        &f.app,
        Method::PUT,
        &format!("{base}/status"),
        &agent,
        Some("\"v3\""),
        Some(json!({"status": "resolved", "reason": "redirected"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.etag.as_deref(), Some("\"v4\""));

    let a = send(
        &f.app,
        Method::PUT,
        &format!("{base}/status"),
        &agent,
        Some("\"v4\""),
        Some(json!({"status": "closed"})),
    )
    .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );

    let view = f
        .table
        .store
        .ticket_view(&f.acme, &f.ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        view.ticket.status,
        marketdesk::domain::TicketStatus::Resolved
    );
    assert_eq!(view.notes.len(), 1);
    let kinds: Vec<Value> = view
        .events
        .iter()
        .map(|e| serde_json::to_value(&e.kind).unwrap()["type"].clone())
        .collect();
    assert!(
        kinds.contains(&json!("assigned")) && kinds.contains(&json!("status_changed")),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn another_tenant_gets_404_on_every_write_route_and_changes_nothing() {
    let f = fixture().await;
    let other = token_as(&tenant("globex"), Role::Admin);
    let base = format!("/v1/tickets/{}", f.ticket.id);
    let routes = [
        (
            Method::POST,
            format!("{base}/replies"),
            json!({"body": COMPLIANT, "expected_version": 1}),
        ),
        (Method::POST, format!("{base}/notes"), json!({"body": "hi"})),
        (
            Method::PUT,
            format!("{base}/assignee"),
            json!({"assignee": "mallory"}),
        ),
        (
            Method::PUT,
            format!("{base}/status"),
            json!({"status": "resolved"}),
        ),
        (Method::PUT, format!("{base}/tags"), json!({"tags": ["x"]})),
    ];
    for (method, path, body) in routes {
        let a = send(
            &f.app,
            method.clone(),
            &path,
            &other,
            Some("\"v1\""),
            Some(body),
        )
        .await;
        assert_eq!(
            (a.status, a.content_type.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json"),
            "{method} {path}"
        );
    }
    assert!(f.queue.sent().is_empty());
    let stored = f
        .table
        .store
        .ticket(&f.acme, &f.ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
}

#[tokio::test]
async fn the_sqs_outbound_queue_delivers_the_payload_the_sender_reads() {
    use marketdesk::adapters::sqs::SqsOutboundQueue;
    use marketdesk::outbound::{OutboundMessage, OutboundQueue};
    let stack = marketdesk_devstack::testing::fresh_stack().await;
    let url = stack.resources.queue("OutboundQueue").url.clone();
    let client = aws_sdk_sqs::Client::new(&stack.config);
    let message = OutboundMessage {
        tenant: tenant("acme"),
        ticket: TicketId::parse("tkt_1").unwrap(),
        message: marketdesk::domain::MessageId::parse("msg_1").unwrap(),
    };
    SqsOutboundQueue::new(client.clone(), url.clone())
        .enqueue(&message)
        .await
        .unwrap();
    let received = client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let bodies: Vec<OutboundMessage> = received
        .messages()
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
        .collect();
    assert_eq!(bodies, vec![message]);
}

#[tokio::test]
async fn an_accepted_reply_clears_the_suggested_draft_and_a_refused_one_keeps_it() {
    use marketdesk::domain::{RuleId, SuggestedDraft};
    let f = fixture().await;
    let mut ticket = new_ticket(&f.acme, at("2026-11-20T11:00:00Z"));
    let suggestion = SuggestedDraft {
        template: "wismo_live".into(),
        rule: RuleId::parse("rule_wismo").unwrap(),
        at: at("2026-11-20T11:00:05Z"),
    };
    ticket.suggested_draft = Some(suggestion.clone());
    f.table
        .store
        .record_inbound(&first_inbound(&ticket, "<w9@relay>"))
        .await
        .unwrap();
    let agent = token_as(&f.acme, Role::Agent);
    let draft_now = || async {
        f.table
            .store
            .ticket(&f.acme, &ticket.id)
            .await
            .unwrap()
            .unwrap()
            .suggested_draft
    };

    let a = send(
        &f.app,
        Method::POST,
        &replies(&ticket.id),
        &agent,
        None,
        Some(json!({"body": COMPLIANT, "expected_version": 7})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert_eq!(draft_now().await, Some(suggestion));

    let a = send(
        &f.app,
        Method::POST,
        &replies(&ticket.id),
        &agent,
        None,
        Some(json!({"body": COMPLIANT, "expected_version": 1})),
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(draft_now().await, None);
}

/// The ticket's schedules in the emulator's schedule group.
async fn schedule_count(stack: &marketdesk_devstack::testing::TestStack) -> usize {
    aws_sdk_scheduler::Client::new(&stack.config)
        .list_schedules()
        .group_name(&stack.resources.schedule_group)
        .send()
        .await
        .unwrap()
        .schedules()
        .len()
}

/// A ticket on `channel` under the seed `policy`, whose buyer wrote an hour ago (the status
/// endpoint acts at the real instant, so the test asserts relations, not clock times).
fn waiting_ticket(
    tenant: &TenantId,
    channel: marketdesk::domain::Channel,
    policy: &marketdesk::sla::SlaPolicy,
) -> marketdesk::domain::Ticket {
    use marketdesk::sla::{ClockEvent, ClockEventKind, advance};
    let now = chrono::Utc::now();
    let sent = now - chrono::Duration::hours(1);
    let mut ticket = new_ticket(tenant, sent);
    ticket.channel = channel;
    let message = ClockEvent {
        at: sent,
        kind: ClockEventKind::BuyerMessage,
    };
    ticket.sla = advance(policy, channel, None, &[message], now).unwrap();
    ticket
}

#[tokio::test]
async fn pending_pauses_a_business_clock_with_no_schedule_and_open_resumes_it_with_the_working_time_left()
 {
    use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
    use marketdesk::domain::Channel;
    use marketdesk::escalation::EscalationScheduler;
    use marketdesk::sla::{ClockEventKind, deadline, seed_policies, working_time_between};

    let stack = marketdesk_devstack::testing::fresh_stack().await;
    let acme = tenant("acme");
    let scheduler = || {
        EventBridgeScheduler::from_config(
            &stack.config,
            ScheduleTarget {
                group: stack.resources.schedule_group.clone(),
                queue_arn: stack.resources.queue("EscalationQueue").arn.clone(),
                role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
            },
        )
    };
    let app = api::app(
        api::AppState::local(
            stack.store.clone(),
            Arc::new(MemoryOutboundQueue::default()),
            DevTokens::new(SECRET),
        )
        .with_escalations(scheduler()),
    );
    let agent = token_as(&acme, Role::Agent);
    let shopify = seed_policies()
        .into_iter()
        .find(|p| p.id == "shopify-it")
        .unwrap();
    let ticket = waiting_ticket(&acme, Channel::Shopify, &shopify);
    stack
        .store
        .record_inbound(&first_inbound(&ticket, "<p1@store>"))
        .await
        .unwrap();
    scheduler()
        .sync(None, &ticket, &seed_policies(), chrono::Utc::now())
        .await
        .unwrap();
    assert!(
        schedule_count(&stack).await > 0,
        "a running clock has its schedules"
    );
    let status = format!("/v1/tickets/{}/status", ticket.id);

    let a = send(
        &app,
        Method::PUT,
        &status,
        &agent,
        Some("\"v1\""),
        Some(json!({"status": "pending", "reason": "asked for a photo"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let paused = stack
        .store
        .ticket(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paused.sla.due_at, None, "no running deadline while pending");
    let paused_at = paused.sla.paused_at.expect("paused");
    let left = paused
        .sla
        .remaining_when_paused
        .expect("the working time kept");
    let worked = working_time_between(&shopify.clock, ticket.created_at, paused_at);
    assert_eq!(
        left,
        shopify.first_response.due.as_secs() - worked.as_secs()
    );
    assert_eq!(
        schedule_count(&stack).await,
        0,
        "a paused ticket has no schedule"
    );
    let view = send(
        &app,
        Method::GET,
        &format!("/v1/tickets/{}", ticket.id),
        &agent,
        None,
        None,
    )
    .await;
    assert_eq!(view.body["sla"]["paused"], true, "{}", view.body);
    assert_eq!(view.body["sla"]["remaining_working_seconds"], left);
    assert_eq!(view.body["sla"]["clock"], "business");

    let a = send(
        &app,
        Method::PUT,
        &status,
        &agent,
        Some("\"v2\""),
        Some(json!({"status": "open"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let resumed = stack
        .store
        .ticket(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    let resumed_at = resumed
        .sla
        .history
        .iter()
        .rfind(|e| e.kind == ClockEventKind::Resumed)
        .expect("the resume is recorded")
        .at;
    assert_eq!(
        resumed.sla.due_at,
        Some(
            deadline(
                &shopify.clock,
                resumed_at,
                marketdesk::sla::SlaDuration::from_secs(left)
            )
            .unwrap()
        ),
        "the deadline is the working time left, counted from the resume"
    );
    assert!(resumed.sla.paused_at.is_none());
    assert!(
        schedule_count(&stack).await > 0,
        "schedules again once it runs"
    );
}

#[tokio::test]
async fn amazon_tickets_ignore_pending_and_keep_their_deadline_and_schedules() {
    use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
    use marketdesk::domain::Channel;
    use marketdesk::escalation::EscalationScheduler;
    use marketdesk::sla::seed_policies;

    let stack = marketdesk_devstack::testing::fresh_stack().await;
    let acme = tenant("acme");
    let scheduler = EventBridgeScheduler::from_config(
        &stack.config,
        ScheduleTarget {
            group: stack.resources.schedule_group.clone(),
            queue_arn: stack.resources.queue("EscalationQueue").arn.clone(),
            role_arn: "arn:aws:iam::123456789012:role/marketdesk-scheduler".into(),
        },
    );
    let amazon = seed_policies()
        .into_iter()
        .find(|p| p.id == "amazon")
        .unwrap();
    let ticket = waiting_ticket(&acme, Channel::Amazon, &amazon);
    stack
        .store
        .record_inbound(&first_inbound(&ticket, "<p2@relay>"))
        .await
        .unwrap();
    scheduler
        .sync(None, &ticket, &seed_policies(), chrono::Utc::now())
        .await
        .unwrap();
    let before = schedule_count(&stack).await;
    assert!(before > 0);
    let app = api::app(
        api::AppState::local(
            stack.store.clone(),
            Arc::new(MemoryOutboundQueue::default()),
            DevTokens::new(SECRET),
        )
        .with_escalations(scheduler),
    );
    let agent = token_as(&acme, Role::Agent);
    let a = send(
        &app,
        Method::PUT,
        &format!("/v1/tickets/{}/status", ticket.id),
        &agent,
        Some("\"v1\""),
        Some(json!({"status": "pending"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let stored = stack
        .store
        .ticket(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.sla.due_at, ticket.sla.due_at, "Amazon's 24 h run on");
    assert!(stored.sla.paused_at.is_none());
    assert_eq!(schedule_count(&stack).await, before);
}
