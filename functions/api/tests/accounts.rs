//! Channel accounts through the router on the emulator, with the real Secrets Manager and
//! EventBridge Scheduler adapters: what connecting, changing and removing an account leaves in
//! the secret store, the scheduler and the table; roles, tenants, ETags and validation.

mod common;

use axum::http::{Method, StatusCode};
use common::Answer;
use marketdesk::accounts::schedule_name;
use marketdesk::adapters::scheduler::{EventBridgePollSchedules, PollTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AccountId, AgentId, SellerId, TenantId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::{AccountStore, AuditQuery, InsightStore, PageRequest};
use marketdesk_devstack::testing::{TestTable, emulator, fresh_table, unique_prefix};
use marketdesk_tests::tenant;
use serde_json::{Value, json};

const SECRET: &[u8] = b"accounts-test-secret";
const POLLER_ARN: &str = "arn:aws:lambda:eu-south-1:123456789012:function:marketdesk-poller";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/marketdesk-scheduler";

fn token(tenant: &TenantId, role: Role) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        role,
        4_102_444_800,
    )
}

struct Fixture {
    app: axum::Router,
    table: TestTable,
    secrets: aws_sdk_secretsmanager::Client,
    scheduler: aws_sdk_scheduler::Client,
    group: String,
    acme: TenantId,
    admin: String,
    agent: String,
    other_admin: String,
}

async fn fixture() -> Fixture {
    let table = fresh_table().await;
    let config = emulator().sdk_config().await;
    let group = format!("{}-schedules", unique_prefix());
    let scheduler = aws_sdk_scheduler::Client::new(&config);
    scheduler
        .create_schedule_group()
        .name(&group)
        .send()
        .await
        .unwrap();
    let app = api::app(
        api::AppState::local(
            table.store.clone(),
            MemoryOutboundQueue::default(),
            DevTokens::new(SECRET),
        )
        .with_accounts(
            SecretsManager::from_config(&config),
            EventBridgePollSchedules::from_config(
                &config,
                PollTarget {
                    group: group.clone(),
                    function_arn: POLLER_ARN.into(),
                    role_arn: ROLE_ARN.into(),
                },
            ),
        ),
    );
    // Tenants unique per test: secrets live in one emulator account shared by every test.
    let acme = tenant(&format!("acme{}", unique_prefix().replace('-', "")));
    let globex = tenant(&format!("globex{}", unique_prefix().replace('-', "")));
    Fixture {
        app,
        table,
        secrets: aws_sdk_secretsmanager::Client::new(&config),
        scheduler,
        group,
        admin: token(&acme, Role::Admin),
        agent: token(&acme, Role::Agent),
        other_admin: token(&globex, Role::Admin),
        acme,
    }
}

impl Fixture {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        common::request(&self.app, method, path, token, if_match, body).await
    }

    async fn create(&self, body: Value) -> Answer {
        self.send(
            Method::POST,
            "/v1/admin/accounts",
            &self.admin,
            None,
            Some(body),
        )
        .await
    }

    async fn secret(&self, account: &str) -> Option<Value> {
        let name = format!("marketdesk/{}/{account}", self.acme);
        let out = self
            .secrets
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .ok()?;
        serde_json::from_str(out.secret_string()?).ok()
    }

    /// The schedule's expression, target ARN and input, if it exists.
    async fn schedule(&self, account: &str) -> Option<(String, String, Value)> {
        let name = schedule_name(&self.acme, &AccountId::parse(account).unwrap());
        let out = self
            .scheduler
            .get_schedule()
            .group_name(&self.group)
            .name(name)
            .send()
            .await
            .ok()?;
        let target = out.target()?;
        Some((
            out.schedule_expression()?.to_string(),
            target.arn().to_string(),
            serde_json::from_str(target.input()?).unwrap(),
        ))
    }
}

/// A unique seller id per test: seller routes are global, outside every tenant.
fn seller() -> String {
    format!("A{}", unique_prefix().replace('-', "").to_uppercase())
}

fn amazon(seller: &str) -> Value {
    json!({
        "channel": "amazon",
        "marketplace": {"id": "APJ6JRA9NG5V4", "country": "IT", "language": "it"},
        "display_name": "Amazon.it",
        "seller_id": seller,
        "sender_address": "assistenza@negozio.example",
        "poll_interval_minutes": 5,
        "credentials": {"client_id": "amzn1.application-oa2-client.0123",
            "client_secret": "lwa-client-secret-1", "refresh_token": "Atzr|refresh-1"}
    })
}

fn ebay() -> Value {
    json!({
        "channel": "ebay",
        "marketplace": {"id": "EBAY_IT"},
        "display_name": "eBay Italia",
        "poll_interval_minutes": 15,
        "credentials": {"client_id": "Negozio-app-PRD", "client_secret": "ebay-secret-1",
            "refresh_token": "v^1.1#i^1#refresh", "seller_username": "negozio_it"}
    })
}

fn update(enabled: bool, minutes: u32) -> Value {
    json!({
        "display_name": "Amazon.it (main)",
        "sender_address": "assistenza@negozio.example",
        "poll_interval_minutes": minutes,
        "enabled": enabled
    })
}

#[tokio::test]
async fn connecting_an_account_stores_its_secret_and_its_poll_schedule_and_never_shows_them() {
    let f = fixture().await;
    let seller = seller();
    let created = f.create(amazon(&seller)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.etag.as_deref(), Some("\"v1\""));
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("acct_"));
    assert_eq!(created.location, Some(format!("/v1/admin/accounts/{id}")));
    assert_eq!(created.body["region"], "eu");
    assert_eq!(created.body["poll_schedule"], "rate(5 minutes)");
    assert!(
        !created.text.contains("lwa-client-secret-1"),
        "{}",
        created.text
    );
    assert!(created.body.get("credentials").is_none());

    let secret = f.secret(&id).await.expect("the secret exists");
    assert_eq!(secret["refresh_token"], "Atzr|refresh-1");
    assert_eq!(secret["client_secret"], "lwa-client-secret-1");

    let (expression, target, input) = f.schedule(&id).await.expect("the schedule exists");
    assert_eq!(expression, "rate(5 minutes)");
    assert_eq!(target, POLLER_ARN);
    assert_eq!(input, json!({"tenant": f.acme.as_str(), "account": id}));
    // The poller takes that input as its request.
    let _: poller::PollRequest = serde_json::from_value(input).unwrap();

    let read = f
        .send(
            Method::GET,
            &format!("/v1/admin/accounts/{id}"),
            &f.admin,
            None,
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["display_name"], "Amazon.it");
    assert!(!read.text.contains("Atzr"), "{}", read.text);
    let listed = f
        .send(Method::GET, "/v1/admin/accounts", &f.admin, None, None)
        .await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());

    // The table holds a reference, not the credentials; the seller routes to the account.
    let stored = f
        .table
        .store
        .account(&f.acme, &AccountId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.credentials.0, format!("marketdesk/{}/{id}", f.acme));
    let route = f
        .table
        .store
        .account_for_seller(&SellerId::parse(&seller).unwrap())
        .await
        .unwrap();
    assert_eq!(route, Some((f.acme.clone(), stored.id.clone())));

    let audit = f
        .table
        .store
        .audit_log(
            &f.acme,
            &AuditQuery {
                from: chrono::Utc::now() - chrono::Duration::hours(1),
                to: chrono::Utc::now() + chrono::Duration::hours(1),
                actor: None,
                action: Some("account.create".into()),
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1);
    assert_eq!(audit.items[0].target, id);
    assert!(
        !serde_json::to_string(&audit.items[0])
            .unwrap()
            .contains("Atzr")
    );
}

#[tokio::test]
async fn disabling_removes_the_schedule_enabling_recreates_it_and_the_interval_follows() {
    let f = fixture().await;
    let created = f.create(ebay()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/admin/accounts/{id}");
    assert_eq!(f.schedule(&id).await.unwrap().0, "rate(15 minutes)");

    let mut body = update(false, 15);
    body["display_name"] = json!("eBay Italia");
    body.as_object_mut().unwrap().remove("sender_address");
    let disabled = f
        .send(
            Method::PUT,
            &path,
            &f.admin,
            Some("\"v1\""),
            Some(body.clone()),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.etag.as_deref(), Some("\"v2\""));
    assert_eq!(disabled.body["enabled"], false);
    assert!(f.schedule(&id).await.is_none(), "disabled: no schedule");

    body["enabled"] = json!(true);
    body["poll_interval_minutes"] = json!(1);
    let enabled = f
        .send(Method::PUT, &path, &f.admin, Some("\"v2\""), Some(body))
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text);
    assert_eq!(f.schedule(&id).await.unwrap().0, "rate(1 minute)");
}

#[tokio::test]
async fn new_credentials_replace_the_secret_and_delete_removes_schedule_secret_and_account() {
    let f = fixture().await;
    let seller = SellerId::parse(seller()).unwrap();
    let created = f.create(amazon(seller.as_str())).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/admin/accounts/{id}");

    let mut body = update(true, 10);
    body["credentials"] = json!({"client_id": "amzn1.application-oa2-client.0123",
        "client_secret": "lwa-client-secret-2", "refresh_token": "Atzr|refresh-2"});
    let changed = f
        .send(Method::PUT, &path, &f.admin, Some("\"v1\""), Some(body))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        f.secret(&id).await.unwrap()["refresh_token"],
        "Atzr|refresh-2"
    );
    assert_eq!(f.schedule(&id).await.unwrap().0, "rate(10 minutes)");

    let stale = f
        .send(Method::DELETE, &path, &f.admin, Some("\"v1\""), None)
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["account"]["version"], 2);
    assert!(
        f.schedule(&id).await.is_some(),
        "a stale delete removes nothing"
    );

    let deleted = f
        .send(Method::DELETE, &path, &f.admin, Some("\"v2\""), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert!(f.schedule(&id).await.is_none());
    assert!(f.secret(&id).await.is_none());
    let route = f.table.store.account_for_seller(&seller).await.unwrap();
    assert_eq!(route, None, "the seller is free for another account");
    let gone = f.send(Method::GET, &path, &f.admin, None, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn agents_get_403_and_other_tenants_404_and_nothing_changes() {
    let f = fixture().await;
    let created = f.create(ebay()).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/admin/accounts/{id}");

    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(update(false, 5))),
        (Method::DELETE, None),
    ] {
        let agent = f
            .send(
                method.clone(),
                &path,
                &f.agent,
                Some("\"v1\""),
                body.clone(),
            )
            .await;
        assert_eq!(agent.status, StatusCode::FORBIDDEN, "{method}");
        let other = f
            .send(method.clone(), &path, &f.other_admin, Some("\"v1\""), body)
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{method}");
    }
    let agent_create = f
        .send(
            Method::POST,
            "/v1/admin/accounts",
            &f.agent,
            None,
            Some(ebay()),
        )
        .await;
    assert_eq!(agent_create.status, StatusCode::FORBIDDEN);
    let other_list = f
        .send(
            Method::GET,
            "/v1/admin/accounts",
            &f.other_admin,
            None,
            None,
        )
        .await;
    assert_eq!(other_list.body["items"], json!([]));
    assert!(f.schedule(&id).await.is_some());
    assert!(f.secret(&id).await.is_some());
}

#[tokio::test]
async fn a_change_needs_the_current_etag() {
    let f = fixture().await;
    let id = f.create(ebay()).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/admin/accounts/{id}");
    let mut body = update(true, 5);
    body.as_object_mut().unwrap().remove("sender_address");
    let missing = f
        .send(Method::PUT, &path, &f.admin, None, Some(body.clone()))
        .await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    let missing = f.send(Method::DELETE, &path, &f.admin, None, None).await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    let stale = f
        .send(Method::PUT, &path, &f.admin, Some("\"v7\""), Some(body))
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.etag.as_deref(), Some("\"v1\""));
    assert_eq!(stale.body["account"]["display_name"], "eBay Italia");
}

#[tokio::test]
async fn invalid_fields_are_named_and_nothing_is_provisioned() {
    let f = fixture().await;
    let seller = seller();
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut b = amazon(&seller);
                b["credentials"]
                    .as_object_mut()
                    .unwrap()
                    .remove("refresh_token");
                b
            },
            "credentials.refresh_token",
        ),
        (
            {
                let mut b = ebay();
                b["credentials"]
                    .as_object_mut()
                    .unwrap()
                    .remove("seller_username");
                b
            },
            "credentials.seller_username",
        ),
        (
            {
                let mut b = amazon(&seller);
                b["poll_interval_minutes"] = json!(61);
                b
            },
            "poll_interval_minutes",
        ),
        (
            {
                let mut b = amazon(&seller);
                b["poll_interval_minutes"] = json!(0);
                b
            },
            "poll_interval_minutes",
        ),
        (
            {
                let mut b = amazon(&seller);
                b["marketplace"]["id"] = json!("EBAY_IT");
                b
            },
            "marketplace.id",
        ),
        (
            {
                let mut b = amazon(&seller);
                b.as_object_mut().unwrap().remove("seller_id");
                b
            },
            "seller_id",
        ),
        (
            {
                let mut b = amazon(&seller);
                b["sender_address"] = json!("not an address");
                b
            },
            "sender_address",
        ),
        (
            json!({"channel": "shopify", "marketplace": {"id": "acme.myshopify.com"},
                "display_name": "Acme", "sender_address": "ciao@acme.example",
                "credentials": {"shop_domain": "other.myshopify.com", "access_token": "shpat_1"}}),
            "marketplace.id",
        ),
        (
            // Amazon wants every automatic reply reviewed before it is sent.
            {
                let mut b = amazon(&seller);
                b["auto_send_wismo"] = json!(true);
                b
            },
            "auto_send_wismo",
        ),
    ];
    for (body, field) in cases {
        let answer = f.create(body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            answer.text
        );
        assert_eq!(answer.body["field"], field, "{}", answer.text);
    }
    let unknown = f
        .create({
            let mut b = ebay();
            b["credentials"]["password"] = json!("x");
            b
        })
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    assert!(
        unknown.body["field"]
            .as_str()
            .unwrap()
            .starts_with("credentials"),
        "{}",
        unknown.text
    );
    assert!(f.table.store.accounts(&f.acme).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_seller_connected_by_another_tenant_is_a_conflict_and_saves_nothing() {
    let f = fixture().await;
    let seller = seller();
    let first = f
        .send(
            Method::POST,
            "/v1/admin/accounts",
            &f.other_admin,
            None,
            Some(amazon(&seller)),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let second = f.create(amazon(&seller)).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text);
    assert_eq!(second.body["field"], "seller_id");
    assert!(!second.text.contains(first.body["id"].as_str().unwrap()));
    assert!(f.table.store.accounts(&f.acme).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_reply_identity_is_set_on_connect_changed_by_an_update_and_validated() {
    let f = fixture().await;
    let mut body = ebay();
    body["reply_identity"] =
        json!({"seller_name": "  Casa Luce ", "signature": "Il team di Casa Luce"});
    let created = f.create(body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.body["reply_identity"],
        json!({"seller_name": "Casa Luce", "signature": "Il team di Casa Luce"})
    );
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/admin/accounts/{id}");

    let mut change = update(true, 15);
    change["display_name"] = json!("eBay Italia");
    change.as_object_mut().unwrap().remove("sender_address");
    change["reply_identity"] = json!({"seller_name": "Casa\u{0007}Luce"});
    let refused = f
        .send(
            Method::PUT,
            &path,
            &f.admin,
            Some("\"v1\""),
            Some(change.clone()),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("reply_identity.seller_name"),
        "{}",
        refused.text
    );

    change["reply_identity"] = json!({"seller_name": "Luce Store"});
    let changed = f
        .send(Method::PUT, &path, &f.admin, Some("\"v1\""), Some(change))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        changed.body["reply_identity"],
        json!({"seller_name": "Luce Store"})
    );
}

#[tokio::test]
async fn auto_send_is_off_by_default_and_an_ebay_account_can_turn_it_on_and_off() {
    let f = fixture().await;
    let created = f.create(ebay()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["auto_send_wismo"], json!(false));
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/admin/accounts/{id}");
    let mut change = update(true, 15);
    change.as_object_mut().unwrap().remove("sender_address");
    change["auto_send_wismo"] = json!(true);
    let on = f
        .send(
            Method::PUT,
            &path,
            &f.admin,
            Some("\"v1\""),
            Some(change.clone()),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    assert_eq!(on.body["auto_send_wismo"], json!(true));
    change.as_object_mut().unwrap().remove("auto_send_wismo");
    let off = f
        .send(Method::PUT, &path, &f.admin, Some("\"v2\""), Some(change))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.body["auto_send_wismo"], json!(false));
}
