//! Contract: the ORDER_CHANGE notifications the Amazon sandbox emits validate against the
//! official model (`shared/specs/amazon/OrderChangeNotification.json`, undeclared properties
//! forbidden), and the notification types read them and write them back unchanged.

mod common;

use chrono::{DateTime, Utc};
use common::Model;
use marketdesk::connectors::amazon::notifications::{
    FulfillmentType, NotificationError, OrderChange, OrderStatus,
};
use marketdesk_sandboxes::amazon::{AmazonConfig, AmazonSandbox, SANDBOX_SELLER_ID};
use serde_json::Value;

const SPEC: &str = "amazon/OrderChangeNotification.json";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// Valid against the model, read by our types, and written back valid and meaning the same
/// (timestamps may lose a `.000`).
fn assert_round_trips(model: &Model, body: &Value) -> OrderChange {
    model.assert_valid(body);
    let parsed = OrderChange::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body:#}"));
    let written = serde_json::to_value(&parsed).unwrap();
    model.assert_valid(&written);
    assert_eq!(OrderChange::from_value(written).unwrap(), parsed);
    parsed
}

#[test]
fn the_models_own_example_validates_and_round_trips() {
    let model = Model::schema(SPEC);
    let examples = Model::schema_examples(SPEC);
    assert!(!examples.is_empty());
    for example in &examples {
        let parsed = assert_round_trips(&model, example);
        assert_eq!(parsed.change().seller_id.as_str(), "A3TH9S8BH6GOGM");
    }
}

#[tokio::test]
async fn a_notification_for_every_sandbox_order_matches_the_model_and_its_order() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let model = Model::schema(SPEC);
    let now = sandbox.config().now;
    let orders = sandbox.orders();
    assert_eq!(orders.len(), AmazonConfig::default().orders);
    for order in orders {
        let id = order["orderId"].as_str().unwrap();
        let body = sandbox
            .order_change_notification(id, "OrderStatusChange", "Order status changed", now)
            .unwrap();
        let parsed = assert_round_trips(&model, &body);
        let change = parsed.change();
        assert_eq!(change.seller_id.as_str(), SANDBOX_SELLER_ID);
        assert_eq!(change.amazon_order_id.as_str(), id);
        assert_eq!(
            change.summary.marketplace_id,
            order["salesChannel"]["marketplaceId"]
        );
        let by_amazon = order["fulfillment"]["fulfilledBy"] == "AMAZON";
        assert_eq!(
            change.summary.fulfillment_type,
            if by_amazon {
                FulfillmentType::Afn
            } else {
                FulfillmentType::Mfn
            }
        );
        assert_eq!(
            change.summary.order_items.len(),
            order["orderItems"].as_array().unwrap().len()
        );
    }
}

#[tokio::test]
async fn shipping_an_order_changes_it_and_notifies_a_valid_shipped_change() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let model = Model::schema(SPEC);
    let unshipped = sandbox
        .orders()
        .into_iter()
        .find(|o| o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED")
        .expect("the seeded orders include an unshipped one");
    let id = unshipped["orderId"].as_str().unwrap();
    let when = at("2026-11-01T12:00:00Z");

    let body = sandbox.ship_order(id, when).unwrap();

    let parsed = assert_round_trips(&model, &body);
    assert_eq!(parsed.change().summary.order_status, OrderStatus::Shipped);
    assert_eq!(parsed.change().summary.number_of_items_unshipped, Some(0));
    assert_eq!(parsed.event_time, when);
    let order = sandbox.order(id).unwrap();
    assert_eq!(order["fulfillment"]["fulfillmentStatus"], "SHIPPED");
    assert_eq!(order["lastUpdatedTime"], "2026-11-01T12:00:00Z");
    let package = &order["packages"][0];
    assert!(
        package["trackingNumber"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(package["carrier"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(sandbox.ship_order("999-0000000-0000000", when), None);
}

#[test]
fn what_the_model_refuses_our_types_refuse_too() {
    let model = Model::schema(SPEC);
    let example = Model::schema_examples(SPEC).remove(0);
    let mut no_seller = example.clone();
    no_seller["Payload"]["OrderChangeNotification"]
        .as_object_mut()
        .unwrap()
        .remove("SellerId");
    let mut odd_status = example.clone();
    odd_status["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] =
        Value::from("Teleported");
    let mut no_metadata = example;
    no_metadata
        .as_object_mut()
        .unwrap()
        .remove("NotificationMetadata");
    for body in [no_seller, odd_status, no_metadata] {
        assert!(!model.is_valid(&body));
        assert!(matches!(
            OrderChange::from_value(body),
            Err(NotificationError::Malformed(_))
        ));
    }
}

#[test]
fn the_ingest_workers_sample_notification_matches_the_model() {
    let model = Model::schema(SPEC);
    let event: Value =
        serde_json::from_str(include_str!("../../events/sqs_order_change.json")).unwrap();
    let body: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    let parsed = assert_round_trips(&model, &body);
    assert_eq!(parsed.change().seller_id.as_str(), SANDBOX_SELLER_ID);
}
