//! DynamoDB requests (and time) per API operation with 1 000 and 100 000 tickets in the tenant:
//! an inbox page, a ticket view and a reply, driven through the router as the Lambda serves it.
//!
//! The tenant is seeded with BatchWriteItem straight into the emulator: one fully recorded open
//! ticket (messages, events) is copied as ticket items under new ids, most of them resolved.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures::StreamExt;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId, Ticket, TicketId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::TicketStore;
use marketdesk_devstack::emulator::sdk_config_for;
use marketdesk_devstack::testing::{emulator, fresh_table};
use marketdesk_tests::{at, first_inbound, new_ticket};
use tower::ServiceExt;

const SECRET: &[u8] = b"bench-secret";
/// Share of the seeded tickets still open (the rest resolved).
const OPEN_EVERY: usize = 20;

pub struct Row {
    pub tickets: usize,
    pub seed_time: Duration,
    pub inbox: (u64, Duration),
    pub view: (u64, Duration),
    pub reply: (u64, Duration),
    pub open: usize,
}

type Item = std::collections::HashMap<String, AttributeValue>;

/// Replaces `from` by `to` in every string of `value`.
fn rewrite(value: &AttributeValue, from: &str, to: &str) -> AttributeValue {
    match value {
        AttributeValue::S(s) => AttributeValue::S(s.replace(from, to)),
        AttributeValue::M(m) => AttributeValue::M(
            m.iter()
                .map(|(k, v)| (k.clone(), rewrite(v, from, to)))
                .collect(),
        ),
        AttributeValue::L(l) => AttributeValue::L(l.iter().map(|v| rewrite(v, from, to)).collect()),
        other => other.clone(),
    }
}

/// The ticket item of `template` under `id`, resolved unless `open`.
fn copy(template: &Item, from: &TicketId, id: &TicketId, open: bool) -> Item {
    let mut item: Item = template
        .iter()
        .map(|(k, v)| (k.clone(), rewrite(v, from.as_str(), id.as_str())))
        .collect();
    if !open {
        for (key, value) in item.iter_mut() {
            if let AttributeValue::S(s) = value {
                if key == "GSI1PK" {
                    *s = s.replace("#Q#open", "#Q#resolved");
                } else if key == "status" && s == "open" {
                    *s = "resolved".into();
                }
            }
        }
    }
    item
}

async fn seed(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    template: &Item,
    from: &Ticket,
    count: usize,
) -> usize {
    let base = at("2026-11-01T00:00:00Z");
    let items: Vec<(Item, bool)> = (0..count)
        .map(|n| {
            let id = TicketId::generate(base + chrono::Duration::seconds(n as i64));
            let open = n % OPEN_EVERY == 0;
            (copy(template, &from.id, &id, open), open)
        })
        .collect();
    let open = items.iter().filter(|(_, open)| *open).count();
    let batches: Vec<Vec<WriteRequest>> = items
        .chunks(25)
        .map(|chunk| {
            chunk
                .iter()
                .map(|(item, _)| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(item.clone()))
                                .build()
                                .expect("item"),
                        )
                        .build()
                })
                .collect()
        })
        .collect();
    futures::stream::iter(batches)
        .map(|batch| {
            let client = client.clone();
            async move {
                let written = client
                    .batch_write_item()
                    .request_items(table, batch)
                    .send()
                    .await
                    .expect("seeded");
                assert!(
                    written.unprocessed_items().is_none_or(|u| u.is_empty()),
                    "all items written"
                );
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    open
}

async fn call(
    app: &axum::Router,
    method: Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// Requests and median time of `rounds` runs of one operation.
async fn measure<F, Fut>(
    requests: &marketdesk::adapters::dynamo::RequestCounter,
    rounds: usize,
    mut op: F,
) -> (u64, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut counts = Vec::new();
    let mut times = Vec::new();
    for round in 0..rounds {
        requests.take();
        let started = Instant::now();
        op(round).await;
        times.push(started.elapsed());
        counts.push(requests.take());
    }
    times.sort();
    (
        counts.into_iter().max().unwrap_or_default(),
        times[times.len() / 2],
    )
}

pub async fn run(tenant: &TenantId, tickets: usize) -> Row {
    let table = fresh_table().await;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config_for(&emulator().endpoint()).await);
    let template = new_ticket(tenant, at("2026-11-20T10:00:00Z"));
    table
        .store
        .record_inbound(&first_inbound(&template, "<bench@relay>"))
        .await
        .expect("template ticket");
    let meta = client
        .get_item()
        .table_name(&table.name)
        .key(
            "PK",
            AttributeValue::S(format!("T#{tenant}#TKT#{}", template.id)),
        )
        .key("SK", AttributeValue::S("A#META".into()))
        .send()
        .await
        .expect("template read")
        .item
        .expect("the ticket item");

    let started = Instant::now();
    let open = seed(&client, &table.name, &meta, &template, tickets - 1).await + 1;
    let seed_time = started.elapsed();

    let queue = Arc::new(MemoryOutboundQueue::default());
    let app = api::app(api::AppState::local(
        table.store.clone(),
        queue,
        DevTokens::new(SECRET),
    ));
    let token = DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("anna").expect("valid"),
        Role::Agent,
        4_102_444_800,
    );

    let inbox = measure(&table.requests, 20, |_| {
        let (app, token) = (&app, &token);
        async move {
            let (status, body) = call(app, Method::GET, "/v1/tickets?limit=50", token, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(
                body["items"].as_array().map(Vec::len),
                Some(50),
                "a full page"
            );
        }
    })
    .await;
    let view_path = format!("/v1/tickets/{}", template.id);
    let view = measure(&table.requests, 20, |_| {
        let (app, token, path) = (&app, &token, &view_path);
        async move {
            let (status, body) = call(app, Method::GET, path, token, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    })
    .await;
    let reply_path = format!("/v1/tickets/{}/replies", template.id);
    let reply = measure(&table.requests, 3, |round| {
        let (app, token, path) = (&app, &token, &reply_path);
        async move {
            let body = serde_json::json!({
                "body": "Buongiorno, il pacco è partito ieri ed è in viaggio con BRT. Cordiali saluti.",
                "expected_version": round + 1,
            });
            let (status, answer) = call(app, Method::POST, path, token, Some(body)).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        }
    })
    .await;
    Row {
        tickets,
        seed_time,
        inbox,
        view,
        reply,
        open,
    }
}
