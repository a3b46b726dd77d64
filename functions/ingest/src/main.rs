//! The ingest worker behind the ingest queue: build dependencies once, run.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use marketdesk::adapters::scheduler::{EventBridgeScheduler, ScheduleTarget};
use marketdesk::adapters::secrets::SecretsManager;
use marketdesk::adapters::sqs::SqsOutboundQueue;
use marketdesk::adapters::{aws, dynamo::DynamoStore, s3::S3MailBlobs};
use marketdesk::config::Settings;
use marketdesk::connectors::HttpConfig;
use marketdesk::connectors::accounts::{Endpoints, LiveContext};
use marketdesk::ingest::Ingestor;
use marketdesk::review_requests::service::ReviewPlanner;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = aws::load_config().await;
    let live = LiveContext::from_settings(
        SecretsManager::from_config(&config),
        &settings,
        Endpoints::from_lookup(|k| std::env::var(k).ok()),
        HttpConfig::default(),
    )
    .await?;
    let store = DynamoStore::from_config(&config, &settings.table);
    let scheduler = EventBridgeScheduler::new(
        aws_sdk_scheduler::Client::new(&config),
        ScheduleTarget::from_settings(&settings)?,
    );
    // Review requests of delivered Amazon orders: one schedule per order (decision 0022).
    let planner = ReviewPlanner::new(store.clone(), scheduler.clone());
    let mut ingestor = Ingestor::new(store, S3MailBlobs::from_config(&config), live, scheduler)
        .with_review_requests(std::sync::Arc::new(planner));
    // Automatic replies (ready drafts an account sends itself) go to the sender's queue.
    if let Some(url) = settings.outbound_queue_url.clone() {
        let sqs = SqsOutboundQueue::new(aws_sdk_sqs::Client::new(&config), url);
        ingestor = ingestor.with_outbound(std::sync::Arc::new(sqs));
    }
    let worker = &ingest::Worker::new(ingestor);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(worker.handle(event.payload).await)
    }))
    .await
}
