//! Carriers: which carrier a tracking number belongs to ([`detect`]), their public tracking
//! pages, and live tracking through DHL Unified Tracking, UPS Track and USPS Tracking v3,
//! routed by [`CarrierTracker`] behind the [`super::TrackingLookup`] port.

pub mod detect;

pub use detect::{Carrier, detect, normalize};
