//! A tenant's own carrier credentials through the router on the emulator, with the real
//! Secrets Manager adapter: what storing, replacing and removing them leaves in the vault and
//! the table, what another function instance then tracks with, roles, ETags, validation and
//! tenants.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use marketdesk::adapters::scheduler::{EventBridgePollSchedules, PollTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::connectors::HttpConfig;
use marketdesk::connectors::accounts::{CarrierCredentials, ChannelClients, Endpoints};
use marketdesk::connectors::carrier_accounts::{TenantCarriers, TenantTrackers, carriers_ref};
use marketdesk::connectors::carriers::Carrier;
use marketdesk::domain::{AgentId, TenantId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::{AuditQuery, InsightStore, PageRequest};
use marketdesk_devstack::testing::{emulator, fresh_table, unique_prefix};
use marketdesk_sandboxes::carriers::CarriersSandbox;
use marketdesk_tests::tenant;
use serde_json::{Value, json};

const SECRET: &[u8] = b"carriers-test-secret";

fn token(tenant: &TenantId, role: Role) -> String {
    DevTokens::new(SECRET).mint(
        tenant,
        &AgentId::parse("alice").unwrap(),
        role,
        4_102_444_800,
    )
}

/// What a function instance builds: the deployment has a DHL key, tenants may add theirs.
fn trackers(secrets: SecretsManager, sandbox: &CarriersSandbox) -> TenantTrackers<SecretsManager> {
    let endpoints = Endpoints {
        aftership: Some(sandbox.base_url()),
        dhl: Some(sandbox.base_url()),
        fedex: Some(sandbox.base_url()),
        ..Endpoints::default()
    };
    let clients = Arc::new(ChannelClients::new(
        secrets,
        endpoints,
        HttpConfig::default(),
    ));
    let deployment: CarrierCredentials =
        serde_json::from_value(json!({"dhl_api_key": sandbox.config().dhl_api_key})).unwrap();
    TenantTrackers::new(clients, deployment)
}

#[tokio::test]
async fn an_admin_stores_replaces_and_removes_the_tenant_s_carrier_credentials() {
    let table = fresh_table().await;
    let config = emulator().sdk_config().await;
    let sandbox = CarriersSandbox::start().await.unwrap();
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
                    group: "unused".into(),
                    function_arn: "arn:aws:lambda:eu-south-1:123456789012:function:p".into(),
                    role_arn: "arn:aws:iam::123456789012:role/s".into(),
                },
            ),
        )
        .with_tracking(
            trackers(SecretsManager::from_config(&config), &sandbox),
            marketdesk::tracking::RefreshPolicy::default(),
        ),
    );
    // Tenants unique per test: secrets live in one emulator account shared by every test.
    let acme = tenant(&format!("acme{}", unique_prefix().replace('-', "")));
    let globex = tenant(&format!("globex{}", unique_prefix().replace('-', "")));
    let admin = token(&acme, Role::Admin);
    let call = |method: Method,
                token: String,
                if_match: Option<&'static str>,
                body: Option<Value>| {
        let app = app.clone();
        async move { common::request(&app, method, "/v1/admin/carriers", &token, if_match, body).await }
    };
    let key = sandbox.config().aftership_api_key.clone();

    // Nothing stored: the deployment's DHL only, no ETag.
    let before = call(Method::GET, admin.clone(), None, None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["own"]["aftership"], false);
    assert_eq!(before.body["deployment"]["dhl"], true);
    assert_eq!(before.body["state"], "ok");
    assert_eq!(before.etag, None);

    // Agents may not; bad input names its field and changes nothing.
    let agent = call(
        Method::PUT,
        token(&acme, Role::Agent),
        None,
        Some(json!({"aftership_api_key": key})),
    )
    .await;
    assert_eq!(agent.status, StatusCode::FORBIDDEN);
    for (body, status, field) in [
        (
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "aftership_api_key",
        ),
        (
            json!({"fedex": {"client_id": " ", "client_secret": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "fedex.client_id",
        ),
        (
            json!({"dhl_api_key": "a\u{0}b"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "dhl_api_key",
        ),
        (
            json!({"royal_mail": "k"}),
            StatusCode::BAD_REQUEST,
            "royal_mail",
        ),
        (
            json!({"ups": {"client_id": "a"}}),
            StatusCode::BAD_REQUEST,
            "client_secret",
        ),
    ] {
        let refused = call(Method::PUT, admin.clone(), None, Some(body.clone())).await;
        assert_eq!(refused.status, status, "{body}: {}", refused.text);
        assert!(
            refused.body["field"].as_str().unwrap_or("").contains(field),
            "{body}: {}",
            refused.text
        );
    }
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let stored = |tenant: TenantId| {
        let secrets = secrets.clone();
        async move {
            let out = secrets
                .get_secret_value()
                .secret_id(carriers_ref(&tenant).0)
                .send()
                .await
                .ok()?;
            serde_json::from_str::<Value>(out.secret_string()?).ok()
        }
    };
    assert_eq!(stored(acme.clone()).await, None);

    // Stored: in the vault only, never in the answer; another instance tracks with them.
    let put = call(
        Method::PUT,
        admin.clone(),
        None,
        Some(json!({"aftership_api_key": format!(" {key} ")})),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.etag.as_deref(), Some("\"v1\""));
    assert_eq!(put.body["own"]["aftership"], true);
    assert_eq!(put.body["updated_by"], "alice");
    assert!(!put.text.contains(&key));
    assert_eq!(
        stored(acme.clone()).await,
        Some(json!({"aftership_api_key": key}))
    );
    let elsewhere = trackers(SecretsManager::from_config(&config), &sandbox);
    let theirs = elsewhere.for_tenant(&acme).await;
    assert!(theirs.tracker.is_live(&Carrier::PosteItaliane));
    assert!(
        theirs.tracker.is_live(&Carrier::Dhl),
        "deployment's DHL kept"
    );
    assert!(matches!(theirs.own, TenantCarriers::Own(p) if p.aftership));
    let other = elsewhere.for_tenant(&globex).await;
    assert!(!other.tracker.is_live(&Carrier::PosteItaliane));
    assert_eq!(other.own, TenantCarriers::DeploymentOnly);
    let globex_view = call(Method::GET, token(&globex, Role::Admin), None, None).await;
    assert_eq!(globex_view.body["own"]["aftership"], false);

    // A replacement needs the ETag and replaces the whole set.
    let bare = call(
        Method::PUT,
        admin.clone(),
        None,
        Some(json!({"dhl_api_key": "own-dhl"})),
    )
    .await;
    assert_eq!(bare.status, StatusCode::PRECONDITION_REQUIRED);
    let stale = call(
        Method::PUT,
        admin.clone(),
        Some("\"v7\""),
        Some(json!({"dhl_api_key": "own-dhl"})),
    )
    .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["carriers"]["own"]["aftership"], true);
    let replaced = call(
        Method::PUT,
        admin.clone(),
        Some("\"v1\""),
        Some(json!({"fedex": {"client_id": "id-1", "client_secret": "s-1"}})),
    )
    .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(replaced.etag.as_deref(), Some("\"v2\""));
    assert_eq!(replaced.body["own"]["fedex"], true);
    assert_eq!(replaced.body["own"]["aftership"], false);
    assert_eq!(
        stored(acme.clone()).await,
        Some(json!({"fedex": {"client_id": "id-1", "client_secret": "s-1"}}))
    );

    // Removed: back to the deployment's; audited twice plus once, without the values.
    let unguarded = call(Method::DELETE, admin.clone(), None, None).await;
    assert_eq!(unguarded.status, StatusCode::PRECONDITION_REQUIRED);
    let removed = call(Method::DELETE, admin.clone(), Some("\"v2\""), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(stored(acme.clone()).await, None);
    let after = call(Method::GET, admin.clone(), None, None).await;
    assert_eq!(after.body["own"]["fedex"], false);
    assert_eq!(after.etag, None);
    let again = call(Method::DELETE, admin.clone(), Some("\"v2\""), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let fresh = trackers(SecretsManager::from_config(&config), &sandbox)
        .for_tenant(&acme)
        .await;
    assert_eq!(fresh.own, TenantCarriers::DeploymentOnly);

    let audit = table
        .store
        .audit_log(
            &acme,
            &AuditQuery {
                from: chrono::Utc::now() - chrono::Duration::hours(1),
                to: chrono::Utc::now() + chrono::Duration::hours(1),
                actor: None,
                action: None,
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "carriers.change").count(),
        2
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "carriers.delete").count(),
        1
    );
    let logged = serde_json::to_string(&audit.items).unwrap();
    assert!(
        !logged.contains(&key) && !logged.contains("s-1"),
        "{logged}"
    );
}
