//! Turns inbound events (poller source events, S3 raw-mail notifications) into tickets.
//!
//! Until the pipeline of its issue lands, the handler validates each record's JSON body and
//! reports the malformed ones as batch-item failures (so they reach the DLQ with their reason
//! in the log); well-formed records are acknowledged without further work.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk::adapters::{aws, dynamo::DynamoStore, lambda::for_each_record};
use marketdesk::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record {id} has no body")]
    NoBody { id: String },
    #[error("record {id} is not JSON: {reason}")]
    NotJson { id: String, reason: String },
}

pub struct Handler {
    pub store: DynamoStore,
}

impl Handler {
    pub async fn from_env() -> Result<Handler, marketdesk::config::ConfigError> {
        let settings = Settings::from_env()?;
        let store = DynamoStore::from_config(&aws::load_config().await, &settings.table);
        Ok(Handler { store })
    }

    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        for_each_record(event, |record| async move {
            let id = record.message_id.clone().unwrap_or_default();
            let body = record.body.ok_or_else(|| RecordError::NoBody { id: id.clone() })?;
            serde_json::from_str::<serde_json::Value>(&body)
                .map(|_| ())
                .map_err(|e| RecordError::NotJson { id, reason: e.to_string() })
        })
        .await
    }
}
