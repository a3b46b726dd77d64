//! The demo tenant of the local stack and of the end-to-end tests.

use chrono::{DateTime, Duration, Utc};
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::domain::{
    AccountId, Channel, ChannelAccount, FulfillmentChannel, Marketplace, Order, OrderId,
    ReplyIdentity, SecretRef, SellerId, Shipment, ShipmentStatus, TenantId, TrackingEvent,
};
use marketdesk::store::{AccountStore, OrderStore, StoreError};
use marketdesk_sandboxes::amazon::SANDBOX_SELLER_ID;

pub const DEMO_TENANT: &str = "demo";

/// The demo tenant's Amazon.it, eBay and Shopify accounts.
pub fn demo_accounts(tenant: &TenantId, now: DateTime<Utc>) -> Vec<ChannelAccount> {
    let account = |id: &str,
                   channel,
                   market: Marketplace,
                   name: &str,
                   region: Option<&str>,
                   sender: Option<&str>| {
        ChannelAccount {
            id: AccountId::parse(id).expect("static id"),
            tenant: tenant.clone(),
            channel,
            marketplace: market,
            region: region.map(str::to_string),
            display_name: name.to_string(),
            credentials: SecretRef(secret_name(tenant, id)),
            sender_address: sender.map(str::to_string),
            // The Amazon sandbox's seller, so its ORDER_CHANGE notifications reach this account.
            seller_id: (channel == Channel::Amazon)
                .then(|| SellerId::parse(SANDBOX_SELLER_ID).expect("static id")),
            // Ready drafts are signed with the store's name, not the channel account's.
            reply_identity: Some(ReplyIdentity {
                seller_name: "Demo Shop".into(),
                signature: None,
            }),
            auto_send_wismo: false,
            poll_interval_minutes: 5,
            enabled: true,
            created_at: now,
            version: 0,
        }
    };
    let market = |id: &str, country: &str, lang: &str| Marketplace {
        id: id.into(),
        country: Some(country.into()),
        language: Some(lang.into()),
    };
    vec![
        account(
            "acct_amazon_it",
            Channel::Amazon,
            market("APJ6JRA9NG5V4", "IT", "it"),
            "Amazon.it",
            Some("eu"),
            Some("assistenza@demo-shop.example"),
        ),
        account(
            "acct_ebay_it",
            Channel::Ebay,
            market("EBAY_IT", "IT", "it"),
            "eBay Italia",
            None,
            None,
        ),
        account(
            "acct_shopify",
            Channel::Shopify,
            market("demo-shop.myshopify.com", "IT", "it"),
            "Demo Shop (Shopify)",
            None,
            Some("ciao@demo-shop.example"),
        ),
    ]
}

/// Seeds the demo tenant's channel accounts; seeding twice leaves them as they are.
pub async fn seed_accounts(
    store: &DynamoStore,
    tenant: &TenantId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut created = 0;
    for account in demo_accounts(tenant, now) {
        match store.save_account(&account, None).await {
            Ok(_) => created += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

/// Merchant-fulfilled Amazon.it orders shipped over the last days, for the VTR watch: nine
/// with valid tracking (BRT or DHL, scanned) and three without — one with no tracking number,
/// one with a carrier nobody knows, one silent since it shipped three days ago — so the watch
/// shows Amazon.it at 75 %, below Amazon's 95 % line. Their ids are not the sandbox's.
pub fn demo_orders(now: DateTime<Utc>) -> Vec<Order> {
    let order = |n: u32, hours_ago: i64, carrier: &str, number: &str, status: ShipmentStatus| {
        let shipped = now - Duration::hours(hours_ago);
        let scanned = !matches!(
            status,
            ShipmentStatus::Unknown | ShipmentStatus::LabelCreated
        );
        Order {
            channel: Channel::Amazon,
            id: OrderId::parse(format!("405-9000000-{n:07}")).expect("static id"),
            account: AccountId::parse("acct_amazon_it").expect("static id"),
            marketplace_id: "APJ6JRA9NG5V4".into(),
            status: "Shipped".into(),
            fulfillment: FulfillmentChannel::Merchant,
            purchased_at: shipped - Duration::hours(20),
            buyer_name: None,
            buyer_identities: Vec::new(),
            total: None,
            items: Vec::new(),
            shipments: vec![Shipment {
                carrier: carrier.into(),
                tracking_number: number.into(),
                tracking_url: None,
                status,
                events: scanned
                    .then(|| TrackingEvent {
                        at: shipped + Duration::hours(6),
                        status,
                        description: "Spedizione presa in carico".into(),
                        location: Some("Bologna".into()),
                    })
                    .into_iter()
                    .collect(),
                estimated_delivery: None,
                checked_at: None,
            }],
            updated_at: shipped,
            version: 1,
        }
    };
    use ShipmentStatus::*;
    let mut orders: Vec<Order> = (1..=9)
        .map(|n| {
            let (carrier, number) = if n % 2 == 0 {
                ("dhl", format!("{:010}", 4_000_000_000 + u64::from(n)))
            } else {
                ("brt", format!("{:012}", 100_000_000_000 + u64::from(n)))
            };
            let status = if n <= 5 { Delivered } else { InTransit };
            order(n, 12 * i64::from(n) + 8, carrier, &number, status)
        })
        .collect();
    orders.push(order(10, 30, "brt", "", Unknown));
    orders.push(order(11, 54, "Pony Express", "PX99-0042", InTransit));
    orders.push(order(12, 72, "dhl", "4000000012", LabelCreated));
    orders
}

/// Saves the demo orders (indexed for the VTR watch as they are saved); saving twice leaves
/// them as they are.
pub async fn seed_orders(
    store: &DynamoStore,
    tenant: &TenantId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut saved = 0;
    for order in demo_orders(now) {
        saved += usize::from(store.save_order(tenant, &order).await?);
    }
    Ok(saved)
}

/// The secret name of an account's credentials (what `ChannelAccount::credentials` names).
pub fn secret_name(tenant: &TenantId, account: &str) -> String {
    format!("marketdesk/{tenant}/{account}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk::reports::vtr::{Invalid, watch};

    #[test]
    fn the_demo_orders_put_amazon_it_below_the_vtr_line_with_each_reason() {
        let now = Utc::now();
        let orders = demo_orders(now);
        let accounts = watch(&orders, now);
        assert_eq!(accounts.len(), 1);
        let it = &accounts[0];
        assert_eq!((it.shipped, it.valid), (12, 9));
        assert_eq!(it.rate_percent, Some(75.0));
        assert!(it.below_line);
        let reasons: Vec<Invalid> = it.invalid.iter().map(|i| i.reason).collect();
        assert_eq!(
            reasons,
            [
                Invalid::NoScanWithin48h,
                Invalid::UnknownCarrier,
                Invalid::NoTrackingNumber
            ]
        );
        // All shipped within the week the browser tests' history covers.
        assert!(
            orders
                .iter()
                .all(|o| now - o.updated_at < Duration::days(6))
        );
    }
}
