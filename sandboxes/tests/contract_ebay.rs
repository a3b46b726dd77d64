//! Contract: every body the eBay sandbox sends, and every request body the client sends,
//! validates against the official model of its operation (`shared/specs/ebay/`: Commerce
//! Message, Fulfillment, Feedback; undeclared properties forbidden), and the clients' types
//! and mappings read the sandbox's bodies.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Model;
use marketdesk::connectors::OutgoingReply;
use marketdesk::connectors::ebay::model::feedback::GetFeedbackResponse;
use marketdesk::connectors::ebay::model::fulfillment::{
    Order, OrderSearchPagedCollection, ShippingFulfillmentPagedCollection,
};
use marketdesk::connectors::ebay::model::{
    ErrorResponse, GetAllMyConversationsResponse, GetMessagesByConversationIdResponse,
    SendMessageResponse,
};
use marketdesk::connectors::ebay::{send_request, to_domain_order};
use marketdesk::domain::{AccountId, Attachment, Channel, IdentityKind};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::ebay::{
    EbayConfig, EbaySandbox, GET_CONVERSATIONS_ROUTE, GET_FEEDBACK_ROUTE, GET_ORDER_ROUTE,
    GET_ORDERS_ROUTE, GET_SHIPPING_FULFILLMENTS_ROUTE, MESSAGE_SCOPE, SEND_MESSAGE_ROUTE,
};
use serde_json::{Value, json};

const SPEC: &str = "ebay/commerce_message_v1_oas3.json";
const FULFILLMENT: &str = "ebay/sell_fulfillment_v1_oas3.json";
const FEEDBACK: &str = "ebay/commerce_feedback_v1_beta_oas3.json";

struct Session {
    sandbox: EbaySandbox,
    http: reqwest::Client,
    token: String,
}

impl Session {
    async fn start(config: EbayConfig) -> Self {
        let sandbox = EbaySandbox::start_with(config).await.unwrap();
        let http = reqwest::Client::new();
        let cfg = sandbox.config();
        let basic = STANDARD.encode(format!("{}:{}", cfg.client_id, cfg.client_secret));
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", cfg.refresh_token.as_str()),
            ("scope", MESSAGE_SCOPE),
        ];
        let response = http
            .post(sandbox.token_url())
            .header("authorization", format!("Basic {basic}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let token: Value = response.json().await.unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        Self {
            sandbox,
            http,
            token,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sandbox.message_api_url()))
            .query(query)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e})")),
        )
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, query, None).await
    }

    /// A GET of another API of the sandbox (`api` = its base URL).
    async fn get_at(&self, api: &str, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{api}{path}"))
            .query(query)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e})")),
        )
    }
}

/// eBay's error body: `{"errors": [Error]}`; the model declares `Error` but no wrapper.
fn assert_error_body(error: &Model, body: &Value) {
    let object = body.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), vec!["errors"], "{body}");
    let errors = body["errors"].as_array().expect("an array");
    assert!(!errors.is_empty());
    errors.iter().for_each(|e| error.assert_valid(e));
    let parsed: ErrorResponse = serde_json::from_value(body.clone()).unwrap();
    assert!(parsed.errors[0].error_id.is_some());
}

#[test]
fn the_strict_schemas_tell_the_two_spellings_of_user_name_apart() {
    let detail = Model::openapi(SPEC, "MessageDetail");
    let sent = Model::openapi(SPEC, "SendMessageResponse");
    assert!(detail.is_valid(&json!({"senderUsername": "a"})));
    assert!(!detail.is_valid(&json!({"senderUserName": "a"})));
    assert!(sent.is_valid(&json!({"senderUserName": "a"})));
    assert!(!sent.is_valid(&json!({"senderUsername": "a"})));
}

#[tokio::test]
async fn conversation_lists_validate_and_the_client_reads_every_page() {
    let session = Session::start(EbayConfig {
        conversations: 23,
        ..EbayConfig::default()
    })
    .await;
    let model = Model::openapi(SPEC, "GetAllMyConversationsResponse");
    let mut offset = 0;
    let mut seen = 0;
    loop {
        let offset_text = offset.to_string();
        let query = [
            ("conversation_type", "FROM_MEMBERS"),
            ("start_time", "2026-01-01T00:00:00.000Z"),
            ("limit", "10"),
            ("offset", offset_text.as_str()),
        ];
        let (status, body) = session.get("/conversation", &query).await;
        assert_eq!(status, 200, "{body}");
        model.assert_valid(&body);
        let page: GetAllMyConversationsResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(page.total, Some(23));
        for (parsed, raw) in page
            .conversations
            .iter()
            .zip(body["conversations"].as_array().unwrap())
        {
            assert_eq!(parsed.conversation_id, raw["conversationId"]);
            let latest = parsed.latest_message.as_ref().unwrap();
            assert_eq!(
                latest.sender_username.as_deref(),
                raw["latestMessage"]["senderUsername"].as_str()
            );
            assert_eq!(parsed.reference_type.as_deref(), Some("LISTING"));
        }
        seen += page.conversations.len();
        if page.next.is_none() {
            break;
        }
        offset += 10;
    }
    assert_eq!(seen, 23);

    let (status, from_ebay) = session
        .get("/conversation", &[("conversation_type", "FROM_EBAY")])
        .await;
    assert_eq!(status, 200);
    model.assert_valid(&from_ebay);
    assert_eq!(from_ebay["total"], 2);
}

#[tokio::test]
async fn conversation_messages_validate_and_the_client_reads_them() {
    let session = Session::start(EbayConfig::default()).await;
    let model = Model::openapi(SPEC, "GetMessagesByConversationIdResponse");
    for id in session.sandbox.conversation_ids() {
        let (status, body) = session
            .get(
                &format!("/conversation/{id}"),
                &[("conversation_type", "FROM_MEMBERS")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        model.assert_valid(&body);
        let parsed: GetMessagesByConversationIdResponse =
            serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            parsed.messages.len(),
            body["messages"].as_array().unwrap().len()
        );
        assert!(
            parsed
                .messages
                .iter()
                .all(|m| !m.message_id.is_empty() && m.created_date.is_some())
        );
    }
}

#[tokio::test]
async fn the_clients_send_request_and_the_sandboxs_answer_both_validate() {
    let session = Session::start(EbayConfig::default()).await;
    let request_model = Model::openapi(SPEC, "SendMessageRequest");
    let response_model = Model::openapi(SPEC, "SendMessageResponse");
    let conversation = session.sandbox.conversation_ids()[0].clone();
    let replies = [
        OutgoingReply {
            conversation: Some(conversation),
            body: "Grazie, spedito oggi.".into(),
            ..Default::default()
        },
        OutgoingReply {
            recipient: Some("new_buyer_77".into()),
            listing: Some("110553400001".into()),
            body: "Thank you for your order.".into(),
            attachments: vec![Attachment {
                filename: "photo.jpg".into(),
                content_type: "image/jpeg".into(),
                size_bytes: 1,
                location: Some("https://files.example/photo.jpg".into()),
            }],
            ..Default::default()
        },
    ];
    for reply in &replies {
        let request = serde_json::to_value(send_request(reply).unwrap()).unwrap();
        request_model.assert_valid(&request);

        let (status, body) = session
            .call(reqwest::Method::POST, "/send_message", &[], Some(&request))
            .await;
        assert_eq!(status, 201, "{body}");
        response_model.assert_valid(&body);
        // The model spells it senderUserName here and senderUsername elsewhere.
        let parsed: SendMessageResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            parsed.sender_user_name.as_deref(),
            Some(session.sandbox.config().seller_username.as_str())
        );
        assert_eq!(parsed.message_body.as_deref(), Some(reply.body.as_str()));
    }
}

#[tokio::test]
async fn every_error_the_sandbox_sends_is_a_list_of_model_errors() {
    let mut session = Session::start(EbayConfig::default()).await;
    let error = Model::openapi(SPEC, "Error");
    let conversation = session.sandbox.conversation_ids()[0].clone();
    let faults = session.sandbox.faults();
    faults.push(
        GET_CONVERSATIONS_ROUTE,
        Fault::Throttle { retry_after: None },
    );
    faults.push(GET_CONVERSATIONS_ROUTE, Fault::ServerError(500));
    faults.push(SEND_MESSAGE_ROUTE, Fault::ExpiredToken);
    let members = ("conversation_type", "FROM_MEMBERS");
    type Query<'a> = Vec<(&'a str, &'a str)>;
    let gets: Vec<(u16, String, Query)> = vec![
        (429, "/conversation".into(), vec![members]),
        (500, "/conversation".into(), vec![members]),
        (400, "/conversation".into(), vec![]),
        (
            400,
            "/conversation".into(),
            vec![("conversation_type", "FROM_NOBODY")],
        ),
        (
            400,
            "/conversation".into(),
            vec![members, ("conversation_status", "LOST")],
        ),
        (
            400,
            "/conversation".into(),
            vec![members, ("start_time", "yesterday")],
        ),
        (
            400,
            "/conversation".into(),
            vec![
                members,
                ("start_time", "2026-02-01T00:00:00.000Z"),
                ("end_time", "2026-01-01T00:00:00.000Z"),
            ],
        ),
        (400, "/conversation".into(), vec![members, ("limit", "51")]),
        (
            400,
            "/conversation".into(),
            vec![members, ("limit", "20"), ("offset", "10")],
        ),
        (
            400,
            "/conversation".into(),
            vec![members, ("reference_id", "123")],
        ),
        (404, "/conversation/0000000000".into(), vec![members]),
    ];
    for (expected, path, query) in &gets {
        let (status, body) = session.get(path, query).await;
        assert_eq!(status, *expected, "{path} {query:?}: {body}");
        assert_error_body(&error, &body);
    }
    let sends = [
        json!({"conversationId": conversation, "messageText": "x"}), // expired token (fault)
        json!({"messageText": "nobody to send to"}),
        json!({"conversationId": conversation, "messageText": "x".repeat(2001)}),
        json!({"conversationId": conversation, "messageText": ""}),
        json!({"conversationId": "0000000000", "messageText": "x"}),
        json!({"conversationId": conversation, "messageText": "x", "messageMedia": [{"mediaName": "a", "mediaType": "VIDEO", "mediaUrl": "https://x/a"}]}),
        json!({"conversationId": conversation, "messageText": "x", "messageMedia": [{"mediaName": "a", "mediaType": "IMAGE", "mediaUrl": "http://x/a"}]}),
        json!({"otherPartyUsername": "new_buyer", "messageText": "x", "reference": {"referenceId": "12", "referenceType": "ORDER"}}),
    ];
    for (i, body) in sends.iter().enumerate() {
        let (status, answer) = session
            .call(reqwest::Method::POST, "/send_message", &[], Some(body))
            .await;
        assert_eq!(status, if i == 0 { 401 } else { 400 }, "{body}: {answer}");
        assert_error_body(&error, &answer);
    }
    session.token = "v^1.1#forged".into();
    let (status, body) = session.get("/conversation", &[members]).await;
    assert_eq!(status, 401);
    assert_error_body(&error, &body);
    assert_eq!(session.sandbox.sent().len(), 0);
}

#[test]
fn the_strict_fulfillment_and_feedback_schemas_catch_a_misspelt_field() {
    let order = Model::openapi(FULFILLMENT, "Order");
    assert!(order.is_valid(&json!({"orderId": "1", "lastModifiedDate": "x"})));
    assert!(!order.is_valid(&json!({"orderId": "1", "lastModifiedTime": "x"})));
    let entry = Model::openapi(FEEDBACK, "FeedbackDetail");
    assert!(entry.is_valid(&json!({"feedbackId": "1", "commentType": "NEGATIVE"})));
    assert!(!entry.is_valid(&json!({"feedbackId": "1", "rating": "NEGATIVE"})));
}

#[tokio::test]
async fn order_pages_validate_and_every_order_maps_to_a_domain_order() {
    let session = Session::start(EbayConfig::default()).await;
    let api = session.sandbox.fulfillment_api_url();
    let page_model = Model::openapi(FULFILLMENT, "OrderSearchPagedCollection");
    let order_model = Model::openapi(FULFILLMENT, "Order");
    let fulfillments_model = Model::openapi(FULFILLMENT, "ShippingFulfillmentPagedCollection");
    let account = AccountId::parse("acct_ebay").unwrap();
    let expected = session.sandbox.orders().len();
    assert_eq!(expected, 12 + 8, "one order per conversation and 8 more");
    let (mut offset, mut seen, mut shipped) = (0, 0, 0);
    loop {
        let offset_text = offset.to_string();
        let query = [
            ("filter", "lastmodifieddate:[2026-01-01T00:00:00.000Z..]"),
            ("limit", "7"),
            ("offset", offset_text.as_str()),
        ];
        let (status, body) = session.get_at(&api, "/order", &query).await;
        assert_eq!(status, 200, "{body}");
        page_model.assert_valid(&body);
        let page: OrderSearchPagedCollection = serde_json::from_value(body).unwrap();
        assert_eq!(page.total, Some(expected as u32));
        for order in &page.orders {
            let path = format!("/order/{}", order.order_id);
            let (status, single) = session.get_at(&api, &path, &[]).await;
            assert_eq!(status, 200, "{single}");
            order_model.assert_valid(&single);
            assert_eq!(&serde_json::from_value::<Order>(single).unwrap(), order);
            let (status, list) = session
                .get_at(&api, &format!("{path}/shipping_fulfillment"), &[])
                .await;
            assert_eq!(status, 200, "{list}");
            fulfillments_model.assert_valid(&list);
            let list: ShippingFulfillmentPagedCollection = serde_json::from_value(list).unwrap();
            assert_eq!(list.fulfillments.len(), order.fulfillment_hrefs.len());
            let mapped = to_domain_order(order, &list.fulfillments, &account, "EBAY_US").unwrap();
            assert_eq!(mapped.channel, Channel::Ebay);
            assert!(mapped.total.is_some() && !mapped.items.is_empty());
            assert!(
                mapped
                    .buyer_identities
                    .iter()
                    .any(|i| i.kind == IdentityKind::EbayUser)
            );
            assert_eq!(mapped.shipments.len(), list.fulfillments.len());
            shipped += mapped.shipments.len();
        }
        seen += page.orders.len();
        if page.next.is_none() {
            break;
        }
        offset += 7;
    }
    assert_eq!(seen, expected);
    assert!(shipped > 0, "some seeded orders are shipped");
}

#[tokio::test]
async fn feedback_pages_validate_and_the_client_reads_them() {
    let session = Session::start(EbayConfig {
        conversations: 90,
        ..EbayConfig::default()
    })
    .await;
    let api = session.sandbox.feedback_api_url();
    let model = Model::openapi(FEEDBACK, "GetFeedbackResponse");
    let seller = session.sandbox.config().seller_username.clone();
    let all = session.sandbox.feedback().len();
    assert!(all > 25, "enough seeded feedback for two pages: {all}");
    let mut seen = 0;
    let mut offset = 0;
    loop {
        let offset_text = offset.to_string();
        let query = [
            ("user_id", seller.as_str()),
            ("feedback_type", "FEEDBACK_RECEIVED"),
            ("filter", "role:BUYER,period:365"),
            ("sort", "TIME"),
            ("limit", "25"),
            ("offset", offset_text.as_str()),
        ];
        let (status, body) = session.get_at(&api, "/feedback", &query).await;
        assert_eq!(status, 200, "{body}");
        model.assert_valid(&body);
        let page: GetFeedbackResponse = serde_json::from_value(body).unwrap();
        assert!(page.feedback_entries.iter().all(|f| {
            f.feedback_entered_date.is_some()
                && f.order_line_item_summary
                    .as_ref()
                    .is_some_and(|s| s.order_line_item_id.is_some())
        }));
        seen += page.feedback_entries.len();
        if page.pagination.and_then(|p| p.next).is_none() {
            break;
        }
        offset += 25;
    }
    assert_eq!(seen, all);
    let (status, negative) = session
        .get_at(
            &api,
            "/feedback",
            &[
                ("user_id", seller.as_str()),
                ("feedback_type", "FEEDBACK_RECEIVED"),
                ("filter", "commentType:NEGATIVE"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    model.assert_valid(&negative);
    let negative: GetFeedbackResponse = serde_json::from_value(negative).unwrap();
    assert!(!negative.feedback_entries.is_empty());
    assert!(
        negative
            .feedback_entries
            .iter()
            .all(|f| f.comment_type.as_deref() == Some("NEGATIVE"))
    );
}

#[tokio::test]
async fn every_fulfillment_and_feedback_error_is_a_list_of_model_errors() {
    let session = Session::start(EbayConfig::default()).await;
    let fulfillment_error = Model::openapi(FULFILLMENT, "Error");
    let feedback_error = Model::openapi(FEEDBACK, "Error");
    let orders = session.sandbox.fulfillment_api_url();
    let feedback = session.sandbox.feedback_api_url();
    let faults = session.sandbox.faults();
    faults.push(
        GET_ORDERS_ROUTE,
        Fault::Throttle {
            retry_after: Some(3),
        },
    );
    faults.push(GET_ORDER_ROUTE, Fault::ServerError(500));
    faults.push(GET_SHIPPING_FULFILLMENTS_ROUTE, Fault::ExpiredToken);
    faults.push(GET_FEEDBACK_ROUTE, Fault::ServerError(503));
    let seller = session.sandbox.config().seller_username.clone();
    let order_id = session.sandbox.orders()[0]["orderId"]
        .as_str()
        .unwrap()
        .to_owned();
    type Query<'a> = Vec<(&'a str, &'a str)>;
    let filter = |f| vec![("filter", f)];
    let order_gets: Vec<(u16, String, Query)> = vec![
        (429, "/order".into(), vec![]),
        (500, format!("/order/{order_id}"), vec![]),
        (
            401,
            format!("/order/{order_id}/shipping_fulfillment"),
            vec![],
        ),
        (
            400,
            "/order".into(),
            filter("modifieddate:[2026-01-01T00:00:00.000Z..]"),
        ),
        (400, "/order".into(), filter("lastmodifieddate:2026-01-01")),
        (
            400,
            "/order".into(),
            filter("lastmodifieddate:[..2026-01-01T00:00:00.000Z]"),
        ),
        (
            400,
            "/order".into(),
            filter("lastmodifieddate:[yesterday..]"),
        ),
        (
            400,
            "/order".into(),
            filter("creationdate:[2026-02-01T00:00:00.000Z..2026-01-01T00:00:00.000Z]"),
        ),
        (
            400,
            "/order".into(),
            filter("orderfulfillmentstatus:{LOST}"),
        ),
        (400, "/order".into(), vec![("limit", "201")]),
        (400, "/order".into(), vec![("offset", "-1")]),
        (404, "/order/99-99999-99999".into(), vec![]),
        (400, "/order/bad!id".into(), vec![]),
        (
            400,
            "/order/99-99999-99999/shipping_fulfillment".into(),
            vec![],
        ),
    ];
    for (expected, path, query) in &order_gets {
        let (status, body) = session.get_at(&orders, path, query).await;
        assert_eq!(status, *expected, "{path} {query:?}: {body}");
        assert_error_body(&fulfillment_error, &body);
    }
    let received = [
        ("user_id", seller.as_str()),
        ("feedback_type", "FEEDBACK_RECEIVED"),
    ];
    let with = |extra: (&'static str, &'static str)| {
        let mut q = received.to_vec();
        q.push(extra);
        q
    };
    let feedback_gets: Vec<(u16, Query)> = vec![
        (503, received.to_vec()),
        (400, vec![("feedback_type", "FEEDBACK_RECEIVED")]),
        (400, vec![("user_id", seller.as_str())]),
        (400, with(("filter", "commentType:ANGRY"))),
        (400, with(("filter", "period:14"))),
        (400, with(("filter", "role:ADMIN"))),
        (400, with(("sort", "OLDEST"))),
        (400, with(("limit", "10"))),
    ];
    for (expected, query) in &feedback_gets {
        let (status, body) = session.get_at(&feedback, "/feedback", query).await;
        assert_eq!(status, *expected, "{query:?}: {body}");
        assert_error_body(&feedback_error, &body);
    }
}
