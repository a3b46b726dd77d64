//! marketdesk: the library behind every function.
//!
//! `domain`, `sla`, `escalation`, `compliance`, `templates` and `inbound_mail` are pure (no I/O, no clock reads: time is
//! passed in). `store` holds the storage ports; `adapters` implement them and are the only
//! modules that import an AWS SDK.

pub mod accounts;
pub mod adapters;
pub mod auth;
pub mod automation;
pub mod claims;
pub mod compliance;
pub mod config;
pub mod connectors;
pub mod domain;
pub mod drafts;
pub mod escalation;
pub mod feedback;
pub mod inbound_mail;
pub mod ingest;
pub mod outbound;
pub mod polling;
pub mod redrive;
pub mod reports;
pub mod review_requests;
pub mod sla;
pub mod store;
pub mod templates;
pub mod tenant_cache;
pub mod tenant_config;
pub mod tracking;
