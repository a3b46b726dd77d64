//! Automation rules through the router on the emulator: CRUD with roles, tenants, ETags and
//! validation, and the test endpoint that stores nothing.

mod common;

use axum::http::{Method, StatusCode};
use common::Answer;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};
use marketdesk::outbound::MemoryOutboundQueue;
use marketdesk::store::RuleStore;
use marketdesk_devstack::testing::{TestTable, fresh_table};
use marketdesk_tests::tenant;
use serde_json::{Value, json};

const SECRET: &[u8] = b"rules-test-secret";

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
    admin: String,
    agent: String,
    other_admin: String,
}

async fn fixture() -> Fixture {
    let table = fresh_table().await;
    let app = api::app(api::AppState::local(
        table.store.clone(),
        MemoryOutboundQueue::default(),
        DevTokens::new(SECRET),
    ));
    let (acme, globex) = (tenant("acme"), tenant("globex"));
    Fixture {
        app,
        table,
        admin: token(&acme, Role::Admin),
        agent: token(&acme, Role::Agent),
        other_admin: token(&globex, Role::Admin),
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

    async fn create(&self, rule: Value) -> Answer {
        self.send(Method::POST, "/v1/rules", &self.admin, None, Some(rule))
            .await
    }
}

fn damage_rule() -> Value {
    json!({
        "name": "Damaged goods to Giulia",
        "position": 10,
        "conditions": {"channels": ["amazon", "ebay"],
            "keywords": {"any_of": ["rotto", "danneggiato", "beschädigt"], "none_of": ["grazie"]}},
        "actions": {"add_tags": ["Damage"], "assign_to": "giulia",
            "suggest_template": "damaged_item"}
    })
}

fn sample(body: &str) -> Value {
    json!({"channel": "amazon", "subject": "Ordine 405-1234567-7654321", "body": body,
        "language": "it"})
}

#[tokio::test]
async fn an_admin_creates_a_rule_that_every_role_of_the_tenant_reads() {
    let f = fixture().await;
    let created = f.create(damage_rule()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.etag.as_deref(), Some("\"v1\""));
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("rule_"));
    assert_eq!(created.location, Some(format!("/v1/rules/{id}")));
    // Normalised on save.
    assert_eq!(created.body["actions"]["add_tags"], json!(["damage"]));
    assert_eq!(created.body["updated_by"], "alice");
    assert_eq!(created.body["enabled"], true);

    let read = f
        .send(
            Method::GET,
            &format!("/v1/rules/{id}"),
            &f.agent,
            None,
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.etag.as_deref(), Some("\"v1\""));
    assert_eq!(read.body, created.body);

    let mut second = damage_rule();
    second["name"] = "Runs first".into();
    second["position"] = 1.into();
    let second = f.create(second).await;
    let list = f.send(Method::GET, "/v1/rules", &f.agent, None, None).await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.body["id"].as_str().unwrap(), id.as_str()]);
}

#[tokio::test]
async fn agents_get_403_on_every_rule_write_and_nothing_changes() {
    let f = fixture().await;
    let created = f.create(damage_rule()).await;
    let path = format!("/v1/rules/{}", created.body["id"].as_str().unwrap());
    let answers = [
        f.send(
            Method::POST,
            "/v1/rules",
            &f.agent,
            None,
            Some(damage_rule()),
        )
        .await,
        f.send(
            Method::PUT,
            &path,
            &f.agent,
            Some("\"v1\""),
            Some(damage_rule()),
        )
        .await,
        f.send(Method::DELETE, &path, &f.agent, Some("\"v1\""), None)
            .await,
    ];
    for a in answers {
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(a.content_type, "application/problem+json");
    }
    let stored = f.table.store.rules(&tenant("acme")).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].version, 1);
}

#[tokio::test]
async fn another_tenant_gets_404_on_every_rule_route_and_sees_none_of_them() {
    let f = fixture().await;
    let created = f.create(damage_rule()).await;
    let id = created.body["id"].as_str().unwrap();
    let path = format!("/v1/rules/{id}");
    let answers = [
        f.send(Method::GET, &path, &f.other_admin, None, None).await,
        f.send(
            Method::PUT,
            &path,
            &f.other_admin,
            Some("\"v1\""),
            Some(damage_rule()),
        )
        .await,
        f.send(Method::DELETE, &path, &f.other_admin, Some("\"v1\""), None)
            .await,
        f.send(
            Method::POST,
            "/v1/rules/test",
            &f.other_admin,
            None,
            Some(json!({"rule_id": id, "message": sample("rotto")})),
        )
        .await,
    ];
    for a in answers {
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    }
    let list = f
        .send(Method::GET, "/v1/rules", &f.other_admin, None, None)
        .await;
    assert_eq!(list.body["items"], json!([]));
    let stored = f.table.store.rules(&tenant("acme")).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].version, 1);
}

#[tokio::test]
async fn writes_need_if_match_a_stale_one_is_412_and_a_current_one_wins() {
    let f = fixture().await;
    let created = f.create(damage_rule()).await;
    let path = format!("/v1/rules/{}", created.body["id"].as_str().unwrap());
    let mut changed = damage_rule();
    changed["enabled"] = false.into();

    let missing = f
        .send(Method::PUT, &path, &f.admin, None, Some(changed.clone()))
        .await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(missing.body["field"], "If-Match");
    let missing = f.send(Method::DELETE, &path, &f.admin, None, None).await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);

    let updated = f
        .send(
            Method::PUT,
            &path,
            &f.admin,
            Some("\"v1\""),
            Some(changed.clone()),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.etag.as_deref(), Some("\"v2\""));
    assert_eq!(updated.body["enabled"], false);

    let stale = f
        .send(
            Method::PUT,
            &path,
            &f.admin,
            Some("\"v1\""),
            Some(damage_rule()),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["rule"]["version"], 2);
    assert_eq!(stale.etag.as_deref(), Some("\"v2\""));
    let stale = f
        .send(Method::DELETE, &path, &f.admin, Some("\"v1\""), None)
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    let deleted = f
        .send(Method::DELETE, &path, &f.admin, Some("\"v2\""), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = f.send(Method::GET, &path, &f.admin, None, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_rules_are_refused_naming_the_field_and_nothing_is_stored() {
    let f = fixture().await;
    let cases = [
        (
            json!({"name": " "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"conditions": {}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "conditions",
        ),
        (
            json!({"actions": {}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "actions",
        ),
        (
            json!({"conditions": {"keywords": {"any_of": ["x".repeat(101)]}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "conditions.keywords.any_of[0]",
        ),
        (
            json!({"conditions": {"keywords": {"all_of": (0..201).map(|i| format!("w{i}")).collect::<Vec<_>>()}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "conditions.keywords.all_of",
        ),
        (
            json!({"conditions": {"channels": ["fax"]}}),
            StatusCode::BAD_REQUEST,
            "conditions.channels[0]",
        ),
        (
            json!({"actions": {"set_priority": "critical"}}),
            StatusCode::BAD_REQUEST,
            "actions.set_priority",
        ),
        (
            json!({"tenant": "globex"}),
            StatusCode::BAD_REQUEST,
            "tenant",
        ),
    ];
    for (patch, status, field) in cases {
        let mut rule = damage_rule();
        for (k, v) in patch.as_object().unwrap() {
            rule[k] = v.clone();
        }
        let answer = f.create(rule).await;
        assert_eq!(answer.status, status, "{field}: {}", answer.body);
        assert_eq!(answer.content_type, "application/problem+json");
        assert_eq!(answer.body["field"], field, "{}", answer.body);
    }
    let broken = f
        .send(Method::POST, "/v1/rules", &f.admin, None, Some(json!("{")))
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(
        f.table
            .store
            .rules(&tenant("acme"))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_test_endpoint_runs_a_draft_or_stored_rule_and_stores_nothing() {
    let f = fixture().await;
    let draft = f
        .send(
            Method::POST,
            "/v1/rules/test",
            &f.agent,
            None,
            Some(json!({"rule": damage_rule(), "message": sample("Il vaso è arrivato ROTTO")})),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    assert_eq!(draft.body["intent"], "damaged_or_defective");
    let outcome = &draft.body["outcome"];
    assert_eq!(outcome["tags_added"], json!(["damage"]));
    assert_eq!(outcome["assignee"], "giulia");
    assert_eq!(outcome["matched"][0]["actions"][0]["type"], "add_tags");
    assert!(
        f.table
            .store
            .rules(&tenant("acme"))
            .await
            .unwrap()
            .is_empty()
    );

    let thanks = f
        .send(
            Method::POST,
            "/v1/rules/test",
            &f.agent,
            None,
            Some(json!({"rule": damage_rule(), "message": sample("Era rotto ma ora va, grazie")})),
        )
        .await;
    assert_eq!(thanks.body["outcome"]["matched"], json!([]));

    let created = f.create(damage_rule()).await;
    let id = created.body["id"].as_str().unwrap();
    let stored = f
        .send(
            Method::POST,
            "/v1/rules/test",
            &f.agent,
            None,
            Some(json!({"rule_id": id, "message": sample("Pacco danneggiato")})),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(stored.body["outcome"]["matched"][0]["rule_id"], id);
    let all = f
        .send(
            Method::POST,
            "/v1/rules/test",
            &f.agent,
            None,
            Some(json!({"message": {"channel": "shopify", "body": "Pacco danneggiato"}})),
        )
        .await;
    assert_eq!(
        all.body["outcome"]["matched"],
        json!([]),
        "channel condition"
    );

    let invalid = f
        .send(
            Method::POST,
            "/v1/rules/test",
            &f.agent,
            None,
            Some(
                json!({"rule": {"name": "x", "conditions": {}, "actions": {"add_tags": ["x"]}},
                "message": sample("x")}),
            ),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.body["field"], "rule.conditions");
    let unknown = f
        .send(
            Method::POST,
            "/v1/rules/test",
            &f.agent,
            None,
            Some(json!({"rule_id": "rule_nope", "message": sample("x")})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rule_changes_are_in_the_audit_log_with_ids_and_versions_only() {
    let f = fixture().await;
    let created = f.create(damage_rule()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/rules/{id}");
    let mut changed = damage_rule();
    changed["name"] = json!("Damaged goods");
    let a = f
        .send(
            Method::PUT,
            &path,
            &f.admin,
            Some("\"v1\""),
            Some(changed.clone()),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    // A refused write leaves no entry.
    let a = f
        .send(Method::PUT, &path, &f.admin, Some("\"v1\""), Some(changed))
        .await;
    assert_eq!(a.status, StatusCode::PRECONDITION_FAILED);
    let a = f
        .send(Method::DELETE, &path, &f.admin, Some("\"v2\""), None)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);

    let a = f
        .send(
            Method::GET,
            "/v1/admin/audit?action=rule.change",
            &f.admin,
            None,
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let items = a.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|e| e["target"] == id.as_str() && e["actor"] == "alice")
    );
    let mut details: Vec<String> = items.iter().map(|e| e["detail"].to_string()).collect();
    details.sort();
    let mut expected: Vec<String> = [
        json!({"change": "created", "id": id, "version": 1}),
        json!({"change": "replaced", "id": id, "from_version": 1, "version": 2}),
        json!({"change": "deleted", "id": id, "version": 2}),
    ]
    .iter()
    .map(Value::to_string)
    .collect();
    expected.sort();
    assert_eq!(details, expected);
    // The other tenant's log does not show them.
    let a = f
        .send(Method::GET, "/v1/admin/audit", &f.other_admin, None, None)
        .await;
    assert_eq!(a.body["items"], json!([]));
}
