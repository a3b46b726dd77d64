//! Sandboxes: local HTTP servers that speak the Slack incoming-webhook, Login with Amazon /
//! SP-API Orders, eBay Commerce Message, Fulfillment and Feedback, Shopify Admin GraphQL and carrier
//! tracking (DHL, UPS, FedEx, USPS, the AfterShip aggregator) protocols, plus generated inbound
//! e-mail, for tests and the local stack.
//!
//! Each sandbox binds 127.0.0.1 on an ephemeral port (`start().await`, then `base_url()`) and
//! stops when its handle is dropped. Each keeps a deterministic store built from a seed, lets a
//! test add data, records what it received, and injects faults on demand: a queue of faults per
//! route applied to the next requests of that route (see [`Fault`]).

pub mod amazon;
pub mod carriers;
pub mod ebay;
pub mod faults;
pub mod mail;
pub mod rng;
mod server;
pub mod shopify;
pub mod slack;
mod tokens;

pub use faults::{Fault, Faults, RandomFaults, Recorded};
