//! Sends accepted replies through their channel: build dependencies once, run.

use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::ses::SesMailTransport;
use marketdesk::adapters::sqs::SqsOutboundQueue;
use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::{ConfigError, Settings};
use marketdesk::connectors::accounts::{ChannelClients, Endpoints};
use marketdesk::connectors::{HttpConfig, Secret, slack::SlackWebhook};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let env = |name: &str| std::env::var(name).ok();
    let settings = Settings::from_env()?;
    let config = aws::load_config().await;
    let http = HttpConfig::default();
    let webhook = env("MARKETDESK_SLACK_WEBHOOK_URL")
        .filter(|v| !v.trim().is_empty())
        .ok_or(ConfigError::Missing("MARKETDESK_SLACK_WEBHOOK_URL"))?;
    let sender = &sender::Sender {
        store: DynamoStore::from_config(&config, &settings.table),
        mail: SesMailTransport::from_config(&config)
            .with_configuration_set(env("MARKETDESK_SES_CONFIGURATION_SET")),
        channels: ChannelClients::new(
            SecretsManager::from_config(&config),
            Endpoints::from_lookup(env),
            http,
        ),
        scheduler: EventBridgeScheduler::new(
            aws_sdk_scheduler::Client::new(&config),
            ScheduleTarget::from_settings(&settings)?,
        ),
        notifier: SlackWebhook::lazy("replies", Secret::new(webhook), http),
        config: Default::default(),
        frontend_url: settings.frontend_url.clone(),
        lease: sender::settings::lease_from(env)?,
        outbound: Arc::new(SqsOutboundQueue::new(
            aws_sdk_sqs::Client::new(&config),
            settings
                .outbound_queue_url
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_OUTBOUND_QUEUE_URL"))?,
        )),
    };
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<sender::Invocation>| async move {
            sender
                .handle(event.payload, chrono::Utc::now())
                .await
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
}
