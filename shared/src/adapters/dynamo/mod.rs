//! The DynamoDB adapter: every storage port on one table (DESIGN §3, docs/architecture.md).
//! Items go through `serde_dynamo`; key attributes are explicit and optional index attributes
//! are skipped when absent so the indexes stay sparse.

mod accounts;
mod claims;
mod config;
pub mod cursor;
mod customers;
mod feedback;
mod inbound;
mod items;
pub mod keys;
mod metrics;
mod ops;
pub mod orders;
mod outbound;
mod quarantine;
mod reports;
mod review_requests;
mod rules;
mod stats;
mod tickets;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

pub use metrics::RequestCounter;
pub use ops::audit_put;

use crate::domain::TenantId;
use crate::store::StoreError;

/// The single-table store.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }

    /// The store on a client built from the project's one AWS configuration.
    pub fn from_config(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(config), table)
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Maps an SDK failure to a backend error that names the operation and tenant.
fn backend<E, R>(tenant: &TenantId, operation: &'static str, err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Backend {
        tenant: tenant.clone(),
        operation,
        message: DisplayErrorContext(&err).to_string(),
    }
}
