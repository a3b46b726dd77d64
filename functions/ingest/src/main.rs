//! Turns inbound events (poller source events, S3 raw-mail notifications) into tickets.
//! Builds its dependencies once and hands each SQS batch to the handler.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let handler = ingest::Handler::from_env().await?;
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(handler.handle(event.payload).await)
    }))
    .await
}
