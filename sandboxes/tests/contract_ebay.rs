//! Contract: every Commerce Message body the sandbox sends, and every request body the client
//! sends, validates against the official model
//! (`shared/specs/ebay/commerce_message_v1_oas3.json`, undeclared properties forbidden), and the
//! client's types read the sandbox's bodies.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::Model;
use marketdesk::connectors::OutgoingReply;
use marketdesk::connectors::ebay::model::{
    ErrorResponse, GetAllMyConversationsResponse, GetMessagesByConversationIdResponse,
    SendMessageResponse,
};
use marketdesk::connectors::ebay::send_request;
use marketdesk::domain::Attachment;
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::ebay::{
    EbayConfig, EbaySandbox, GET_CONVERSATIONS_ROUTE, MESSAGE_SCOPE, SEND_MESSAGE_ROUTE,
};
use serde_json::{Value, json};

const SPEC: &str = "ebay/commerce_message_v1_oas3.json";

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
