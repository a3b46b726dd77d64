//! For tests: one emulator per test binary, a fresh table per test.

use std::sync::OnceLock;

use marketdesk::adapters::dynamo::{DynamoStore, RequestCounter};

use crate::emulator::{Emulator, sdk_config_for};
use crate::template::Resources;

static EMULATOR: OnceLock<Result<Emulator, String>> = OnceLock::new();

/// The emulator of this test binary, started on first use. Panics with the command that
/// installs it when it is missing.
pub fn emulator() -> &'static Emulator {
    match EMULATOR.get_or_init(|| Emulator::start().map_err(|e| e.to_string())) {
        Ok(emulator) => emulator,
        Err(message) => panic!("{message}"),
    }
}

/// A unique resource-name prefix for one test.
pub fn unique_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("t{}{nanos:x}{seq}", std::process::id())
}

/// A new table, created from the SAM template, and a store on it whose client counts requests.
pub struct TestTable {
    pub store: DynamoStore,
    pub requests: RequestCounter,
    pub name: String,
}

pub async fn fresh_table() -> TestTable {
    let config = sdk_config_for(&emulator().endpoint()).await;
    let name = format!("{}-table", unique_prefix());
    let client = aws_sdk_dynamodb::Client::new(&config);
    Resources::from_template()
        .expect("template parses")
        .create_table(&client, &name)
        .await
        .expect("table is created on the emulator");
    let requests = RequestCounter::default();
    let counted = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(requests.clone())
            .build(),
    );
    TestTable {
        store: DynamoStore::new(counted, &name),
        requests,
        name,
    }
}

/// Every resource of the template (table, queues, schedule group, mail bucket) under a fresh
/// prefix, with a request-counting store on the table.
pub struct TestStack {
    pub config: aws_config::SdkConfig,
    pub resources: crate::template::StackResources,
    pub store: DynamoStore,
    pub requests: RequestCounter,
}

pub async fn fresh_stack() -> TestStack {
    let config = sdk_config_for(&emulator().endpoint()).await;
    let resources = Resources::from_template()
        .expect("template parses")
        .create(&config, &unique_prefix())
        .await
        .expect("resources are created on the emulator");
    let requests = RequestCounter::default();
    let counted = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config)
            .interceptor(requests.clone())
            .build(),
    );
    TestStack {
        store: DynamoStore::new(counted, &resources.table),
        requests,
        resources,
        config,
    }
}
