//! Shopify orders (Admin GraphQL, and the REST-shaped webhook body) → domain `Order`.

use chrono::{DateTime, Utc};

use crate::connectors::amazon::carrier_code;
use crate::connectors::money::parse_money;
use crate::domain::{
    self, AccountId, Channel, FulfillmentChannel, Identity, IdentityKind, Money, OrderId, Shipment,
    ShipmentStatus,
};

use super::model;

/// The domain id of a Shopify order: its name without the leading `#` (`#1001` → `1001`). The
/// `#` cannot be part of an id (it separates key parts), and the rest is what buyers quote.
pub fn order_id_from_name(name: &str) -> Result<OrderId, String> {
    let trimmed = name.trim();
    let bare = trimmed.strip_prefix('#').unwrap_or(trimmed);
    OrderId::parse(bare).map_err(|e| format!("order name '{name}': {e}"))
}

/// The numeric part of a GID (`gid://shopify/Customer/42` → `42`); other strings unchanged.
pub fn legacy_id(gid: &str) -> &str {
    match gid.strip_prefix("gid://shopify/") {
        Some(rest) => rest.rsplit('/').next().unwrap_or(rest),
        None => gid,
    }
}

/// A fulfillment's `displayStatus` (GraphQL) or `shipment_status` (webhook) → domain status.
pub fn shipment_status(display_status: Option<&str>) -> ShipmentStatus {
    match display_status.map(str::to_ascii_uppercase).as_deref() {
        Some(
            "LABEL_PRINTED" | "LABEL_PURCHASED" | "CONFIRMED" | "FULFILLED" | "READY_FOR_PICKUP",
        ) => ShipmentStatus::LabelCreated,
        Some("IN_TRANSIT" | "MARKED_AS_FULFILLED") => ShipmentStatus::InTransit,
        Some("OUT_FOR_DELIVERY") => ShipmentStatus::OutForDelivery,
        Some("DELIVERED" | "PICKED_UP") => ShipmentStatus::Delivered,
        Some(
            "ATTEMPTED_DELIVERY" | "FAILURE" | "CANCELED" | "CANCELLED" | "NOT_DELIVERED"
            | "LABEL_VOIDED",
        ) => ShipmentStatus::Exception,
        _ => ShipmentStatus::Unknown,
    }
}

/// The buyer's identities, each once: e-mail, phone, Shopify customer id.
fn identities(
    emails: [Option<&str>; 2],
    phones: [Option<&str>; 2],
    customer_id: Option<&str>,
) -> Vec<Identity> {
    let mut out: Vec<Identity> = Vec::new();
    let mut push = |identity: Identity| {
        if !identity.value.is_empty() && !out.contains(&identity) {
            out.push(identity);
        }
    };
    for email in emails.into_iter().flatten() {
        // Shopify stores what the buyer typed; only something shaped like an address links.
        if email.contains('@') {
            push(Identity::new(IdentityKind::Email, email));
        }
    }
    for phone in phones.into_iter().flatten() {
        push(Identity::new(IdentityKind::Phone, phone));
    }
    if let Some(id) = customer_id {
        push(Identity::new(IdentityKind::ShopifyCustomer, legacy_id(id)));
    }
    out
}

fn quantity(value: i64, order: &str) -> Result<u32, String> {
    u32::try_from(value).map_err(|_| format!("order {order}: quantity {value} is out of range"))
}

fn money(m: &model::MoneyV2, order: &str) -> Result<Money, String> {
    parse_money(&m.amount, &m.currency_code).map_err(|e| format!("order {order}: {e}"))
}

fn shipment(
    company: Option<&str>,
    number: Option<&str>,
    url: Option<&str>,
    status: ShipmentStatus,
    estimated_delivery: Option<DateTime<Utc>>,
) -> Option<Shipment> {
    // A fulfillment without a tracking number has nothing to track.
    let number = number.map(str::trim).filter(|n| !n.is_empty())?;
    Some(Shipment {
        carrier: carrier_code(company.unwrap_or("unknown")),
        tracking_number: number.to_owned(),
        tracking_url: url
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        status,
        events: Vec::new(),
        estimated_delivery,
        checked_at: None,
    })
}

/// Maps an order of the Admin GraphQL API. `shop` is the shop's domain (`acme.myshopify.com`),
/// kept as the order's marketplace.
pub fn to_domain_order(
    order: &model::Order,
    account: &AccountId,
    shop: &str,
) -> Result<domain::Order, String> {
    let id = order_id_from_name(&order.name)?;
    let name = order.name.as_str();
    let customer = order.customer.as_ref();
    let items = order
        .line_items
        .iter()
        .flat_map(|c| &c.nodes)
        .map(|item| {
            Ok(domain::OrderItem {
                product_id: item
                    .product
                    .as_ref()
                    .map_or_else(|| legacy_id(&item.id), |p| legacy_id(&p.id))
                    .to_owned(),
                sku: item.sku.clone().filter(|s| !s.is_empty()),
                title: item.title.clone(),
                quantity: quantity(item.quantity, name)?,
                unit_price: item
                    .original_unit_price_set
                    .as_ref()
                    .map(|m| money(&m.shop_money, name))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let shipments = order
        .fulfillments
        .iter()
        .filter(|f| !matches!(f.status.as_deref(), Some("CANCELLED" | "ERROR")))
        .flat_map(|f| {
            let status = shipment_status(f.display_status.as_deref());
            f.tracking_info.iter().filter_map(move |t| {
                shipment(
                    t.company.as_deref(),
                    t.number.as_deref(),
                    t.url.as_deref(),
                    status,
                    f.estimated_delivery_at,
                )
            })
        })
        .collect();
    let customer_email = customer
        .and_then(|c| c.default_email_address.as_ref())
        .and_then(|e| e.email_address.as_deref());
    let customer_phone = customer
        .and_then(|c| c.default_phone_number.as_ref())
        .and_then(|p| p.phone_number.as_deref());
    let status = if order.cancelled_at.is_some() {
        "CANCELLED".to_owned()
    } else {
        order
            .display_fulfillment_status
            .clone()
            .unwrap_or_else(|| "UNFULFILLED".to_owned())
    };
    Ok(domain::Order {
        channel: Channel::Shopify,
        id,
        account: account.clone(),
        marketplace_id: shop.to_owned(),
        status,
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: order.created_at,
        buyer_name: customer
            .and_then(|c| c.display_name.clone())
            .filter(|n| !n.trim().is_empty()),
        buyer_identities: identities(
            [customer_email, order.email.as_deref()],
            [customer_phone, order.phone.as_deref()],
            customer.map(|c| c.id.as_str()),
        ),
        total: order
            .current_total_price_set
            .as_ref()
            .map(|m| money(&m.shop_money, name))
            .transpose()?,
        items,
        shipments,
        updated_at: order.updated_at,
        version: 0,
    })
}

/// The `orders/updated` (and `orders/create`, `orders/fulfilled`…) webhook body: the REST
/// resource, snake_case, ids as numbers, amounts as strings.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct WebhookOrder {
    pub id: u64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub currency: String,
    #[serde(default)]
    pub total_price: Option<String>,
    /// `null` (unfulfilled), `partial`, `fulfilled`, `restocked`.
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    #[serde(default)]
    pub customer: Option<WebhookCustomer>,
    #[serde(default)]
    pub line_items: Vec<WebhookLineItem>,
    #[serde(default)]
    pub fulfillments: Vec<WebhookFulfillment>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct WebhookCustomer {
    pub id: u64,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct WebhookLineItem {
    pub id: u64,
    #[serde(default)]
    pub product_id: Option<u64>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub title: String,
    pub quantity: i64,
    #[serde(default)]
    pub price: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct WebhookFulfillment {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub shipment_status: Option<String>,
    #[serde(default)]
    pub tracking_company: Option<String>,
    #[serde(default)]
    pub tracking_numbers: Vec<String>,
    #[serde(default)]
    pub tracking_urls: Vec<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub tracking_url: Option<String>,
}

/// Maps a webhook's order body the same way as [`to_domain_order`].
pub fn webhook_to_domain_order(
    order: &WebhookOrder,
    account: &AccountId,
    shop: &str,
) -> Result<domain::Order, String> {
    let id = order_id_from_name(&order.name)?;
    let name = order.name.as_str();
    let amount =
        |value: &str| parse_money(value, &order.currency).map_err(|e| format!("order {name}: {e}"));
    let items = order
        .line_items
        .iter()
        .map(|item| {
            Ok(domain::OrderItem {
                product_id: item.product_id.unwrap_or(item.id).to_string(),
                sku: item.sku.clone().filter(|s| !s.is_empty()),
                title: item.title.clone(),
                quantity: quantity(item.quantity, name)?,
                unit_price: item.price.as_deref().map(amount).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let shipments = order
        .fulfillments
        .iter()
        .filter(|f| !matches!(f.status.as_deref(), Some("cancelled" | "error" | "failure")))
        .flat_map(|f| {
            let status = match f.shipment_status.as_deref() {
                // The REST resource leaves it null until the carrier reports; shipped = in transit.
                None => ShipmentStatus::InTransit,
                s => shipment_status(s),
            };
            let numbers: Vec<&str> = if f.tracking_numbers.is_empty() {
                f.tracking_number.as_deref().into_iter().collect()
            } else {
                f.tracking_numbers.iter().map(String::as_str).collect()
            };
            numbers
                .into_iter()
                .enumerate()
                .filter_map(|(i, number)| {
                    let url = f
                        .tracking_urls
                        .get(i)
                        .map(String::as_str)
                        .or(f.tracking_url.as_deref());
                    shipment(
                        f.tracking_company.as_deref(),
                        Some(number),
                        url,
                        status,
                        None,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let customer = order.customer.as_ref();
    let buyer_name = customer.and_then(|c| {
        let full = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!full.is_empty()).then_some(full)
    });
    let customer_id = customer.map(|c| c.id.to_string());
    let status = if order.cancelled_at.is_some() {
        "CANCELLED".to_owned()
    } else {
        order
            .fulfillment_status
            .as_deref()
            .map_or_else(|| "UNFULFILLED".to_owned(), str::to_ascii_uppercase)
    };
    Ok(domain::Order {
        channel: Channel::Shopify,
        id,
        account: account.clone(),
        marketplace_id: shop.to_owned(),
        status,
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at: order.created_at,
        buyer_name,
        buyer_identities: identities(
            [
                customer.and_then(|c| c.email.as_deref()),
                order.email.as_deref().or(order.contact_email.as_deref()),
            ],
            [
                customer.and_then(|c| c.phone.as_deref()),
                order.phone.as_deref(),
            ],
            customer_id.as_deref(),
        ),
        total: order.total_price.as_deref().map(amount).transpose()?,
        items,
        shipments,
        updated_at: order.updated_at,
        version: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account() -> AccountId {
        AccountId::parse("acct_shop").unwrap()
    }

    fn graphql_order() -> model::Order {
        serde_json::from_value(json!({
            "id": "gid://shopify/Order/5550001001",
            "name": "#1001",
            "createdAt": "2026-10-20T09:00:00Z",
            "updatedAt": "2026-10-22T10:30:00Z",
            "cancelledAt": null,
            "displayFinancialStatus": "PAID",
            "displayFulfillmentStatus": "FULFILLED",
            "email": "Giulia.Rossi@Example.IT",
            "phone": null,
            "currentTotalPriceSet": {"shopMoney": {"amount": "59.80", "currencyCode": "EUR"}},
            "customer": {
                "id": "gid://shopify/Customer/7001",
                "displayName": "Giulia Rossi",
                "defaultEmailAddress": {"emailAddress": "giulia.rossi@example.it"},
                "defaultPhoneNumber": {"phoneNumber": "+39 347 123 4567"}
            },
            "lineItems": {"nodes": [{
                "id": "gid://shopify/LineItem/1",
                "title": "Borraccia termica 750 ml",
                "quantity": 2,
                "sku": "BT-750",
                "product": {"id": "gid://shopify/Product/8001"},
                "originalUnitPriceSet": {"shopMoney": {"amount": "29.90", "currencyCode": "EUR"}}
            }]},
            "fulfillments": [
                {"status": "SUCCESS", "displayStatus": "IN_TRANSIT", "estimatedDeliveryAt": "2026-10-25T18:00:00Z",
                 "trackingInfo": [{"company": "UPS", "number": "1Z999AA10123456784", "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784"}]},
                {"status": "SUCCESS", "displayStatus": "LABEL_PRINTED", "estimatedDeliveryAt": null,
                 "trackingInfo": [{"company": "Poste Italiane", "number": "  ", "url": null}]}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn graphql_order_maps_items_total_tracking_and_identities() {
        let order = to_domain_order(&graphql_order(), &account(), "acme.myshopify.com").unwrap();
        assert_eq!(order.channel, Channel::Shopify);
        assert_eq!(order.id.as_str(), "1001");
        assert_eq!(order.marketplace_id, "acme.myshopify.com");
        assert_eq!(order.fulfillment, FulfillmentChannel::Merchant);
        assert_eq!(order.status, "FULFILLED");
        assert_eq!(
            order.total,
            Some(Money {
                minor: 5980,
                currency: "EUR".into()
            })
        );
        assert_eq!(order.items[0].product_id, "8001");
        assert_eq!(order.items[0].quantity, 2);
        assert_eq!(order.items[0].unit_price.as_ref().unwrap().minor, 2990);
        // The fulfillment without a number is not a shipment.
        assert_eq!(order.shipments.len(), 1);
        let s = &order.shipments[0];
        assert_eq!(s.carrier, "ups");
        assert_eq!(s.tracking_number, "1Z999AA10123456784");
        assert!(s.tracking_url.as_deref().unwrap().contains("ups.com"));
        assert_eq!(s.status, ShipmentStatus::InTransit);
        assert!(s.estimated_delivery.is_some());
        assert_eq!(order.updated_at.to_rfc3339(), "2026-10-22T10:30:00+00:00");
        // The two e-mails are one identity once normalised.
        assert_eq!(
            order.buyer_identities,
            vec![
                Identity::new(IdentityKind::Email, "giulia.rossi@example.it"),
                Identity::new(IdentityKind::Phone, "+39 347 123 4567"),
                Identity::new(IdentityKind::ShopifyCustomer, "7001"),
            ]
        );
    }

    #[test]
    fn a_cancelled_order_says_so_whatever_its_fulfillment_status() {
        let mut raw = graphql_order();
        raw.cancelled_at = Some(raw.updated_at);
        let order = to_domain_order(&raw, &account(), "acme.myshopify.com").unwrap();
        assert_eq!(order.status, "CANCELLED");
    }

    #[test]
    fn impossible_values_are_mapping_errors_not_panics() {
        let mut raw = graphql_order();
        raw.name = "#10 01".into();
        assert!(to_domain_order(&raw, &account(), "s").is_err());
        let mut raw = graphql_order();
        raw.line_items.as_mut().unwrap().nodes[0].quantity = -1;
        assert!(to_domain_order(&raw, &account(), "s").is_err());
        let mut raw = graphql_order();
        raw.current_total_price_set
            .as_mut()
            .unwrap()
            .shop_money
            .amount = "12,50".into();
        assert!(to_domain_order(&raw, &account(), "s").is_err());
    }

    #[test]
    fn order_names_lose_the_hash_and_gids_their_prefix() {
        assert_eq!(order_id_from_name("#1001").unwrap().as_str(), "1001");
        assert_eq!(order_id_from_name("EU1001-B").unwrap().as_str(), "EU1001-B");
        assert!(order_id_from_name("#").is_err());
        assert_eq!(legacy_id("gid://shopify/Order/42"), "42");
        assert_eq!(legacy_id("42"), "42");
    }

    #[test]
    fn display_statuses_become_domain_statuses() {
        assert_eq!(
            shipment_status(Some("OUT_FOR_DELIVERY")),
            ShipmentStatus::OutForDelivery
        );
        assert_eq!(
            shipment_status(Some("delivered")),
            ShipmentStatus::Delivered
        );
        assert_eq!(
            shipment_status(Some("ATTEMPTED_DELIVERY")),
            ShipmentStatus::Exception
        );
        assert_eq!(
            shipment_status(Some("LABEL_PRINTED")),
            ShipmentStatus::LabelCreated
        );
        assert_eq!(shipment_status(None), ShipmentStatus::Unknown);
    }
}
