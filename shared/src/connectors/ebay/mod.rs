//! eBay: OAuth user tokens (the shared refresh-token grant), the Commerce Message API
//! (conversations with buyers, replies), the Fulfillment API (orders, shipping fulfillments)
//! and the Feedback API (negative and neutral feedback received). Conversations and feedback
//! reference a listing, not an order: the order is found by item id and buyer.

mod api;
mod feedback;
mod fulfillment;
mod messages;
pub mod model;
mod oauth;

pub use feedback::{
    CommentType, EbayFeedback, FeedbackConfig, FeedbackCursor, FeedbackQuery, MAX_FEEDBACK_PAGE,
    MIN_FEEDBACK_PAGE, period_covering,
};
pub use fulfillment::{
    EbayFulfillment, FulfillmentConfig, MAX_ORDER_PAGE, carrier_code, modified_since_filter,
    to_domain_order,
};
pub use messages::{
    ConversationType, ConversationsQuery, EbayConfig, EbayMessages, MAX_MEDIA, MAX_MESSAGE_CHARS,
    MAX_PAGE, send_request, validate,
};
pub use oauth::{EbayCredentials, EbayOAuth};
