//! SP-API ORDER_CHANGE notifications end to end: Amazon puts a notification on the ingest
//! queue, the ingest worker routes its seller to a tenant's account through the store (never
//! through the payload), reads the order from the SP-API sandbox and saves it.

use marketdesk::domain::*;
use marketdesk::store::*;
use marketdesk_devstack::demo::demo_accounts;
use marketdesk_sandboxes::amazon::{SANDBOX_SELLER_ID, order_change_notification};
use marketdesk_tests::pipeline::{Pipeline, now};
use serde_json::Value;

struct Env(Pipeline);

impl std::ops::Deref for Env {
    type Target = Pipeline;
    fn deref(&self) -> &Pipeline {
        &self.0
    }
}

async fn env() -> Env {
    Env(Pipeline::start().await)
}

impl Env {
    /// Puts a notification on the ingest queue, as SP-API's SQS destination does.
    async fn deliver(&self, notification: &Value) {
        self.sqs
            .send_message()
            .queue_url(self.ingest_queue())
            .message_body(notification.to_string())
            .send()
            .await
            .unwrap();
    }

    async fn stored(&self, id: &str) -> Option<Order> {
        self.stack
            .store
            .order(&self.tenant, Channel::Amazon, &OrderId::parse(id).unwrap())
            .await
            .unwrap()
    }

    async fn quarantined(&self, tenant: &str) -> Vec<QuarantineRecord> {
        self.stack
            .store
            .quarantined(&TenantId::parse(tenant).unwrap(), &PageRequest::first(10))
            .await
            .unwrap()
            .items
    }

    /// Items of the whole table whose key names `text`.
    async fn items_naming(&self, text: &str) -> usize {
        let out = aws_sdk_dynamodb::Client::new(&self.stack.config)
            .scan()
            .table_name(&self.stack.resources.table)
            .filter_expression("contains(PK, :t)")
            .expression_attribute_values(
                ":t",
                aws_sdk_dynamodb::types::AttributeValue::S(text.into()),
            )
            .send()
            .await
            .unwrap();
        out.items().len()
    }

    /// An unshipped merchant-fulfilled order of the sandbox.
    fn unshipped_order(&self) -> Value {
        self.sandboxes
            .amazon
            .orders()
            .into_iter()
            .find(|o| {
                o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
                    && o["fulfillment"]["fulfilledBy"] == "MERCHANT"
            })
            .expect("the seeded orders include an unshipped FBM one")
    }
}

fn id_of(order: &Value) -> String {
    order["orderId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_shipped_notification_updates_the_stored_order_status_and_shipments() {
    let e = env().await;
    let order = e.unshipped_order();
    let id = id_of(&order);
    let placed = order_change_notification(
        SANDBOX_SELLER_ID,
        &order,
        "OrderStatusChange",
        "Order placed",
        now() - chrono::Duration::hours(2),
    );
    e.deliver(&placed).await;
    e.ingest().await;
    let before = e
        .stored(&id)
        .await
        .expect("the first notification saved it");
    assert_eq!(before.status, "UNSHIPPED");
    assert!(before.shipments.is_empty());
    assert_eq!(before.account.as_str(), "acct_amazon_it");

    let shipped = e.sandboxes.amazon.ship_order(&id, now()).unwrap();
    e.deliver(&shipped).await;
    e.ingest().await;

    let after = e.stored(&id).await.unwrap();
    assert_eq!(after.status, "SHIPPED");
    assert_eq!(after.updated_at, now());
    let package = &e.sandboxes.amazon.order(&id).unwrap()["packages"][0];
    let [shipment] = &after.shipments[..] else {
        panic!("{:?}", after.shipments)
    };
    assert_eq!(shipment.tracking_number, package["trackingNumber"]);
    assert_eq!(shipment.status, ShipmentStatus::InTransit);
    assert!(e.quarantined(UNATTRIBUTED_TENANT).await.is_empty());
}

#[tokio::test]
async fn a_notification_of_an_unknown_seller_is_quarantined_and_saves_nothing() {
    let e = env().await;
    let order = e.unshipped_order();
    let id = id_of(&order);
    let stranger =
        order_change_notification("A9UNKNOWNSELLER", &order, "OrderStatusChange", "x", now());

    e.deliver(&stranger).await;
    assert_eq!(e.ingest().await, 1);

    let quarantined = e.quarantined(UNATTRIBUTED_TENANT).await;
    let [record] = &quarantined[..] else {
        panic!("{quarantined:?}")
    };
    assert_eq!(record.reason, "unknown_account");
    assert!(
        record.detail.contains("A9UNKNOWNSELLER"),
        "{}",
        record.detail
    );
    assert!(!record.in_dlq);
    assert_eq!(e.stored(&id).await, None);
    assert!(e.quarantined("acme").await.is_empty());
}

#[tokio::test]
async fn the_same_notification_delivered_twice_leaves_one_order() {
    let e = env().await;
    let id = id_of(&e.unshipped_order());
    let shipped = e.sandboxes.amazon.ship_order(&id, now()).unwrap();

    e.deliver(&shipped).await;
    e.deliver(&shipped).await;
    assert_eq!(e.ingest().await, 2);

    let order = e.stored(&id).await.unwrap();
    assert_eq!(order.status, "SHIPPED");
    assert_eq!(order.shipments.len(), 1);
    assert_eq!(e.items_naming(&id).await, 1, "one order item, nothing else");
    assert!(e.quarantined(UNATTRIBUTED_TENANT).await.is_empty());
    assert!(e.quarantined("acme").await.is_empty());
}

#[tokio::test]
async fn a_seller_connected_by_one_tenant_cannot_be_claimed_by_another() {
    let e = env().await;
    let seller = SellerId::parse(SANDBOX_SELLER_ID).unwrap();
    let route = e.stack.store.account_for_seller(&seller).await.unwrap();
    assert_eq!(
        route,
        Some((
            e.tenant.clone(),
            AccountId::parse("acct_amazon_it").unwrap()
        ))
    );

    let intruder = TenantId::parse("intruder").unwrap();
    let mut claim = demo_accounts(&intruder, now()).remove(0);
    assert_eq!(claim.seller_id.as_ref(), Some(&seller));
    let err = e.stack.store.save_account(&claim, None).await.unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Conflict {
                entity: "seller route",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        e.stack.store.account_for_seller(&seller).await.unwrap(),
        route
    );

    // Without a seller id the other tenant's account saves as before, with no route.
    claim.seller_id = None;
    e.stack.store.save_account(&claim, None).await.unwrap();
    let unrouted = SellerId::parse("A9UNKNOWNSELLER").unwrap();
    assert_eq!(
        e.stack.store.account_for_seller(&unrouted).await.unwrap(),
        None
    );
}
