//! Shopify: the Admin GraphQL API (changed orders, order look-ups) paced by the shop's query
//! cost bucket, and webhook verification. Customer messages have no public API; they arrive by
//! e-mail (`inbound_mail`). Without the `read_all_orders` scope Shopify lists only the last 60
//! days of orders.

mod admin;
mod mapping;
pub mod model;
mod webhook;

pub use admin::{CostBucket, DEFAULT_API_VERSION, ShopifyAdmin, ShopifyConfig};
pub use mapping::{
    WebhookOrder, legacy_id, order_id_from_name, shipment_status, to_domain_order,
    webhook_to_domain_order,
};
pub use webhook::{
    EVENT_ID_HEADER, HMAC_HEADER, SHOP_HEADER, TOPIC_HEADER, WEBHOOK_ID_HEADER, WebhookDelivery,
    WebhookError, WebhookTopic, parse_order_webhook, sign_webhook, verify_webhook,
};
