//! `marketdesk quarantine`: what the running local stack's workers could not process — the
//! tenant's quarantine records with their reasons, and how many messages wait in each DLQ.

use clap::Args;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::domain::TenantId;
use marketdesk::store::{PageRequest, QuarantineStore};
use marketdesk_devstack::emulator::sdk_config_for;
use serde::{Deserialize, Serialize};

#[derive(Debug, Args)]
pub struct QuarantineArgs {
    #[arg(long, default_value = marketdesk_devstack::demo::DEMO_TENANT)]
    pub tenant: String,
    #[arg(long, default_value_t = 25)]
    pub limit: u32,
}

/// What `marketdesk dev` writes for the other commands: where its stack lives.
#[derive(Debug, Serialize, Deserialize)]
pub struct StackFile {
    pub emulator: String,
    pub table: String,
    /// Logical id → queue URL.
    pub queues: std::collections::BTreeMap<String, String>,
    /// The Slack sink's base URL (`marketdesk alerts` reads its `GET /posts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<String>,
}

pub fn stack_path() -> std::path::PathBuf {
    std::path::PathBuf::from(".devstack/stack.json")
}

pub async fn run(args: QuarantineArgs) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(stack_path())
        .map_err(|_| "no local stack is running here (start it with `make dev`)")?;
    let stack: StackFile = serde_json::from_str(&text)?;
    let config = sdk_config_for(&stack.emulator).await;
    let store = DynamoStore::from_config(&config, &stack.table);
    let tenant = TenantId::parse(args.tenant)?;
    let page = store
        .quarantined(&tenant, &PageRequest::first(args.limit))
        .await?;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut dlqs = serde_json::Map::new();
    for (id, url) in stack
        .queues
        .iter()
        .filter(|(id, _)| id.contains("DeadLetter"))
    {
        let out = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await?;
        let depth = out
            .attributes()
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            })
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        dlqs.insert(id.clone(), depth.into());
    }
    let report = serde_json::json!({
        "tenant": tenant,
        "quarantined": page.items,
        "dead_letter_queues": dlqs,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
