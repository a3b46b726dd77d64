//! eBay: OAuth user tokens and the Commerce Message API (conversations with buyers, replies).
//! Conversations reference a listing, not an order: the order is found by item id and buyer.

mod messages;
pub mod model;
mod oauth;

pub use messages::{
    ConversationType, ConversationsQuery, EbayConfig, EbayMessages, MAX_MEDIA, MAX_MESSAGE_CHARS,
    MAX_PAGE, send_request, validate,
};
pub use oauth::{EbayCredentials, EbayOAuth};
