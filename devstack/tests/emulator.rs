//! The emulator is as atomic as DynamoDB: concurrent conditional writes on one item have exactly
//! one winner. moto's own server lets several win (docs/decisions/0002); these tests fail on it.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use marketdesk_devstack::emulator::sdk_config_for;
use marketdesk_devstack::testing::{emulator, fresh_table};

const WRITERS: usize = 50;

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

async fn client() -> Client {
    Client::new(&sdk_config_for(&emulator().endpoint()).await)
}

fn put(table: &str, pk: &str, writer: usize, condition: Option<&str>) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .item("PK", s(pk))
        .item("SK", s("A#META"))
        .item("writer", AttributeValue::N(writer.to_string()));
    let put = match condition {
        Some(condition) => put.condition_expression(condition),
        None => put,
    };
    TransactWriteItem::builder()
        .put(put.build().unwrap())
        .build()
}

#[tokio::test]
async fn concurrent_conditional_transactions_on_one_item_have_exactly_one_winner() {
    let table = fresh_table().await.name;
    let client = client().await;
    // moto snapshots the whole table before a transaction and restores it when one fails: with
    // some items in the table the snapshot takes long enough for the race to show without a lock.
    seed(&client, &table, 1_000).await;
    // Each writer claims the same key and writes a record of its own in the same transaction,
    // the shape of the ingest worker's seen-record + ticket write.
    let attempts = (0..WRITERS).map(|writer| {
        let (client, table) = (client.clone(), table.clone());
        tokio::spawn(async move {
            client
                .transact_write_items()
                .transact_items(put(
                    &table,
                    "T#acme#SEEN#x",
                    writer,
                    Some("attribute_not_exists(PK)"),
                ))
                .transact_items(put(&table, &format!("T#acme#W#{writer}"), writer, None))
                .send()
                .await
                .map(|_| writer)
        })
    });
    let winners: Vec<usize> = futures_results(attempts).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");

    let items = client.scan().table_name(&table).send().await.unwrap();
    let writers: Vec<&str> = items
        .items()
        .iter()
        .filter_map(|item| item.get("PK")?.as_s().ok())
        .filter(|pk| pk.starts_with("T#acme#W#"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        writers,
        vec![format!("T#acme#W#{}", winners[0])],
        "the winner's write survives and a losing transaction wrote nothing"
    );
    let claim = client
        .get_item()
        .table_name(&table)
        .key("PK", s("T#acme#SEEN#x"))
        .key("SK", s("A#META"))
        .send()
        .await
        .unwrap();
    let claimed_by = claim
        .item()
        .and_then(|i| i.get("writer")?.as_n().ok().cloned());
    assert_eq!(claimed_by, Some(winners[0].to_string()));
}

#[tokio::test]
async fn concurrent_version_conditional_updates_have_exactly_one_winner() {
    let table = fresh_table().await.name;
    let client = client().await;
    client
        .put_item()
        .table_name(&table)
        .item("PK", s("T#acme#TKT#1"))
        .item("SK", s("A#META"))
        .item("version", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
    let attempts = (0..WRITERS).map(|writer| {
        let (client, table) = (client.clone(), table.clone());
        tokio::spawn(async move {
            client
                .update_item()
                .table_name(&table)
                .key("PK", s("T#acme#TKT#1"))
                .key("SK", s("A#META"))
                .update_expression("SET version = :next, writer = :writer")
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N("1".into()))
                .expression_attribute_values(":next", AttributeValue::N("2".into()))
                .expression_attribute_values(":writer", AttributeValue::N(writer.to_string()))
                .send()
                .await
                .map(|_| writer)
        })
    });
    let winners = futures_results(attempts).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
}

#[tokio::test]
async fn a_cancelled_transaction_leaves_every_item_it_touched_as_it_was() {
    use aws_sdk_dynamodb::types::Update;
    let table = fresh_table().await.name;
    let client = client().await;
    // The emulator rolls back from copies of the touched items (decision 0017): an existing
    // item overwritten, a counter added to and a new item must all be as before.
    for (pk, n) in [("T#acme#OLD", "1"), ("T#acme#AGG", "10")] {
        client
            .put_item()
            .table_name(&table)
            .item("PK", s(pk))
            .item("SK", s("A#META"))
            .item("n", AttributeValue::N(n.into()))
            .send()
            .await
            .unwrap();
    }
    let add = Update::builder()
        .table_name(&table)
        .key("PK", s("T#acme#AGG"))
        .key("SK", s("A#META"))
        .update_expression("ADD n :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .build()
        .unwrap();
    let result = client
        .transact_write_items()
        .transact_items(put(&table, "T#acme#NEW", 1, None))
        .transact_items(put(&table, "T#acme#OLD", 2, None))
        .transact_items(TransactWriteItem::builder().update(add).build())
        .transact_items(put(
            &table,
            "T#acme#SEEN#x",
            3,
            Some("attribute_exists(PK)"),
        ))
        .send()
        .await;
    assert!(result.is_err(), "the last condition fails");
    let get = |pk: &'static str| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            client
                .get_item()
                .table_name(&table)
                .key("PK", s(pk))
                .key("SK", s("A#META"))
                .send()
                .await
                .unwrap()
                .item
        }
    };
    assert!(get("T#acme#NEW").await.is_none(), "the new item is gone");
    let old = get("T#acme#OLD").await.unwrap();
    assert_eq!(
        old.get("n").and_then(|v| v.as_n().ok()),
        Some(&"1".to_string())
    );
    assert!(!old.contains_key("writer"), "the overwrite is undone");
    let agg = get("T#acme#AGG").await.unwrap();
    assert_eq!(
        agg.get("n").and_then(|v| v.as_n().ok()),
        Some(&"10".to_string())
    );
}

/// `count` unrelated items, 25 per BatchWriteItem.
async fn seed(client: &Client, table: &str, count: usize) {
    use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
    for chunk in (0..count).collect::<Vec<_>>().chunks(25) {
        let requests = chunk.iter().map(|n| {
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .item("PK", s(&format!("T#acme#FILL#{n}")))
                        .item("SK", s("A#META"))
                        .build()
                        .unwrap(),
                )
                .build()
        });
        client
            .batch_write_item()
            .request_items(table, requests.collect())
            .send()
            .await
            .unwrap();
    }
}

/// The writers whose request succeeded; every failure must be a condition failure.
async fn futures_results<E: std::fmt::Debug>(
    attempts: impl Iterator<Item = tokio::task::JoinHandle<Result<usize, E>>>,
) -> Vec<usize> {
    let mut winners = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt.await.unwrap() {
            Ok(writer) => winners.push(writer),
            Err(error) => {
                let text = format!("{error:?}");
                assert!(
                    text.contains("ConditionalCheckFailed") || text.contains("TransactionCanceled"),
                    "only condition failures: {text}"
                );
            }
        }
    }
    winners
}

/// The chaos run's throttling (`Emulator::set_write_throttle`): a throttled write is refused
/// the way DynamoDB refuses it, writes nothing, is counted, and writes go through again once it
/// is off. On an emulator of its own: the shared one serves the other tests meanwhile.
#[tokio::test]
async fn a_throttled_write_is_refused_as_dynamodb_refuses_it_and_writes_nothing() {
    let emulator = marketdesk_devstack::Emulator::start().unwrap();
    let config = emulator.sdk_config().await;
    let client = Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
            .build(),
    );
    marketdesk_devstack::Resources::from_template()
        .unwrap()
        .create_table(&client, "throttled")
        .await
        .unwrap();
    let write = || {
        client
            .put_item()
            .table_name("throttled")
            .item("PK", s("T#demo#TKT#1"))
            .item("SK", s("A#META"))
    };
    let read = || {
        client
            .get_item()
            .table_name("throttled")
            .key("PK", s("T#demo#TKT#1"))
            .key("SK", s("A#META"))
    };
    emulator.set_write_throttle(100.0, 1).await.unwrap();
    let refused = write().send().await.unwrap_err();
    assert!(
        refused
            .as_service_error()
            .is_some_and(|e| e.is_provisioned_throughput_exceeded_exception()),
        "{refused:?}"
    );
    assert!(read().send().await.unwrap().item().is_none());
    let (throttled, _) = emulator.set_write_throttle(0.0, 0).await.unwrap();
    assert_eq!(throttled, 1);
    write().send().await.unwrap();
    assert!(read().send().await.unwrap().item().is_some());
}
