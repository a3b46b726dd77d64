//! Amazon account protection over the API on a real store on the emulator: `GET /v1/feedback`
//! and `GET /v1/feedback/{id}` with the assessment in the view of a negative-feedback ticket;
//! `GET /v1/claims`, the case file and `PUT /v1/claims/{id}/status` with Amazon's clock.

mod common;

use axum::http::{Method, StatusCode};
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AccountId, AgentId, FeedbackRating, OrderId, Risk, TenantId};
use marketdesk::feedback::{
    FeedbackFacts, FeedbackRecord, FeedbackSource, SellerDetails, assess, feedback_key,
};
use marketdesk::store::{FeedbackStore, TicketStore};
use marketdesk_devstack::testing::fresh_table;
use marketdesk_tests::{at, first_inbound, new_ticket, tenant};

const SECRET: &[u8] = b"feedback-test-secret";
const ORDER: &str = "305-1234567-1234567";

fn token(tenant: &TenantId) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        Role::Agent,
        4_102_444_800,
    )
}

fn record(t: &TenantId, order: &str, stars: u8, comment: &str) -> FeedbackRecord {
    let order = OrderId::parse(order).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
    let rating = marketdesk::feedback::parse::rating_of(stars);
    let seller = SellerDetails::default();
    let assessment = (rating != FeedbackRating::Positive).then(|| {
        assess(&FeedbackFacts {
            comment,
            stars,
            left_at: at("2026-11-03T00:00:00Z"),
            order_id: order.as_str(),
            fulfilled_by_amazon: Some(true),
            marketplace_id: "APJ6JRA9NG5V4",
            seller: &seller,
        })
    });
    FeedbackRecord {
        id: feedback_key(&order, day),
        tenant: t.clone(),
        account: AccountId::parse("acct_amazon_it").unwrap(),
        marketplace_id: "APJ6JRA9NG5V4".into(),
        order_id: order,
        left_on: day,
        stars: Some(stars),
        rating,
        comment: comment.into(),
        response: None,
        sources: vec![FeedbackSource::Report],
        ticket: None,
        assessment,
        first_seen: at("2026-11-03T10:00:00Z"),
        updated_at: at("2026-11-03T10:00:00Z"),
        version: 0,
    }
}

#[tokio::test]
async fn feedback_is_listed_filtered_and_shown_with_its_assessment_and_on_its_ticket() {
    let table = fresh_table().await;
    let t = tenant("acme");
    let negative = record(
        &t,
        ORDER,
        1,
        "Prodotto rotto dopo due giorni, pessima qualità. Pacco arrivato in ritardo.",
    );
    table.store.save_feedback(&negative, None).await.unwrap();
    table
        .store
        .save_feedback(&record(&t, "305-7654321-1234567", 5, "Ottimo"), None)
        .await
        .unwrap();
    let app = api::app(api::AppState::local(
        table.store.clone(),
        marketdesk::outbound::MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let tok = token(&t);
    let get = |path: String| {
        let (app, tok) = (app.clone(), tok.clone());
        async move { common::request(&app, Method::GET, &path, &tok, None, None).await }
    };

    let all = get("/v1/feedback".into()).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let negatives = get("/v1/feedback?rating=negative".into()).await;
    assert_eq!(negatives.body["items"].as_array().unwrap().len(), 1);
    let reviews = get("/v1/feedback?criterion=product_review".into()).await;
    let items = reviews.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], negative.id);
    let bad = get("/v1/feedback?criterion=rude".into()).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("criterion"), "{}", bad.text);

    let one = get(format!("/v1/feedback/{}", negative.id)).await;
    assert_eq!(one.status, StatusCode::OK);
    let criteria: Vec<&str> = one.body["assessment"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(criteria, ["product_review", "fba_fulfilment"]);
    assert!(
        one.body["assessment"]["removal_request"]
            .as_str()
            .unwrap()
            .contains(ORDER)
    );
    assert_eq!(
        one.body["assessment"]["seller_central_url"],
        "https://sellercentral.amazon.it/feedback-manager/index.html"
    );
    assert_eq!(
        get("/v1/feedback/305-0000000-0000000_20261103".into())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Another tenant sees none of it.
    let other = common::request(
        &app,
        Method::GET,
        &format!("/v1/feedback/{}", negative.id),
        &token(&tenant("globex")),
        None,
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The view of the order's negative-feedback ticket carries the record.
    let mut ticket = new_ticket(&t, at("2026-11-03T10:00:00Z"));
    ticket.risk = Some(Risk::NegativeFeedback);
    table
        .store
        .record_inbound(&first_inbound(&ticket, "<fb1@amazon>"))
        .await
        .unwrap();
    let view = get(format!("/v1/tickets/{}", ticket.id)).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    assert_eq!(view.body["feedback"][0]["id"], negative.id);
    assert!(view.body["feedback"][0]["assessment"]["buyer_message"].is_string());
}

fn claim(
    t: &TenantId,
    ticket: &marketdesk::domain::Ticket,
    order: &str,
    kind: marketdesk::claims::ClaimKind,
    respond_by: &str,
) -> marketdesk::claims::ClaimRecord {
    marketdesk::claims::open(
        &marketdesk::claims::NoticeFacts {
            tenant: t.clone(),
            account: AccountId::parse("acct_amazon_it").unwrap(),
            kind,
            order_id: Some(OrderId::parse(order).unwrap()),
            marketplace_id: Some("APJ6JRA9NG5V4".into()),
            ticket: ticket.id.clone(),
            reason: Some("Item not received".into()),
            amount: None,
            respond_by: Some(at(respond_by)),
            reference: format!("<{order}@amazon>"),
            sent_at: at("2026-11-15T06:00:00Z"),
        },
        at("2026-11-15T06:01:00Z"),
    )
}

#[tokio::test]
async fn claims_are_listed_by_amazons_deadline_with_their_case_file_and_the_sellers_answer() {
    use marketdesk::claims::ClaimKind;
    use marketdesk::store::ClaimStore;
    let table = fresh_table().await;
    let t = tenant("acme");
    let mut ticket = new_ticket(&t, at("2026-11-14T10:00:00Z"));
    ticket.risk = Some(Risk::AToZClaim);
    table
        .store
        .record_inbound(&first_inbound(&ticket, "<claim-buyer@amazon>"))
        .await
        .unwrap();
    let order = ticket.order.clone().unwrap().order;
    // Far in the future so the clock is `ok` whenever the test runs; the chargeback sooner.
    let atoz = claim(
        &t,
        &ticket,
        order.as_str(),
        ClaimKind::AToZ,
        "2099-01-10T00:00:00Z",
    );
    let chargeback = claim(
        &t,
        &ticket,
        order.as_str(),
        ClaimKind::Chargeback,
        "2099-01-05T00:00:00Z",
    );
    table.store.save_claim(&atoz, None).await.unwrap();
    table.store.save_claim(&chargeback, None).await.unwrap();
    let app = api::app(api::AppState::local(
        table.store.clone(),
        marketdesk::outbound::MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let tok = token(&t);
    let call = |method: Method, path: String, tag: Option<&'static str>, body| {
        let (app, tok) = (app.clone(), tok.clone());
        async move { common::request(&app, method, &path, &tok, tag, body).await }
    };

    let all = call(Method::GET, "/v1/claims".into(), None, None).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let ids: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["claim"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [chargeback.id.as_str(), atoz.id.as_str()],
        "soonest first"
    );
    assert_eq!(all.body["items"][0]["clock"]["level"], "ok");
    let bad = call(Method::GET, "/v1/claims?status=pending".into(), None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "status", "{}", bad.text);

    let path = format!("/v1/claims/{}", atoz.id);
    let file = call(Method::GET, path.clone(), None, None).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.text);
    assert_eq!(file.etag.as_deref(), Some("\"v1\""));
    assert_eq!(file.body["claim"]["kind"], "a_to_z");
    assert_eq!(file.body["claim"]["respond_by"], "2099-01-10T00:00:00Z");
    assert_eq!(file.body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(file.body["conversation"]["buyer_messages"], 1);
    assert_eq!(file.body["conversation"]["unanswered_buyer_messages"], 1);

    // The seller's answer: If-Match required, an outcome only when closed, then recorded.
    let status = format!("{path}/status");
    let answer = serde_json::json!({"status": "responded", "note": "Tracking sent"});
    let missing = call(Method::PUT, status.clone(), None, Some(answer.clone())).await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    let outcome = serde_json::json!({"status": "responded", "outcome": "denied"});
    let refused = call(Method::PUT, status.clone(), Some("\"v1\""), Some(outcome)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["field"], "outcome");
    let unknown = serde_json::json!({"status": "responded", "won": true});
    let unknown = call(Method::PUT, status.clone(), Some("\"v1\""), Some(unknown)).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    let done = call(
        Method::PUT,
        status.clone(),
        Some("\"v1\""),
        Some(answer.clone()),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.etag.as_deref(), Some("\"v2\""));
    assert_eq!(done.body["clock"]["level"], "answered");
    assert_eq!(done.body["clock"]["answered_in_time"], true);
    assert_eq!(done.body["claim"]["changes"][0]["by"], "alice");
    assert_eq!(done.body["claim"]["changes"][0]["note"], "Tracking sent");
    let stale = call(Method::PUT, status.clone(), Some("\"v1\""), Some(answer)).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["claim"]["claim"]["status"], "responded");

    // Open claims come first: the answered one moves after the open chargeback.
    let open = call(Method::GET, "/v1/claims?status=open".into(), None, None).await;
    let open_ids: Vec<&str> = open.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["claim"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(open_ids, [chargeback.id.as_str()]);

    // The claim ticket's view carries both claims with their clocks.
    let view = call(
        Method::GET,
        format!("/v1/tickets/{}", ticket.id),
        None,
        None,
    )
    .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    assert_eq!(view.body["claims"].as_array().unwrap().len(), 2);
    // The order, which the notice ticket's customer history does not hold, is read itself.
    assert!(view.body["order"].is_null(), "not stored yet");
    let order_record = marketdesk::domain::Order {
        channel: marketdesk::domain::Channel::Amazon,
        id: order.clone(),
        account: AccountId::parse("acct_amazon_it").unwrap(),
        marketplace_id: "APJ6JRA9NG5V4".into(),
        status: "Shipped".into(),
        fulfillment: marketdesk::domain::FulfillmentChannel::Marketplace,
        purchased_at: at("2026-11-10T10:00:00Z"),
        buyer_name: None,
        buyer_identities: vec![],
        total: None,
        items: vec![],
        shipments: vec![],
        updated_at: at("2026-11-11T10:00:00Z"),
        version: 0,
    };
    marketdesk::store::OrderStore::save_order(&table.store, &t, &order_record)
        .await
        .unwrap();
    let view = call(
        Method::GET,
        format!("/v1/tickets/{}", ticket.id),
        None,
        None,
    )
    .await;
    assert_eq!(view.body["order"]["id"], order.as_str(), "{}", view.text);
    let file = call(Method::GET, path.clone(), None, None).await;
    assert_eq!(file.body["order"]["status"], "Shipped", "{}", file.text);

    // Another tenant sees none of it; an id that cannot exist is a 404 too.
    let other = common::request(
        &app,
        Method::GET,
        &path,
        &token(&tenant("globex")),
        None,
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let odd = call(Method::GET, "/v1/claims/a%23b".into(), None, None).await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND);
}
