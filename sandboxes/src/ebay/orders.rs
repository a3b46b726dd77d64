//! The eBay sandbox's Fulfillment API (`getOrders`, `getOrder`, `getShippingFulfillments`) and
//! Feedback API (`getFeedback`), with seeded orders and feedback that match the seeded
//! conversations: each conversation's buyer bought the listing it is about.

use super::*;

/// An order as the sandbox keeps it; `fulfillmentHrefs` are derived from `fulfillments` when
/// it is served.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SandboxOrder {
    pub json: Value,
    pub fulfillments: Vec<Value>,
}

impl SandboxOrder {
    pub fn id(&self) -> &str {
        self.json["orderId"].as_str().unwrap_or_default()
    }

    fn time(&self, field: &str) -> Option<DateTime<Utc>> {
        self.json[field]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc())
    }

    /// The order as the API returns it.
    pub fn to_json(&self, base: &str) -> Value {
        let mut json = self.json.clone();
        let hrefs: Vec<Value> = self
            .fulfillments
            .iter()
            .filter_map(|f| f["fulfillmentId"].as_str())
            .map(|f| {
                json!(format!(
                    "{base}{FULFILLMENT_API_PATH}/order/{}/shipping_fulfillment/{f}",
                    self.id()
                ))
            })
            .collect();
        json["fulfillmentHrefs"] = Value::Array(hrefs);
        json
    }
}

fn fulfillment_error(status: StatusCode, error_id: u32, message: &str) -> Response {
    ebay_error(status, error_id, "API_FULFILLMENT", "REQUEST", message)
}

fn feedback_error(error_id: u32, message: &str) -> Response {
    ebay_error(
        StatusCode::BAD_REQUEST,
        error_id,
        "API_FEEDBACK",
        "REQUEST",
        message,
    )
}

/// The API domain of a route, for error bodies.
pub(super) fn domain_of(route: &str) -> &'static str {
    match route {
        GET_ORDERS_ROUTE | GET_ORDER_ROUTE | GET_SHIPPING_FULFILLMENTS_ROUTE => "API_FULFILLMENT",
        GET_FEEDBACK_ROUTE => "API_FEEDBACK",
        _ => "API_MESSAGE",
    }
}

// ---- getOrders ----------------------------------------------------------------------------

/// A `[start..end]` range of the `filter` parameter.
fn date_range(name: &str, value: &str) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>), Response> {
    let invalid_value = || {
        fulfillment_error(
            StatusCode::BAD_REQUEST,
            30800,
            &format!("Invalid filter value {value} for filter {name}"),
        )
    };
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or_else(invalid_value)?;
    let (start, end) = inner.split_once("..").ok_or_else(invalid_value)?;
    if start.is_empty() {
        return Err(fulfillment_error(
            StatusCode::BAD_REQUEST,
            30820,
            "Start date is missing",
        ));
    }
    let parse = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.to_utc())
            .map_err(|_| fulfillment_error(StatusCode::BAD_REQUEST, 30810, "Invalid date format"))
    };
    let start = parse(start)?;
    let end = if end.is_empty() {
        None
    } else {
        Some(parse(end)?)
    };
    if end.is_some_and(|e| e < start) {
        return Err(fulfillment_error(
            StatusCode::BAD_REQUEST,
            30840,
            "Start date should be before end date",
        ));
    }
    Ok((start, end))
}

type Range = (DateTime<Utc>, Option<DateTime<Utc>>);

#[derive(Default)]
struct OrderFilter {
    created: Option<Range>,
    modified: Option<Range>,
    statuses: Option<Vec<String>>,
}

fn order_filter(params: &HashMap<String, String>) -> Result<OrderFilter, Response> {
    let mut filter = OrderFilter::default();
    let Some(text) = params.get("filter") else {
        return Ok(filter);
    };
    for criterion in text.split(',').filter(|c| !c.trim().is_empty()) {
        let (name, value) = criterion.trim().split_once(':').unwrap_or((criterion, ""));
        match name {
            "creationdate" => filter.created = Some(date_range(name, value)?),
            "lastmodifieddate" => filter.modified = Some(date_range(name, value)?),
            "orderfulfillmentstatus" => {
                let statuses = match value {
                    "{NOT_STARTED|IN_PROGRESS}" => ["NOT_STARTED", "IN_PROGRESS"],
                    "{FULFILLED|IN_PROGRESS}" => ["FULFILLED", "IN_PROGRESS"],
                    _ => {
                        return Err(fulfillment_error(
                            StatusCode::BAD_REQUEST,
                            30800,
                            &format!("Invalid filter value {value} for filter {name}"),
                        ));
                    }
                };
                filter.statuses = Some(statuses.map(str::to_owned).to_vec());
            }
            _ => {
                return Err(fulfillment_error(
                    StatusCode::BAD_REQUEST,
                    30700,
                    &format!("Invalid filter name: {name}"),
                ));
            }
        }
    }
    // Documented: with both dates only creationdate is used.
    if filter.created.is_some() {
        filter.modified = None;
    }
    Ok(filter)
}

fn in_range(t: Option<DateTime<Utc>>, range: &Option<Range>) -> bool {
    match (range, t) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((start, end)), Some(t)) => t >= *start && end.is_none_or(|e| t <= e),
    }
}

pub(super) async fn get_orders(
    State(state): State<EbayState>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    check_token(&state, &headers)
        .and_then(|()| list_orders(&state, &headers, &uri, &params))
        .unwrap_or_else(|r| r)
}

fn list_orders(
    state: &EbayState,
    headers: &HeaderMap,
    uri: &OriginalUri,
    params: &HashMap<String, String>,
) -> Result<Response, Response> {
    let limit = match params.get("limit") {
        None => 50,
        Some(v) => match v.parse::<usize>() {
            Ok(n @ 1..=200) => n,
            _ => {
                return Err(fulfillment_error(
                    StatusCode::BAD_REQUEST,
                    31100,
                    &format!("Invalid limit: {v}"),
                ));
            }
        },
    };
    let offset = match params.get("offset") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| {
            fulfillment_error(
                StatusCode::BAD_REQUEST,
                31000,
                &format!("Invalid offset: {v}"),
            )
        })?,
    };
    let ids: Option<Vec<&str>> = params
        .get("orderIds")
        .map(|ids| ids.split(',').map(str::trim).collect());
    if ids.as_ref().is_some_and(|ids| ids.len() > 50) {
        return Err(fulfillment_error(
            StatusCode::BAD_REQUEST,
            30900,
            "Exceeded maximum number of order IDs (the current limit is 50)",
        ));
    }
    // Documented: with orderIds every other parameter is ignored.
    let filter = match ids {
        Some(_) => OrderFilter::default(),
        None => order_filter(params)?,
    };
    let base = base_url(headers);
    let store = state.store.lock().unwrap();
    let mut matching: Vec<&SandboxOrder> = store
        .orders
        .iter()
        .filter(|o| ids.as_ref().is_none_or(|ids| ids.contains(&o.id())))
        .filter(|o| in_range(o.time("creationDate"), &filter.created))
        .filter(|o| in_range(o.time("lastModifiedDate"), &filter.modified))
        .filter(|o| {
            filter.statuses.as_ref().is_none_or(|s| {
                s.iter()
                    .any(|s| o.json["orderFulfillmentStatus"].as_str() == Some(s))
            })
        })
        .collect();
    // Newest first, stable while orders are modified, so offsets stay meaningful.
    matching.sort_by_key(|o| std::cmp::Reverse((o.time("creationDate"), o.id().to_owned())));
    let total = matching.len();
    let (limit, offset) = if ids.is_some() {
        (total.max(1), 0)
    } else {
        (limit, offset)
    };
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| o.to_json(&base))
        .collect();
    let (href, next, prev) = page_links(uri, &base, offset, limit, total);
    let mut body =
        json!({"href": href, "limit": limit, "offset": offset, "orders": page, "total": total});
    if let Some(next) = next {
        body["next"] = json!(next);
    }
    if let Some(prev) = prev {
        body["prev"] = json!(prev);
    }
    Ok(Json(body).into_response())
}

fn valid_order_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn invalid_order_id(status: StatusCode, id: &str) -> Response {
    fulfillment_error(status, 32100, &format!("Invalid order ID: {id}"))
}

pub(super) async fn get_order(
    State(state): State<EbayState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let answer = || -> Result<Response, Response> {
        check_token(&state, &headers)?;
        if !valid_order_id(&id) {
            return Err(invalid_order_id(StatusCode::BAD_REQUEST, &id));
        }
        let store = state.store.lock().unwrap();
        let order = store
            .orders
            .iter()
            .find(|o| o.id() == id)
            .ok_or_else(|| invalid_order_id(StatusCode::NOT_FOUND, &id))?;
        Ok(Json(order.to_json(&base_url(&headers))).into_response())
    };
    answer().unwrap_or_else(|r| r)
}

pub(super) async fn get_shipping_fulfillments(
    State(state): State<EbayState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let answer = || -> Result<Response, Response> {
        check_token(&state, &headers)?;
        let store = state.store.lock().unwrap();
        let order = store
            .orders
            .iter()
            .find(|o| o.id() == id)
            .filter(|_| valid_order_id(&id))
            .ok_or_else(|| invalid_order_id(StatusCode::BAD_REQUEST, &id))?;
        let body = json!({
            "fulfillments": order.fulfillments,
            "total": order.fulfillments.len(),
        });
        Ok(Json(body).into_response())
    };
    answer().unwrap_or_else(|r| r)
}

// ---- getFeedback --------------------------------------------------------------------------

#[derive(Default)]
struct FeedbackFilter {
    comment_type: Option<String>,
    role: Option<String>,
    period_days: Option<i64>,
    automated: bool,
}

fn feedback_filter(params: &HashMap<String, String>) -> Result<FeedbackFilter, Response> {
    let mut filter = FeedbackFilter::default();
    let Some(text) = params.get("filter") else {
        return Ok(filter);
    };
    for criterion in text.split(',').filter(|c| !c.trim().is_empty()) {
        let (name, value) = criterion.trim().split_once(':').unwrap_or((criterion, ""));
        match name {
            "commentType" => {
                if !["POSITIVE", "NEUTRAL", "NEGATIVE"].contains(&value) {
                    return Err(feedback_error(
                        501036,
                        "Invalid overall rating value. Must be POSITIVE, NEUTRAL, or NEGATIVE.",
                    ));
                }
                filter.comment_type = Some(value.to_owned());
            }
            "role" => {
                if !["BUYER", "SELLER"].contains(&value) {
                    return Err(feedback_error(501025, "Input user role value is invalid."));
                }
                filter.role = Some(value.to_owned());
            }
            "period" => match value.parse::<i64>() {
                Ok(days @ (7 | 30 | 90 | 180 | 365)) => filter.period_days = Some(days),
                _ => {
                    return Err(feedback_error(
                        501037,
                        "Invalid period value. Must be 7, 30, 90, 180 or 365.",
                    ));
                }
            },
            "showAutomatedFeedback" => filter.automated = value == "true",
            "filterImage" | "topics" => {}
            _ => {
                return Err(feedback_error(
                    501002,
                    "Unsupported request parameter combination.",
                ));
            }
        }
    }
    Ok(filter)
}

pub(super) async fn get_feedback(
    State(state): State<EbayState>,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    check_token(&state, &headers)
        .and_then(|()| list_feedback(&state, &headers, &uri, &params))
        .unwrap_or_else(|r| r)
}

fn list_feedback(
    state: &EbayState,
    headers: &HeaderMap,
    uri: &OriginalUri,
    params: &HashMap<String, String>,
) -> Result<Response, Response> {
    let user = params
        .get("user_id")
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            feedback_error(
                501000,
                "User Id request parameter is required or is invalid.",
            )
        })?;
    let received = match params.get("feedback_type").map(String::as_str) {
        Some("FEEDBACK_RECEIVED") => true,
        Some("FEEDBACK_SENT") => false,
        _ => {
            return Err(feedback_error(
                501001,
                "Feedback type request parameter is required or invalid. Must be FEEDBACK_RECEIVED or FEEDBACK_SENT.",
            ));
        }
    };
    if params
        .get("sort")
        .is_some_and(|s| s != "RELEVANCE" && s != "TIME")
    {
        return Err(feedback_error(
            501035,
            "Invalid sort type value. Must be RELEVANCE or TIME.",
        ));
    }
    let filter = feedback_filter(params)?;
    let limit = match params.get("limit") {
        None => 25,
        Some(v) => match v.parse::<usize>() {
            Ok(n @ 25..=200) => n,
            _ => {
                return Err(feedback_error(
                    501002,
                    "Unsupported request parameter combination.",
                ));
            }
        },
    };
    let offset = match params.get("offset").map(|v| v.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return Err(feedback_error(
                501002,
                "Unsupported request parameter combination.",
            ));
        }
    };
    // Only the seller's received feedback exists here; eBay looks back from its own clock.
    let ours = received && user.eq_ignore_ascii_case(&state.config.seller_username);
    let cutoff = filter
        .period_days
        .map(|d| Utc::now() - chrono::Duration::days(d));
    let entered = |f: &Value| {
        f["feedbackEnteredDate"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc())
    };
    let store = state.store.lock().unwrap();
    let mut matching: Vec<&Value> = store
        .feedback
        .iter()
        .filter(|_| ours)
        .filter(|f| {
            filter
                .comment_type
                .as_deref()
                .is_none_or(|t| f["commentType"] == t)
        })
        .filter(|f| {
            filter
                .role
                .as_deref()
                .is_none_or(|r| f["providerUserDetail"]["role"] == r)
        })
        .filter(|f| filter.automated || f["automatedFeedback"] != true)
        .filter(|f| cutoff.is_none_or(|c| entered(f).is_some_and(|e| e >= c)))
        .collect();
    matching.sort_by_key(|f| {
        std::cmp::Reverse((
            entered(f),
            f["feedbackId"].as_str().unwrap_or("").to_owned(),
        ))
    });
    let total = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|f| (*f).clone())
        .collect();
    let (_, next, prev) = page_links(uri, &base_url(headers), offset, limit, total);
    let mut pagination =
        json!({"count": page.len(), "limit": limit, "offset": offset, "total": total});
    if let Some(next) = next {
        pagination["next"] = json!(next);
    }
    if let Some(prev) = prev {
        pagination["prev"] = json!(prev);
    }
    Ok(Json(json!({"feedbackEntries": page, "pagination": pagination})).into_response())
}

// ---- seeded data --------------------------------------------------------------------------

/// Per language: marketplace, currency, country, carrier code, shipping service.
const MARKETS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("it", "EBAY_IT", "EUR", "IT", "PosteItaliane", "IT_Posta1"),
    ("de", "EBAY_DE", "EUR", "DE", "DHL", "DE_DHLPaket"),
    (
        "en",
        "EBAY_GB",
        "GBP",
        "GB",
        "RoyalMail",
        "UK_RoyalMailFirstClassStandard",
    ),
    (
        "fr",
        "EBAY_FR",
        "EUR",
        "FR",
        "Colissimo",
        "FR_ColiposteColissimo",
    ),
    (
        "es",
        "EBAY_ES",
        "EUR",
        "ES",
        "Correos",
        "ES_CartasNacionalesHasta20",
    ),
];

const PRODUCTS: &[(&str, &str)] = &[
    ("Ceramic mug 350 ml, red", "MUG-RED-350"),
    ("Linen tea towel set of 3", "TOWEL-LIN-3"),
    ("Stainless steel water bottle 750 ml", "BOTTLE-SS-750"),
    ("Bamboo cutting board, large", "BOARD-BAM-L"),
    ("Cotton tote bag, natural", "TOTE-COT-NAT"),
    ("Scented soy candle, lavender", "CANDLE-LAV"),
];

const FEEDBACK_TEXTS: &[(&str, [&str; 3])] = &[
    (
        "it",
        [
            "Tutto perfetto, spedizione veloce. Consigliato!",
            "Articolo ok ma spedizione lenta.",
            "Pacco mai arrivato, nessuna risposta dal venditore.",
        ],
    ),
    (
        "de",
        [
            "Alles bestens, schnelle Lieferung. Gerne wieder!",
            "Ware ok, Versand hat aber lange gedauert.",
            "Artikel beschädigt angekommen, sehr enttäuscht.",
        ],
    ),
    (
        "en",
        [
            "Great seller, fast delivery. A+++",
            "Item as described but took ages to arrive.",
            "Never received my parcel and no reply to my messages.",
        ],
    ),
    (
        "fr",
        [
            "Parfait, livraison rapide. Merci !",
            "Article correct mais livraison lente.",
            "Colis jamais reçu, vendeur injoignable.",
        ],
    ),
    (
        "es",
        [
            "Todo perfecto, envío rápido. ¡Recomendado!",
            "Artículo bien pero el envío tardó mucho.",
            "El artículo llegó roto, muy decepcionado.",
        ],
    ),
];

fn language_of(buyer: &str) -> &'static str {
    BUYERS
        .iter()
        .find(|(_, buyers)| buyers.contains(&buyer))
        .map_or("en", |(language, _)| language)
}

fn market(
    language: &str,
) -> &'static (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    MARKETS
        .iter()
        .find(|m| m.0 == language)
        .unwrap_or(&MARKETS[2])
}

fn decimal(minor: u64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn money(minor: u64, currency: &str) -> Value {
    json!({"value": decimal(minor), "currency": currency})
}

/// "giulia_r82" → "Giulia R".
fn full_name(buyer: &str) -> String {
    buyer
        .split(['_', '.', '-'])
        .map(|part| part.trim_matches(|c: char| c.is_ascii_digit()))
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn tracking_number(rng: &mut Rng, carrier: &str, country: &str) -> String {
    match carrier {
        "DHL" => format!("00340434{}", rng.digits(12)),
        "Colissimo" => format!("6A{}", rng.digits(11)),
        "Correos" => format!("PQ{}{}", rng.alnum_upper(4), rng.digits(14)),
        _ => crate::amazon::s10(rng, country),
    }
}

/// A plausible order: `buyer` bought `listing` at `created`; shipped (with a tracking
/// number) at `shipped` if given. `now` decides whether the buyer's e-mail is still shown.
#[allow(clippy::too_many_arguments)]
fn generate_order(
    rng: &mut Rng,
    seller: &str,
    buyer: &str,
    listing: &str,
    created: DateTime<Utc>,
    shipped: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SandboxOrder {
    let (_, marketplace, currency, country, carrier, service) = *market(language_of(buyer));
    let (title, sku) = *rng.pick(PRODUCTS);
    let quantity = if rng.chance(80) { 1 } else { 2 };
    let unit = rng.range(799, 4999);
    let delivery = *rng.pick(&[0, 290, 490, 690]);
    let cost = unit * quantity;
    let order_id = format!("{}-{}-{}", rng.digits(2), rng.digits(5), rng.digits(5));
    let line_item_id = format!("1{}", rng.digits(13));
    let ship_by = created + chrono::Duration::days(2);
    let earliest = created + chrono::Duration::days(3);
    let latest = created + chrono::Duration::days(7);
    let status = if shipped.is_some() {
        "FULFILLED"
    } else {
        "NOT_STARTED"
    };
    let modified = shipped.unwrap_or(created + chrono::Duration::minutes(5));
    let name = full_name(buyer);
    let mut contact = json!({"fullName": name});
    // eBay shows the buyer's e-mail for 14 days after the sale only.
    if now - created <= chrono::Duration::days(14) {
        contact["email"] = json!(format!("{}@buyers.example", buyer.replace('.', "_")));
    }
    let address = json!({
        "addressLine1": format!("Via di prova {}", rng.range(1, 120)),
        "city": "Sandbox City",
        "postalCode": rng.digits(5),
        "countryCode": country,
    });
    let json = json!({
        "orderId": order_id,
        "creationDate": stamp(created),
        "lastModifiedDate": stamp(modified),
        "orderFulfillmentStatus": status,
        "orderPaymentStatus": "PAID",
        "sellerId": seller,
        "salesRecordReference": rng.digits(4),
        "buyer": {"username": buyer, "buyerRegistrationAddress": contact},
        "pricingSummary": {
            "priceSubtotal": money(cost, currency),
            "deliveryCost": money(delivery, currency),
            "total": money(cost + delivery, currency),
        },
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "fulfillmentStartInstructions": [{
            "fulfillmentInstructionsType": "SHIP_TO",
            "ebaySupportedFulfillment": false,
            "minEstimatedDeliveryDate": stamp(earliest),
            "maxEstimatedDeliveryDate": stamp(latest),
            "shippingStep": {
                "shippingCarrierCode": carrier,
                "shippingServiceCode": service,
                "shipTo": {"fullName": name, "contactAddress": address},
            },
        }],
        "lineItems": [{
            "lineItemId": line_item_id,
            "legacyItemId": listing,
            "title": title,
            "sku": sku,
            "quantity": quantity,
            "soldFormat": "FIXED_PRICE",
            "lineItemCost": money(cost, currency),
            "total": money(cost + delivery, currency),
            "lineItemFulfillmentStatus": status,
            "listingMarketplaceId": marketplace,
            "purchaseMarketplaceId": marketplace,
            "lineItemFulfillmentInstructions": {
                "shipByDate": stamp(ship_by),
                "minEstimatedDeliveryDate": stamp(earliest),
                "maxEstimatedDeliveryDate": stamp(latest),
                "guaranteedDelivery": false,
            },
            "appliedPromotions": [],
            "taxes": [],
            "refunds": [],
        }],
    });
    let fulfillments = shipped
        .map(|at| {
            let number = tracking_number(rng, carrier, country);
            vec![json!({
                "fulfillmentId": number,
                "shipmentTrackingNumber": number,
                "shippingCarrierCode": carrier,
                "shippedDate": stamp(at),
                "lineItems": [{"lineItemId": line_item_id, "quantity": quantity}],
            })]
        })
        .unwrap_or_default();
    SandboxOrder { json, fulfillments }
}

/// A feedback entry about `order`'s first line item.
fn generate_feedback(
    rng: &mut Rng,
    order: &SandboxOrder,
    comment_type: &str,
    entered: DateTime<Utc>,
) -> Value {
    let buyer = order.json["buyer"]["username"].as_str().unwrap_or("buyer");
    let item = &order.json["lineItems"][0];
    let texts = FEEDBACK_TEXTS
        .iter()
        .find(|(l, _)| *l == language_of(buyer))
        .map_or(FEEDBACK_TEXTS[2].1, |(_, t)| *t);
    let text = match comment_type {
        "POSITIVE" => texts[0],
        "NEUTRAL" => texts[1],
        _ => texts[2],
    };
    let listing = item["legacyItemId"].as_str().unwrap_or_default();
    let line_item = item["lineItemId"].as_str().unwrap_or_default();
    let cost = &item["lineItemCost"];
    let price: f64 = cost["value"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    json!({
        "feedbackId": rng.digits(13),
        "commentType": comment_type,
        "feedbackComment": {"commentText": text},
        "feedbackEnteredDate": stamp(entered),
        "automatedFeedback": false,
        "eligibleForRevision": true,
        "hasImages": false,
        "providerUserDetail": {
            "userId": buyer,
            "role": "BUYER",
            "feedbackScore": rng.range(0, 900),
        },
        "orderLineItemSummary": {
            "listingId": listing,
            "listingTitle": item["title"],
            "orderLineItemId": format!("{listing}-{line_item}"),
            "listingPrice": {"value": price, "currency": cost["currency"]},
        },
    })
}

/// Orders for every seeded conversation (its buyer bought its listing, shortly before
/// writing), `extra` more from the same buyers, and feedback on some shipped ones.
pub(super) fn seed(
    config: &EbayConfig,
    conversations: &[Conversation],
) -> (Vec<SandboxOrder>, Vec<Value>) {
    // Its own generator, so the conversations stay what they were for a seed.
    let mut rng = Rng::new(config.seed ^ 0x0E0B_0FF1_CE00);
    let now = config.now;
    let mut wanted: Vec<(String, String, DateTime<Utc>)> = conversations
        .iter()
        .filter(|c| !c.from_ebay)
        .filter_map(|c| {
            let listing = c.listing.clone()?;
            let before = chrono::Duration::seconds(rng.range(2 * 3600, 6 * 86_400) as i64);
            Some((c.other_party.clone(), listing, c.created - before))
        })
        .collect();
    for _ in 0..config.orders {
        let (_, buyers) = *rng.pick(BUYERS);
        let buyer = (*rng.pick(buyers)).to_owned();
        let listing = format!("1{}", rng.digits(11));
        let created = now - chrono::Duration::seconds(rng.range(3600, 30 * 86_400) as i64);
        wanted.push((buyer, listing, created));
    }
    let mut orders = Vec::new();
    let mut feedback = Vec::new();
    for (buyer, listing, created) in wanted {
        let shipped = rng.chance(70).then(|| {
            (created + chrono::Duration::seconds(rng.range(4 * 3600, 2 * 86_400) as i64)).min(now)
        });
        let order = generate_order(
            &mut rng,
            &config.seller_username,
            &buyer,
            &listing,
            created,
            shipped,
            now,
        );
        if let Some(shipped) = shipped
            && rng.chance(60)
        {
            let comment_type = match rng.below(100) {
                0..60 => "POSITIVE",
                60..80 => "NEUTRAL",
                _ => "NEGATIVE",
            };
            let after = chrono::Duration::seconds(rng.range(86_400, 8 * 86_400) as i64);
            let entered = (shipped + after).min(now);
            feedback.push(generate_feedback(&mut rng, &order, comment_type, entered));
        }
        orders.push(order);
    }
    (orders, feedback)
}

/// An order of `buyer` for `listing` created at `created` and not shipped yet, shaped like
/// the model, for tests to adjust and add with [`EbaySandbox::add_order`].
pub fn sample_order(
    seed: u64,
    seller: &str,
    buyer: &str,
    listing: &str,
    created: DateTime<Utc>,
) -> Value {
    let mut rng = Rng::new(seed);
    generate_order(&mut rng, seller, buyer, listing, created, None, created).json
}
