//! Automation rules on the emulator: the store's contract (one Query, its own sort-key prefix
//! only, conditional writes) and a stored rule tagging and routing an ingested message.

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_dynamodb::types::AttributeValue;
use ingest::Worker;
use marketdesk::adapters::dynamo::{DynamoStore, keys};
use marketdesk::adapters::s3::S3MailBlobs;
use marketdesk::automation::{self, Rule, RuleSpec};
use marketdesk::domain::*;
use marketdesk::escalation::NoSchedules;
use marketdesk::ingest::service::StoredContextOnly;
use marketdesk::ingest::{Ingestor, MessageEvent, SourceEvent};
use marketdesk::store::*;
use marketdesk_devstack::demo::demo_accounts;
use marketdesk_devstack::testing::{fresh_stack, fresh_table};
use marketdesk_tests::{at, tenant};
use serde_json::json;

fn rule(tenant: &TenantId, id: &str, spec: serde_json::Value) -> Rule {
    let spec: RuleSpec = serde_json::from_value(spec).unwrap();
    Rule::from_spec(
        RuleId::parse(id).unwrap(),
        tenant.clone(),
        automation::validate(&spec).unwrap(),
        0,
        at("2026-11-01T00:00:00Z"),
        AgentId::parse("admin").unwrap(),
    )
}

fn damage_rule(tenant: &TenantId) -> Rule {
    rule(
        tenant,
        "rule_damage",
        json!({
            "name": "Damaged goods to Giulia",
            "conditions": {"channels": ["ebay"], "keywords": {"any_of": ["rotto", "danneggiato"]}},
            "actions": {"add_tags": ["damage"], "assign_to": "giulia",
                "suggest_template": "damaged_item"}
        }),
    )
}

#[tokio::test]
async fn rules_load_in_one_query_ignoring_other_items_of_the_config_partition() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    t.store
        .save_rule(&damage_rule(&acme), None, &[])
        .await
        .unwrap();
    // SLA policies and templates share the partition; a neighbour's oddly named item too.
    for sk in ["SLA#amazon", "TPL#wismo", "RULEZ"] {
        t.store
            .client()
            .put_item()
            .table_name(t.store.table())
            .item("PK", AttributeValue::S(keys::config_pk(&acme)))
            .item("SK", AttributeValue::S(sk.into()))
            .item("other", AttributeValue::S("shape".into()))
            .send()
            .await
            .unwrap();
    }
    t.requests.take();
    let rules = t.store.rules(&acme).await.unwrap();
    assert_eq!(t.requests.take(), 1, "one Query");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0], {
        let mut r = damage_rule(&acme);
        r.version = 1;
        r
    });
    assert!(t.store.rules(&tenant("globex")).await.unwrap().is_empty());
}

#[tokio::test]
async fn rule_writes_are_conditional_on_existence_and_version() {
    let t = fresh_table().await;
    let acme = tenant("acme");
    let id = RuleId::parse("rule_damage").unwrap();
    let stored = t
        .store
        .save_rule(&damage_rule(&acme), None, &[])
        .await
        .unwrap();
    assert_eq!(stored.version, 1);
    let again = t.store.save_rule(&damage_rule(&acme), None, &[]).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );

    let mut changed = stored.clone();
    changed.enabled = false;
    let v2 = t.store.save_rule(&changed, Some(1), &[]).await.unwrap();
    assert_eq!(v2.version, 2);
    let stale = t.store.save_rule(&changed, Some(1), &[]).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    let stale = t.store.delete_rule(&acme, &id, 1, &[]).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    assert_eq!(t.store.rule(&acme, &id).await.unwrap().unwrap(), v2);

    // Another tenant cannot delete it, whatever version it names.
    let other = t.store.delete_rule(&tenant("globex"), &id, 2, &[]).await;
    assert!(matches!(other, Err(StoreError::Conflict { .. })));
    t.store.delete_rule(&acme, &id, 2, &[]).await.unwrap();
    assert!(t.store.rule(&acme, &id).await.unwrap().is_none());
}

fn ebay_message(tenant: &TenantId, id: &str, sent: &str, body: &str) -> String {
    serde_json::to_string(&SourceEvent::Message(MessageEvent {
        tenant: tenant.clone(),
        account: AccountId::parse("acct_ebay_it").unwrap(),
        channel: Channel::Ebay,
        conversation: "conv-rules-1".into(),
        message_id: id.into(),
        direction: Direction::Inbound,
        counterparty: Some("mario_rossi_77".into()),
        subject: Some("Domanda sull'oggetto".into()),
        body: body.into(),
        sent_at: at(sent),
        attachments: vec![],
        listing: Some("204512345678".into()),
        order: None,
    }))
    .unwrap()
}

fn batch(id: &str, body: String) -> SqsEvent {
    serde_json::from_value(json!({ "Records": [{
        "messageId": id, "body": body, "eventSource": "aws:sqs",
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1763900000000"},
    }]}))
    .unwrap()
}

#[tokio::test]
async fn a_stored_rule_tags_assigns_and_suggests_a_draft_for_an_ingested_message_within_budget() {
    let stack = fresh_stack().await;
    let acme = tenant("acme");
    for account in demo_accounts(&acme, at("2026-11-01T00:00:00Z")) {
        stack.store.save_account(&account, None).await.unwrap();
    }
    stack
        .store
        .save_rule(&damage_rule(&acme), None, &[])
        .await
        .unwrap();
    let worker: Worker<DynamoStore, S3MailBlobs, StoredContextOnly, NoSchedules> =
        Worker::new(Ingestor::new(
            stack.store.clone(),
            S3MailBlobs::from_config(&stack.config),
            StoredContextOnly,
            NoSchedules,
        ))
        .sequential();

    let first = ebay_message(
        &acme,
        "m-1",
        "2026-11-20T10:00:00Z",
        "Buongiorno, la lampada è arrivata ROTTA e il vetro è danneggiato.",
    );
    let failures = worker.handle(batch("r1", first)).await.batch_item_failures;
    assert!(failures.is_empty());
    let giulia = AgentId::parse("giulia").unwrap();
    let queue = stack
        .store
        .queue(
            &acme,
            &TicketQueue::Agent(giulia.clone()),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1, "the ticket is in Giulia's queue");
    let ticket = &queue.items[0];
    assert!(ticket.tags.contains("damage"));
    assert_eq!(ticket.assignee.as_ref(), Some(&giulia));
    let draft = ticket.suggested_draft.as_ref().expect("a suggested draft");
    assert_eq!(draft.template, "damaged_item");
    let view = stack
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    let applied: Vec<_> = view
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            TicketEventKind::RuleApplied { rule_id, actions } => Some((rule_id, actions.len())),
            _ => None,
        })
        .collect();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].0.as_str(), "rule_damage");
    assert_eq!(applied[0].1, 3, "tag, assignment, draft");
    // Nothing was sent: the only message is the buyer's.
    assert_eq!(view.messages.len(), 1);

    // A follow-up on the warm worker: rules come from its cache, the budget holds, and the
    // rule (already done) records nothing new.
    stack.requests.take();
    let second = ebay_message(
        &acme,
        "m-2",
        "2026-11-20T11:00:00Z",
        "Il vetro è rotto, che faccio?",
    );
    assert!(
        worker
            .handle(batch("r2", second))
            .await
            .batch_item_failures
            .is_empty()
    );
    let requests = stack.requests.take();
    assert!(
        requests <= 3,
        "an ingested message costs at most 3 requests, took {requests}"
    );
    let view = stack
        .store
        .ticket_view(&acme, &ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.messages.len(), 2);
    let applied = view
        .events
        .iter()
        .filter(|e| matches!(e.kind, TicketEventKind::RuleApplied { .. }))
        .count();
    assert_eq!(applied, 1);
}
