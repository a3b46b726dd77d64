//! Polls one channel account; started by the account's EventBridge Scheduler schedule.

use lambda_runtime::{LambdaEvent, service_fn};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::sqs::SqsEventSink;
use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::Settings;
use marketdesk::connectors::HttpConfig;
use marketdesk::connectors::accounts::{ChannelClients, Endpoints};
use marketdesk::polling::{PollSettings, Poller};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = aws::load_config().await;
    let queue = settings
        .ingest_queue_url
        .clone()
        .ok_or("MARKETDESK_INGEST_QUEUE_URL is not set")?;
    let function = &poller::PollerFunction {
        poller: Poller {
            store: DynamoStore::from_config(&config, &settings.table),
            sink: SqsEventSink::new(aws_sdk_sqs::Client::new(&config), queue),
            settings: PollSettings::default(),
        },
        clients: ChannelClients::new(
            SecretsManager::from_config(&config),
            Endpoints::from_lookup(|k| std::env::var(k).ok()),
            HttpConfig::default(),
        ),
    };
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<poller::PollRequest>| async move {
            let now = chrono::Utc::now();
            function
                .handle(event.payload, &event.context.request_id, now)
                .await
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
}
