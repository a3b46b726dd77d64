//! The smallest Rust Lambda function: the baseline that cold-start budgets are a ratio of.

use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<serde_json::Value>| async move {
            Ok::<_, lambda_runtime::Error>(event.payload)
        },
    ))
    .await
}
