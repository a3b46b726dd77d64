//! The pure domain: entities and rules, no I/O, no clock reads.

pub mod account;
pub mod audit;
pub mod badges;
pub mod channel;
pub mod claim;
pub mod customer;
pub mod ids;
pub mod message;
pub mod order;
pub mod presence;
pub mod ticket;

pub use account::{ChannelAccount, ReplyIdentity, SecretRef, Tenant};
pub use audit::AuditEntry;
pub use channel::{Channel, Marketplace};
pub use claim::{Feedback, FeedbackRating};
pub use customer::{Customer, Identity, IdentityKind};
pub use ids::*;
pub use message::{
    Attachment, AuthorKind, DeliveryState, Direction, ExternalRefs, Message, OrderAction,
};
pub use order::{
    FulfillmentChannel, Money, Order, OrderItem, OrderRef, Shipment, ShipmentStatus, TrackingEvent,
};
pub use presence::{Presence, PresenceState};
pub use ticket::{
    DraftFacts, Intent, NO_RISK_BAND, Note, Priority, ReadyDraft, Risk, RuleAction, SlaState,
    SuggestedDraft, ThreadSources, Ticket, TicketEvent, TicketEventKind, TicketStatus, WorkingSpan,
};
