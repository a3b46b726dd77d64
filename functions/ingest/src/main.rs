//! The ingest worker behind the ingest queue: build dependencies once, run.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use marketdesk::adapters::{aws, dynamo::DynamoStore, s3::S3MailBlobs};
use marketdesk::config::Settings;
use marketdesk::ingest::Ingestor;
use marketdesk::ingest::service::StoredContextOnly;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = aws::load_config().await;
    let ingestor = Ingestor::new(
        DynamoStore::from_config(&config, &settings.table),
        S3MailBlobs::from_config(&config),
        StoredContextOnly,
        (),
        marketdesk::sla::seed_policies(),
    );
    let worker = &ingest::Worker::new(ingestor);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(worker.handle(event.payload).await)
    }))
    .await
}
