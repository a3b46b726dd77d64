//! SP-API Solicitations v1 on the Amazon sandbox.
//!
//! - `GET /solicitations/v1/orders/{amazonOrderId}?marketplaceIds=…` (route
//!   `getSolicitationActionsForOrder`): HAL `_links.actions` naming
//!   `productReviewAndSellerFeedback` only while the order may be asked (delivered 5 to 30
//!   days ago, not asked yet), an empty list otherwise.
//! - `POST …/solicitations/productReviewAndSellerFeedback?marketplaceIds=…` (route
//!   `createProductReviewAndSellerFeedbackSolicitation`): 201 `{}` once per order; a second
//!   one, or one outside the window, is refused as Amazon does. Every solicitation made is
//!   recorded ([`AmazonSandbox::solicitations`]).
//!
//! Both check the access token, take exactly one marketplace (the order's) and answer faults
//! like the Orders routes. The window is judged on the real clock, as Amazon does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::{AmazonSandbox, AmazonState, check_token, invalid_input, sp_error, stamp};

pub const GET_SOLICITATION_ACTIONS_ROUTE: &str = "getSolicitationActionsForOrder";
pub const CREATE_REVIEW_SOLICITATION_ROUTE: &str =
    "createProductReviewAndSellerFeedbackSolicitation";
const ACTION: &str = "productReviewAndSellerFeedback";

/// A solicitation the sandbox accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solicitation {
    pub order_id: String,
    pub marketplace_id: String,
    pub at: DateTime<Utc>,
}

/// Delivery times and the solicitations made. Cloning shares them.
#[derive(Debug, Clone, Default)]
pub(super) struct Ledger {
    delivered: Arc<Mutex<HashMap<String, DateTime<Utc>>>>,
    sent: Arc<Mutex<Vec<Solicitation>>>,
}

impl AmazonSandbox {
    /// Delivers every package of an order at `at` (status and detailed status `DELIVERED`,
    /// `lastUpdatedTime` = `at`), shipping it first if it was not, and returns the ORDER_CHANGE
    /// notification Amazon then sends; `None` if there is no such order.
    pub fn deliver_order(&self, id: &str, at: DateTime<Utc>) -> Option<Value> {
        let shipped = self
            .order(id)?
            .get("packages")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty());
        if !shipped {
            self.ship_order(id, at)?;
        }
        self.update_order(id, |order| {
            order["lastUpdatedTime"] = json!(stamp(at));
            for package in order["packages"].as_array_mut().into_iter().flatten() {
                package["packageStatus"] =
                    json!({"status": "DELIVERED", "detailedStatus": "DELIVERED"});
            }
        });
        self.state
            .solicitations
            .delivered
            .lock()
            .unwrap()
            .insert(id.to_owned(), at);
        self.order_change_notification(id, "OrderStatusChange", "Package delivered", at)
    }

    /// Every solicitation made, in order.
    pub fn solicitations(&self) -> Vec<Solicitation> {
        self.state.solicitations.sent.lock().unwrap().clone()
    }

    /// How many solicitations were made for one order (Amazon allows one).
    pub fn solicitations_for(&self, order_id: &str) -> usize {
        self.solicitations()
            .iter()
            .filter(|s| s.order_id == order_id)
            .count()
    }
}

/// When the order was delivered: as [`AmazonSandbox::deliver_order`] recorded it, else, for an
/// order whose packages all say `DELIVERED`, its last update.
fn delivered_at(state: &AmazonState, order: &Value) -> Option<DateTime<Utc>> {
    let id = order["orderId"].as_str()?;
    if let Some(at) = state.solicitations.delivered.lock().unwrap().get(id) {
        return Some(*at);
    }
    let packages = order["packages"].as_array()?;
    let all = !packages.is_empty()
        && packages
            .iter()
            .all(|p| p["packageStatus"]["status"] == "DELIVERED");
    if !all {
        return None;
    }
    DateTime::parse_from_rfc3339(order["lastUpdatedTime"].as_str()?)
        .ok()
        .map(|t| t.to_utc())
}

/// The order and its marketplace if the request is well-formed, else the refusal.
fn checked(
    state: &AmazonState,
    headers: &HeaderMap,
    id: &str,
    params: &[(String, String)],
) -> Result<(Value, String), Response> {
    if let Some(refusal) = check_token(state, headers) {
        return Err(refusal);
    }
    if let Some((unknown, _)) = params.iter().find(|(k, _)| k != "marketplaceIds") {
        return Err(invalid_input(format!("Unknown parameter: {unknown}")));
    }
    let marketplaces: Vec<&str> = params
        .iter()
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let [marketplace] = marketplaces[..] else {
        return Err(invalid_input(
            "marketplaceIds is required and takes exactly one marketplace",
        ));
    };
    let well_formed = id.len() == 19
        && id.chars().enumerate().all(|(i, c)| {
            if i == 3 || i == 11 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(invalid_input(format!("Invalid amazonOrderId: {id}")));
    }
    let Some(order) = state.orders.lock().unwrap().get(id).cloned() else {
        return Err(sp_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Order {id} was not found"),
            None,
        ));
    };
    if order["salesChannel"]["marketplaceId"] != marketplace {
        return Err(invalid_input(format!(
            "Order {id} was not placed in marketplace {marketplace}"
        )));
    }
    Ok((order, marketplace.to_owned()))
}

/// Whether Amazon would offer the review request for the order now.
fn offered(state: &AmazonState, order: &Value, now: DateTime<Utc>) -> bool {
    let id = order["orderId"].as_str().unwrap_or_default();
    let asked = state
        .solicitations
        .sent
        .lock()
        .unwrap()
        .iter()
        .any(|s| s.order_id == id);
    !asked && in_window(state, order, now)
}

/// Whether `now` is 5 to 30 days after the order's delivery.
fn in_window(state: &AmazonState, order: &Value, now: DateTime<Utc>) -> bool {
    delivered_at(state, order)
        .is_some_and(|d| now >= d + TimeDelta::days(5) && now <= d + TimeDelta::days(30))
}

pub(super) async fn get_actions(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let response = match checked(&state, &headers, &id, &params) {
        Err(refusal) => refusal,
        Ok((order, marketplace)) => {
            let base = format!("/solicitations/v1/orders/{id}");
            let (actions, embedded) = if offered(&state, &order, Utc::now()) {
                (
                    vec![json!({
                        "href": format!("{base}/solicitations/{ACTION}?marketplaceIds={marketplace}"),
                        "name": ACTION,
                    })],
                    vec![json!({"_links": {
                        "self": {"href": format!("{base}/solicitations/{ACTION}?marketplaceIds={marketplace}")},
                        "schema": {"href": format!("{base}/solicitations/{ACTION}/schema"), "name": ACTION},
                    }})],
                )
            } else {
                (Vec::new(), Vec::new())
            };
            let body = json!({
                "_links": {
                    "actions": actions,
                    "self": {"href": format!("{base}?marketplaceIds={marketplace}")},
                },
                "_embedded": {"actions": embedded},
            });
            (
                [("content-type", "application/hal+json")],
                Json(body).into_response(),
            )
                .into_response()
        }
    };
    super::with_rate_header(&state, response)
}

pub(super) async fn create_review(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let response = match checked(&state, &headers, &id, &params) {
        Err(refusal) => refusal,
        Ok((order, marketplace)) => {
            let now = Utc::now();
            // The check and the record under one lock: two concurrent requests make one.
            let mut sent = state.solicitations.sent.lock().unwrap();
            let asked = sent.iter().any(|s| s.order_id == id);
            if asked {
                sp_error(
                    StatusCode::FORBIDDEN,
                    "InvalidInput",
                    &format!("A solicitation was already sent for order {id}"),
                    None,
                )
            } else if !in_window(&state, &order, now) {
                sp_error(
                    StatusCode::FORBIDDEN,
                    "InvalidInput",
                    &format!("Order {id} is not eligible for a solicitation now"),
                    Some("Solicitations may be sent 5 to 30 days after delivery."),
                )
            } else {
                sent.push(Solicitation {
                    order_id: id.clone(),
                    marketplace_id: marketplace,
                    at: now,
                });
                (StatusCode::CREATED, Json(json!({}))).into_response()
            }
        }
    };
    super::with_rate_header(&state, response)
}
