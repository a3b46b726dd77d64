//! Polls one channel account; started by the account's EventBridge Scheduler schedule.

use lambda_runtime::{LambdaEvent, service_fn};
use marketdesk::adapters::{aws, dynamo::DynamoStore};
use marketdesk::config::Settings;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let store = DynamoStore::from_config(&aws::load_config().await, &settings.table);
    let store = &store;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<poller::PollRequest>| async move {
            poller::handle(store, event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
}
