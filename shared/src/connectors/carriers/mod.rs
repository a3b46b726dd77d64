//! Carriers: the carriers registry ([`registry`]: hosts, tracking-URL shapes and pages of
//! the carriers of the six marketplace countries), which carrier a tracking number belongs to ([`detect`]), their public tracking
//! pages, and live tracking through DHL Unified Tracking, UPS Track, FedEx Track and USPS
//! Tracking v3, and through the AfterShip aggregator for every other registry carrier (and
//! for those four when their credentials are missing), routed by
//! [`CarrierTracker`] behind the [`super::TrackingLookup`] port.
//!
//! Every client normalises the carrier's answer to the domain [`crate::domain::Shipment`]:
//! status as [`crate::domain::ShipmentStatus`], events newest first with their place, the
//! estimated delivery, and `checked_at` = the time of the carrier's answer (its `Date`
//! header). Base URLs are configurable, so tests and the local stack use
//! `marketdesk-sandboxes`' carriers sandbox.

pub mod aftership;
pub mod detect;
pub mod dhl;
pub mod fedex;
mod oauth;
pub mod registry;
mod tracker;
pub mod ups;
pub mod usps;
mod wire;

pub use aftership::{AftershipConfig, AftershipTracking};
pub use detect::{Carrier, detect, normalize};
pub use dhl::{DhlConfig, DhlTracking};
pub use fedex::{FedexConfig, FedexTracking};
pub use oauth::ClientCredentials;
pub use tracker::{CarrierTracker, ensure_link, link_only, resolve};
pub use ups::{UpsConfig, UpsTracking};
pub use usps::{UspsConfig, UspsTracking};
