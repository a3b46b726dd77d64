//! The inbox API behind API Gateway: build dependencies once, serve the router.

use marketdesk::adapters::sqs::SqsOutboundQueue;
use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::Settings;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let config = aws::load_config().await;
    let store = DynamoStore::from_config(&config, &settings.table);
    let queue_url = settings
        .outbound_queue_url
        .ok_or("MARKETDESK_OUTBOUND_QUEUE_URL is not set")?;
    let outbound = SqsOutboundQueue::new(aws_sdk_sqs::Client::new(&config), queue_url);
    lambda_http::run(api::app(api::AppState::deployed(store, outbound))).await
}
