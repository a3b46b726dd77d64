//! `GET /v1/feedback` and `GET /v1/feedback/{id}` over a real store on the emulator, and the
//! assessment in the view of a negative-feedback ticket.

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
