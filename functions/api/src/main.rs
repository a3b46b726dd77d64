//! The inbox API behind API Gateway: build dependencies once, serve the router.

use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::Settings;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let store = DynamoStore::from_config(&aws::load_config().await, &settings.table);
    lambda_http::run(api::app(api::AppState::deployed(store))).await
}
