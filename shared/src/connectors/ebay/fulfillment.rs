//! The Fulfillment API for one seller account: orders changed since an instant (`getOrders`
//! with `filter=lastmodifieddate:[…..]`, limit/offset paging), one order (`getOrder`), and the
//! shipping fulfillments that carry tracking numbers (`getShippingFulfillments`). Implements
//! [`OrderSource`] and [`OrderLookup`].

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{HttpConfig, RateLimit};
use crate::connectors::money::parse_money;
use crate::connectors::{OrderLookup, OrderPage, OrderSource};
use crate::domain::{
    self, AccountId, Channel, FulfillmentChannel, Identity, IdentityKind, Money, OrderId, Shipment,
    ShipmentStatus,
};

use super::EbayOAuth;
use super::api::{EbayApi, path_segment};
use super::model::fulfillment::{
    Amount, Order, OrderSearchPagedCollection, ShippingFulfillment,
    ShippingFulfillmentPagedCollection,
};

const SERVICE: &str = "ebay-fulfillment";
/// The API's largest page (`limit` ≤ 200).
pub const MAX_ORDER_PAGE: u32 = 200;

/// Settings of the Fulfillment client for one seller account.
#[derive(Debug, Clone, PartialEq)]
pub struct FulfillmentConfig {
    pub account: AccountId,
    /// The API's base URL (production, eBay's sandbox, or ours).
    pub endpoint: String,
    /// Orders per page (1–200).
    pub page_size: u32,
    /// The marketplace of an order whose line items do not name one (`EBAY_IT`…).
    pub default_marketplace: String,
    /// eBay's quotas are daily; this only smooths bursts.
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl FulfillmentConfig {
    pub const ENDPOINT: &'static str = "https://api.ebay.com/sell/fulfillment/v1";
    pub const SANDBOX_ENDPOINT: &'static str = "https://api.sandbox.ebay.com/sell/fulfillment/v1";

    pub fn new(account: AccountId, default_marketplace: impl Into<String>) -> Self {
        Self {
            account,
            endpoint: Self::ENDPOINT.to_owned(),
            page_size: 50,
            default_marketplace: default_marketplace.into(),
            rate: RateLimit::new(5.0, 10),
            http: HttpConfig::default(),
        }
    }
}

/// The `filter` of `getOrders` for orders modified at or after `since`, as the API documents
/// it (`lastmodifieddate:[2016-05-15T08:25:43.511Z..]`; the query encoder percent-encodes the
/// brackets).
pub fn modified_since_filter(since: DateTime<Utc>) -> String {
    format!(
        "lastmodifieddate:[{}..]",
        since.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// The Fulfillment API for one seller account. The OAuth client may be shared with the
/// account's other eBay clients (one token for every scope).
pub struct EbayFulfillment {
    config: FulfillmentConfig,
    api: EbayApi,
}

impl fmt::Debug for EbayFulfillment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EbayFulfillment")
            .field("account", &self.config.account)
            .finish_non_exhaustive()
    }
}

impl EbayFulfillment {
    pub fn new(config: FulfillmentConfig, oauth: Arc<EbayOAuth>, http: reqwest::Client) -> Self {
        let api = EbayApi::new(
            SERVICE,
            config.account.clone(),
            &config.endpoint,
            config.rate,
            config.http,
            oauth,
            http,
        );
        Self { config, api }
    }

    pub fn config(&self) -> &FulfillmentConfig {
        &self.config
    }

    fn context(&self, call: &'static str) -> CallContext {
        self.api.context(call)
    }

    /// `getOrders`: one page of orders modified at or after `since`.
    pub async fn get_orders(
        &self,
        since: DateTime<Utc>,
        limit: u32,
        offset: u32,
    ) -> Result<OrderSearchPagedCollection, ConnectorError> {
        let ctx = self.context("getOrders");
        if !(1..=MAX_ORDER_PAGE).contains(&limit) {
            let detail = format!("limit must be 1–{MAX_ORDER_PAGE}, not {limit}");
            return Err(ctx.error(ErrorKind::InvalidRequest(detail)));
        }
        let query = vec![
            ("filter", modified_since_filter(since)),
            ("limit", limit.to_string()),
            ("offset", offset.to_string()),
        ];
        let page = self.api.get(&ctx, "/order", &query, false).await?;
        Ok(page.unwrap_or_default())
    }

    /// `getOrder`; `None` if eBay does not know the order.
    pub async fn get_order(&self, order_id: &str) -> Result<Option<Order>, ConnectorError> {
        let ctx = self.context("getOrder");
        path_segment(&ctx, "an eBay order id", order_id, "-")?;
        self.api
            .get(&ctx, &format!("/order/{order_id}"), &[], true)
            .await
    }

    /// `getShippingFulfillments`: the packages the seller shipped, with tracking.
    pub async fn get_shipping_fulfillments(
        &self,
        order_id: &str,
    ) -> Result<Vec<ShippingFulfillment>, ConnectorError> {
        let ctx = self.context("getShippingFulfillments");
        path_segment(&ctx, "an eBay order id", order_id, "-")?;
        let path = format!("/order/{order_id}/shipping_fulfillment");
        let page: Option<ShippingFulfillmentPagedCollection> =
            self.api.get(&ctx, &path, &[], true).await?;
        Ok(page.map(|p| p.fulfillments).unwrap_or_default())
    }

    /// The domain order: the eBay order with its shipping fulfillments (fetched only when
    /// eBay lists some, so unshipped orders cost one request less).
    async fn complete(
        &self,
        call: &'static str,
        order: &Order,
    ) -> Result<domain::Order, ConnectorError> {
        let fulfillments = if order.fulfillment_hrefs.is_empty() {
            Vec::new()
        } else {
            self.get_shipping_fulfillments(&order.order_id).await?
        };
        to_domain_order(
            order,
            &fulfillments,
            &self.config.account,
            &self.config.default_marketplace,
        )
        .map_err(|e| self.context(call).error(ErrorKind::Mapping(e)))
    }
}

impl OrderLookup for EbayFulfillment {
    async fn order(&self, id: &OrderId) -> Result<Option<domain::Order>, ConnectorError> {
        match self.get_order(id.as_str()).await? {
            Some(order) => self.complete("getOrder", &order).await.map(Some),
            None => Ok(None),
        }
    }
}

impl OrderSource for EbayFulfillment {
    /// The page token is the offset of the page. Orders modified while the poller pages may
    /// shift between pages; the next poll (from the newest `updated_at` seen) picks them up.
    async fn changed_orders(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> Result<OrderPage, ConnectorError> {
        let resume = || page_token.map(str::to_owned);
        let ctx = self.context("getOrders");
        let offset: u32 = match page_token {
            None => 0,
            Some(t) => t.parse().map_err(|_| {
                ctx.error(ErrorKind::InvalidRequest(format!(
                    "bad page token '{}'",
                    crate::connectors::http::truncate_chars(t, 40)
                )))
            })?,
        };
        let limit = self.config.page_size.clamp(1, MAX_ORDER_PAGE);
        let page = self
            .get_orders(since, limit, offset)
            .await
            .map_err(|e| e.with_resume_from(resume()))?;
        let mut orders = Vec::with_capacity(page.orders.len());
        for order in &page.orders {
            let order = self
                .complete("getOrders", order)
                .await
                .map_err(|e| e.with_resume_from(resume()))?;
            orders.push(order);
        }
        let fetched = offset + page.orders.len() as u32;
        let more = !page.orders.is_empty()
            && (page.next.is_some() || page.total.is_some_and(|t| fetched < t));
        Ok(OrderPage {
            orders,
            next_page: more.then(|| fetched.to_string()),
            // eBay states no completeness instant; the poller keeps its own cursor.
            complete_until: None,
        })
    }
}

fn parse_time(what: &str, text: Option<&str>) -> Result<DateTime<Utc>, String> {
    let text = text.ok_or_else(|| format!("{what} is missing"))?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| format!("{what} '{text}': {e}"))
}

fn optional_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?).ok().map(|t| t.to_utc())
}

fn money(what: &str, amount: &Amount) -> Result<Money, String> {
    match (amount.value.as_deref(), amount.currency.as_deref()) {
        (Some(value), Some(currency)) if currency.len() == 3 => {
            parse_money(value, currency).map_err(|e| format!("{what}: {e}"))
        }
        _ => Err(format!("{what}: an amount needs a value and a currency")),
    }
}

/// Maps an eBay order of `account` and its shipping fulfillments to the domain.
pub fn to_domain_order(
    order: &Order,
    fulfillments: &[ShippingFulfillment],
    account: &AccountId,
    default_marketplace: &str,
) -> Result<domain::Order, String> {
    let id = OrderId::parse(order.order_id.as_str())
        .map_err(|e| format!("order id '{}': {e}", order.order_id))?;
    let purchased_at = parse_time("creationDate", order.creation_date.as_deref())?;
    let updated_at = parse_time("lastModifiedDate", order.last_modified_date.as_deref())?;
    let items = order
        .line_items
        .iter()
        .map(|item| {
            let cost = item
                .line_item_cost
                .as_ref()
                .map(|a| money(&format!("order {id} lineItemCost"), a))
                .transpose()?;
            // lineItemCost is price × quantity; a unit price that does not divide evenly is
            // left out rather than rounded.
            let unit_price = cost.filter(|_| item.quantity > 0).and_then(|c| {
                let quantity = i64::from(item.quantity);
                (c.minor % quantity == 0).then(|| Money {
                    minor: c.minor / quantity,
                    currency: c.currency,
                })
            });
            Ok(domain::OrderItem {
                product_id: item
                    .legacy_item_id
                    .clone()
                    .unwrap_or_else(|| item.line_item_id.clone()),
                sku: item.sku.clone().filter(|s| !s.is_empty()),
                title: item.title.clone().unwrap_or_default(),
                quantity: item.quantity,
                unit_price,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let latest_delivery = |line_items: &mut dyn Iterator<Item = &str>| {
        line_items
            .filter_map(|line| order.line_items.iter().find(|i| i.line_item_id == line))
            .filter_map(|i| i.line_item_fulfillment_instructions.as_ref())
            .filter_map(|f| optional_time(f.max_estimated_delivery_date.as_deref()))
            .max()
    };
    let order_delivery = order
        .fulfillment_start_instructions
        .iter()
        .filter_map(|f| optional_time(f.max_estimated_delivery_date.as_deref()))
        .max();
    let shipments = fulfillments
        .iter()
        .filter_map(|f| {
            // A fulfillment without a tracking number has nothing to track.
            let tracking_number = f
                .shipment_tracking_number
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())?
                .to_owned();
            let estimated_delivery =
                latest_delivery(&mut f.line_items.iter().map(|l| l.line_item_id.as_str()))
                    .or(order_delivery);
            Some(Shipment {
                carrier: carrier_code(f.shipping_carrier_code.as_deref().unwrap_or("")),
                tracking_number,
                tracking_url: None,
                // eBay knows only that the seller shipped; live tracking refines this.
                status: if f.shipped_date.is_some() {
                    ShipmentStatus::InTransit
                } else {
                    ShipmentStatus::LabelCreated
                },
                events: Vec::new(),
                estimated_delivery,
                checked_at: None,
            })
        })
        .collect();
    let total = order
        .pricing_summary
        .as_ref()
        .and_then(|p| p.total.as_ref())
        .map(|a| money(&format!("order {id} total"), a))
        .transpose()?;
    let marketplace_id = order
        .line_items
        .iter()
        .find_map(|i| {
            i.purchase_marketplace_id
                .clone()
                .or_else(|| i.listing_marketplace_id.clone())
        })
        .unwrap_or_else(|| default_marketplace.to_owned());
    let cancelled = order
        .cancel_status
        .as_ref()
        .and_then(|c| c.cancel_state.as_deref())
        == Some("CANCELED");
    let status = if cancelled {
        "CANCELED".to_owned()
    } else {
        order
            .order_fulfillment_status
            .clone()
            .unwrap_or_else(|| "UNKNOWN".to_owned())
    };
    let buyer = order.buyer.as_ref();
    let contact = buyer.and_then(|b| b.buyer_registration_address.as_ref());
    let mut buyer_identities = Vec::new();
    if let Some(user) = buyer
        .and_then(|b| b.username.as_deref())
        .filter(|u| !u.trim().is_empty())
    {
        buyer_identities.push(Identity::new(IdentityKind::EbayUser, user));
    }
    // eBay returns the e-mail for 14 days after the sale; a placeholder is no identity.
    if let Some(email) = contact
        .and_then(|c| c.email.as_deref())
        .filter(|e| looks_like_email(e))
    {
        buyer_identities.push(Identity::new(IdentityKind::Email, email));
    }
    Ok(domain::Order {
        channel: Channel::Ebay,
        id,
        account: account.clone(),
        marketplace_id,
        status,
        fulfillment: FulfillmentChannel::Merchant,
        purchased_at,
        buyer_name: contact
            .and_then(|c| c.full_name.clone())
            .filter(|n| !n.trim().is_empty()),
        buyer_identities,
        total,
        items,
        shipments,
        updated_at,
        version: 0,
    })
}

fn looks_like_email(text: &str) -> bool {
    let text = text.trim();
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// An eBay shipping carrier code (Trading API `ShippingCarrierCodeType`: `RoyalMail`,
/// `PosteItaliane`, `FedEx`, `USPS`…) → the lower-case code the tracking module uses.
pub fn carrier_code(code: &str) -> String {
    let code = code.trim();
    let known = match code
        .to_ascii_lowercase()
        .replace(['_', ' ', '-'], "")
        .as_str()
    {
        "" => Some("unknown"),
        "fedex" => Some("fedex"),
        "ups" => Some("ups"),
        "usps" => Some("usps"),
        "dhl" | "dhlglobalmail" | "dhlpaket" | "dhlexpress" => Some("dhl"),
        "deutschepost" => Some("deutsche_post"),
        "royalmail" => Some("royal_mail"),
        "parcelforce" => Some("parcelforce"),
        "posteitaliane" => Some("poste_italiane"),
        "brt" | "bartolini" => Some("brt"),
        "lapostecolissimo" | "colissimo" => Some("colissimo"),
        "chronopost" => Some("chronopost"),
        "correos" => Some("correos"),
        "hermes" | "evri" => Some("evri"),
        _ => None,
    };
    if let Some(known) = known {
        return known.to_owned();
    }
    // Others: CamelCase → snake_case (`CanadaPost` → `canada_post`).
    let mut out = String::with_capacity(code.len() + 4);
    let mut previous_lower = false;
    for c in code.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    out.trim_end_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn order() -> Order {
        serde_json::from_value(serde_json::json!({
            "orderId": "12-34567-89012",
            "creationDate": "2026-10-20T09:30:00.000Z",
            "lastModifiedDate": "2026-10-21T11:00:00.000Z",
            "orderFulfillmentStatus": "FULFILLED",
            "cancelStatus": {"cancelState": "NONE_REQUESTED"},
            "fulfillmentHrefs": ["https://api.ebay.com/sell/fulfillment/v1/order/12-34567-89012/shipping_fulfillment/RR123456785IT"],
            "buyer": {"username": "Giulia_R82", "buyerRegistrationAddress": {"fullName": "Giulia Rossi", "email": "Giulia.Rossi@Example.it"}},
            "pricingSummary": {"total": {"value": "64.80", "currency": "EUR"}},
            "lineItems": [{
                "lineItemId": "10045678901234",
                "legacyItemId": "110553412345",
                "sku": "MUG-RED",
                "title": "Tazza rossa",
                "quantity": 3,
                "lineItemCost": {"value": "59.85", "currency": "EUR"},
                "purchaseMarketplaceId": "EBAY_IT",
                "lineItemFulfillmentInstructions": {"maxEstimatedDeliveryDate": "2026-10-25T22:00:00.000Z"}
            }]
        }))
        .unwrap()
    }

    fn shipped() -> ShippingFulfillment {
        serde_json::from_value(serde_json::json!({
            "fulfillmentId": "RR123456785IT",
            "shipmentTrackingNumber": "RR123456785IT",
            "shippingCarrierCode": "PosteItaliane",
            "shippedDate": "2026-10-21T10:00:00.000Z",
            "lineItems": [{"lineItemId": "10045678901234", "quantity": 3}]
        }))
        .unwrap()
    }

    #[test]
    fn an_order_maps_items_total_buyer_identities_and_tracking() {
        let account = AccountId::parse("acct_ebay").unwrap();
        let mapped = to_domain_order(&order(), &[shipped()], &account, "EBAY_US").unwrap();
        assert_eq!(mapped.channel, Channel::Ebay);
        assert_eq!(mapped.id.as_str(), "12-34567-89012");
        assert_eq!(mapped.marketplace_id, "EBAY_IT");
        assert_eq!(mapped.status, "FULFILLED");
        assert_eq!(mapped.fulfillment, FulfillmentChannel::Merchant);
        assert_eq!(mapped.purchased_at, at("2026-10-20T09:30:00Z"));
        assert_eq!(mapped.updated_at, at("2026-10-21T11:00:00Z"));
        assert_eq!(mapped.buyer_name.as_deref(), Some("Giulia Rossi"));
        assert_eq!(
            mapped.buyer_identities,
            vec![
                Identity::new(IdentityKind::EbayUser, "giulia_r82"),
                Identity::new(IdentityKind::Email, "giulia.rossi@example.it"),
            ]
        );
        assert_eq!(
            mapped.total,
            Some(Money {
                minor: 6480,
                currency: "EUR".into()
            })
        );
        let item = &mapped.items[0];
        assert_eq!(
            (item.product_id.as_str(), item.sku.as_deref(), item.quantity),
            ("110553412345", Some("MUG-RED"), 3)
        );
        assert_eq!(item.unit_price.as_ref().map(|m| m.minor), Some(1995));
        let shipment = &mapped.shipments[0];
        assert_eq!(
            (shipment.carrier.as_str(), shipment.tracking_number.as_str()),
            ("poste_italiane", "RR123456785IT")
        );
        assert_eq!(shipment.status, ShipmentStatus::InTransit);
        assert_eq!(
            shipment.estimated_delivery,
            Some(at("2026-10-25T22:00:00Z"))
        );
    }

    #[test]
    fn a_cancelled_order_says_so_and_an_expired_email_is_no_identity() {
        let mut o = order();
        o.cancel_status.as_mut().unwrap().cancel_state = Some("CANCELED".into());
        o.buyer
            .as_mut()
            .unwrap()
            .buyer_registration_address
            .as_mut()
            .unwrap()
            .email = Some("Invalid Request".into());
        let account = AccountId::parse("acct_ebay").unwrap();
        let mapped = to_domain_order(&o, &[], &account, "EBAY_US").unwrap();
        assert_eq!(mapped.status, "CANCELED");
        assert_eq!(
            mapped.buyer_identities,
            vec![Identity::new(IdentityKind::EbayUser, "giulia_r82")]
        );
        assert!(mapped.shipments.is_empty());
    }

    #[test]
    fn orders_without_dates_or_with_bad_money_cannot_be_mapped() {
        let account = AccountId::parse("acct_ebay").unwrap();
        let mut no_date = order();
        no_date.creation_date = None;
        assert!(to_domain_order(&no_date, &[], &account, "EBAY_US").is_err());
        let mut bad_money = order();
        bad_money.pricing_summary.as_mut().unwrap().total = Some(Amount {
            value: Some("sixty".into()),
            currency: Some("EUR".into()),
        });
        assert!(to_domain_order(&bad_money, &[], &account, "EBAY_US").is_err());
        let mut bad_id = order();
        bad_id.order_id = "12 34".into();
        assert!(to_domain_order(&bad_id, &[], &account, "EBAY_US").is_err());
    }

    #[test]
    fn an_uneven_unit_price_is_left_out_not_rounded() {
        let mut o = order();
        o.line_items[0].line_item_cost = Some(Amount {
            value: Some("10.00".into()),
            currency: Some("EUR".into()),
        });
        let account = AccountId::parse("acct_ebay").unwrap();
        let mapped = to_domain_order(&o, &[], &account, "EBAY_US").unwrap();
        assert_eq!(mapped.items[0].unit_price, None);
    }

    #[test]
    fn the_filter_uses_the_documented_syntax_with_millisecond_utc() {
        assert_eq!(
            modified_since_filter(at("2026-11-01T10:00:00Z")),
            "lastmodifieddate:[2026-11-01T10:00:00.000Z..]"
        );
    }

    #[test]
    fn ebay_carrier_codes_become_tracking_codes() {
        assert_eq!(carrier_code("RoyalMail"), "royal_mail");
        assert_eq!(carrier_code("FedEx"), "fedex");
        assert_eq!(carrier_code("PosteItaliane"), "poste_italiane");
        assert_eq!(carrier_code("USPS"), "usps");
        assert_eq!(carrier_code("CanadaPost"), "canada_post");
        assert_eq!(carrier_code("DHL_GLOBAL_MAIL"), "dhl");
        assert_eq!(carrier_code(""), "unknown");
    }
}
