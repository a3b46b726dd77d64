//! Ingestion: every buyer message from every channel becomes exactly one message in exactly one
//! ticket, with its customer, order and SLA deadlines.
//!
//! [`event`] reads what arrives on the ingest queue; [`inbound`] normalises a channel message or
//! a classified e-mail; [`plan`] is the pure step that threads, triages, reopens and computes
//! deadlines; [`service`] does the I/O around it through ports.

mod amazon_feedback;
mod claims;
pub mod event;
pub mod inbound;
pub mod plan;
pub mod service;
pub mod triage;

pub use amazon_feedback::AmazonFeedbackEvent;
pub use event::{
    FeedbackEvent, IngestInput, MailObject, MessageEvent, OrderEvent, SourceEvent, parse_body,
};
pub use inbound::{Inbound, Origin};
pub use plan::plan;
pub use service::{IngestOutcome, Ingestor};

use crate::connectors::ConnectorError;
use crate::store::StoreError;

/// Why one piece of ingest work failed. [`IngestError::is_permanent`] tells a payload that will
/// never succeed (quarantined with its reason) from a failure worth retrying.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("malformed event: {0}")]
    Malformed(String),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("unreadable e-mail: {0}")]
    Mail(String),
    #[error("no enabled channel account of the tenant takes {kind} mail")]
    NoAccount { kind: &'static str },
    #[error("unknown channel account {0}")]
    UnknownAccount(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the raw mail failed: {0}")]
    Blob(String),
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// Scheduling an order's review request failed (worth retrying).
    #[error("review request: {0}")]
    ReviewRequest(String),
}

impl IngestError {
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            IngestError::Malformed(_)
                | IngestError::Invalid { .. }
                | IngestError::Mail(_)
                | IngestError::NoAccount { .. }
                | IngestError::UnknownAccount(_)
        )
    }

    /// A short, stable reason for quarantine records and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            IngestError::Malformed(_) => "malformed",
            IngestError::Invalid { .. } => "invalid",
            IngestError::Mail(_) => "unreadable_mail",
            IngestError::NoAccount { .. } => "no_account",
            IngestError::UnknownAccount(_) => "unknown_account",
            IngestError::Store(_) => "store",
            IngestError::Blob(_) => "blob",
            IngestError::Connector(_) => "connector",
            IngestError::ReviewRequest(_) => "review_request",
        }
    }
}
