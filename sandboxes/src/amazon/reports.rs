//! SP-API Reports 2021-06-30, as far as the seller feedback report needs it:
//!
//! - `POST /reports/2021-06-30/reports` (route `createReport`): a `CreateReportSpecification`
//!   (undeclared properties refused) → 202 `{"reportId"}`. Only `GET_SELLER_FEEDBACK_DATA` is
//!   served; the rows are fixed when the report is created.
//! - `GET /reports/2021-06-30/reports/{reportId}` (route `getReport`): `IN_QUEUE`, then
//!   `IN_PROGRESS`, then `DONE` with a `reportDocumentId` — or `CANCELLED` without one when the
//!   period has no feedback, as Amazon does.
//! - `GET /reports/2021-06-30/documents/{reportDocumentId}` (route `getReportDocument`): a
//!   `ReportDocument` whose `url` is served by this sandbox (route `downloadReportDocument`, no
//!   token, like a presigned URL), GZIP-compressed when [`Reports::set_gzip`] says so.
//!
//! Every route takes the sandbox's `Faults` (429 `QuotaExceeded`, 5xx, expired token).
//! Unless a test sets its own rows ([`Reports::set_feedback`]), each report holds feedback for
//! the stored orders of its marketplaces: a 1-star product-review comment that also blames the
//! parcel on the first FBA order, a 2-star comment about the seller on the first FBM order, a
//! neutral one on the second FBM order and a positive one on the second FBA order; dates in the
//! marketplace's format.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::{AmazonState, check_token, invalid_input, sp_error, stamp, with_rate_header};

pub const CREATE_REPORT_ROUTE: &str = "createReport";
pub const GET_REPORT_ROUTE: &str = "getReport";
pub const GET_REPORT_DOCUMENT_ROUTE: &str = "getReportDocument";
pub const DOWNLOAD_REPORT_DOCUMENT_ROUTE: &str = "downloadReportDocument";

pub const SELLER_FEEDBACK_REPORT: &str = "GET_SELLER_FEEDBACK_DATA";

const SPEC_FIELDS: &[&str] = &[
    "reportOptions",
    "reportType",
    "dataStartTime",
    "dataEndTime",
    "marketplaceIds",
];

/// One row of a feedback report, as a test sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackLine {
    pub marketplace_id: String,
    pub date: NaiveDate,
    pub stars: u8,
    pub comment: String,
    pub response: String,
    pub order_id: String,
    pub rater_email: String,
}

#[derive(Debug, Clone)]
struct StoredReport {
    body: Value,
    /// getReport calls answered so far.
    polls: usize,
    document: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
struct Inner {
    reports: BTreeMap<String, StoredReport>,
    documents: BTreeMap<String, Vec<u8>>,
    feedback: Option<Vec<FeedbackLine>>,
    /// getReport answers before DONE (IN_QUEUE, then IN_PROGRESS).
    pending_polls: usize,
    gzip: bool,
    create_bodies: Vec<Value>,
    counter: u64,
}

/// The sandbox's reports; shared by its handlers.
#[derive(Debug, Clone)]
pub struct Reports(Arc<Mutex<Inner>>);

impl Default for Reports {
    fn default() -> Self {
        Reports(Arc::new(Mutex::new(Inner {
            pending_polls: 2,
            ..Inner::default()
        })))
    }
}

impl Reports {
    /// Rows of every report created from now on (instead of the generated ones).
    pub fn set_feedback(&self, rows: Vec<FeedbackLine>) {
        self.0.lock().unwrap().feedback = Some(rows);
    }

    /// How many getReport calls answer IN_QUEUE / IN_PROGRESS before DONE (default 2).
    pub fn set_pending_polls(&self, polls: usize) {
        self.0.lock().unwrap().pending_polls = polls;
    }

    /// Documents are served GZIP-compressed (`compressionAlgorithm: GZIP`).
    pub fn set_gzip(&self, gzip: bool) {
        self.0.lock().unwrap().gzip = gzip;
    }

    /// Every createReport body received, as sent.
    pub fn create_bodies(&self) -> Vec<Value> {
        self.0.lock().unwrap().create_bodies.clone()
    }

    /// How many reports were created.
    pub fn created(&self) -> usize {
        self.0.lock().unwrap().reports.len()
    }
}

fn date_format(marketplace_id: &str) -> &'static str {
    match marketplace_id {
        "ATVPDKIKX0DER" | "A2EUQ1WTGCTBG2" => "%m/%d/%y",
        "A1PA6795UKMFR9" => "%d.%m.%Y",
        "A1VC38T7YXB528" => "%Y/%m/%d",
        _ => "%d/%m/%Y",
    }
}

fn generated_rows(
    orders: &[Value],
    marketplaces: &[String],
    now: DateTime<Utc>,
) -> Vec<FeedbackLine> {
    let mut rows = Vec::new();
    for market in marketplaces {
        let of_market = |by: &str| {
            orders
                .iter()
                .filter(|o| o["salesChannel"]["marketplaceId"] == market.as_str())
                .filter(|o| o["fulfillment"]["fulfilledBy"] == by)
                .cloned()
                .collect::<Vec<_>>()
        };
        let (fba, fbm) = (of_market("AMAZON"), of_market("MERCHANT"));
        let plan: [(Option<&Value>, u8, &str); 4] = [
            (
                fba.first(),
                1,
                "The item stopped working after two days, cheap quality. The parcel also arrived late.",
            ),
            (
                fbm.first(),
                2,
                "Seller never answered my message about the missing invoice.",
            ),
            (fbm.get(1), 3, "Took a while, OK in the end."),
            (fba.get(1), 5, "Great, thanks."),
        ];
        for (order, stars, comment) in plan {
            let Some(order) = order else { continue };
            let created = order["createdTime"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map_or(now, |t| t.to_utc());
            let left = (created + chrono::Duration::days(3)).min(now);
            rows.push(FeedbackLine {
                marketplace_id: market.clone(),
                date: left.date_naive(),
                stars,
                comment: comment.to_owned(),
                response: String::new(),
                order_id: super::order_id(order),
                rater_email: format!("{}@marketplace.amazon.com", &super::order_id(order)[12..]),
            });
        }
    }
    rows
}

fn document(rows: &[FeedbackLine]) -> Vec<u8> {
    let mut text = String::from("Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n");
    for r in rows {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            r.date.format(date_format(&r.marketplace_id)),
            r.stars,
            r.comment,
            r.response,
            r.order_id,
            r.rater_email
        ));
    }
    text.into_bytes()
}

fn parse_time(body: &Value, name: &str) -> Result<Option<DateTime<Utc>>, Response> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| invalid_input(format!("{name} is not an ISO 8601 date-time"))),
        Some(_) => Err(invalid_input(format!("{name} must be a string"))),
    }
}

pub(super) async fn create_report(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refusal) = check_token(&state, &headers) {
        return refusal;
    }
    let response = (|| {
        let body: Value = serde_json::from_slice(&body)
            .map_err(|_| invalid_input("The request body is not JSON"))?;
        let object = body
            .as_object()
            .ok_or_else(|| invalid_input("The request body must be a CreateReportSpecification"))?;
        if let Some(unknown) = object.keys().find(|k| !SPEC_FIELDS.contains(&k.as_str())) {
            return Err(invalid_input(format!("Unknown property: {unknown}")));
        }
        state
            .reports
            .0
            .lock()
            .unwrap()
            .create_bodies
            .push(body.clone());
        let report_type = body["reportType"]
            .as_str()
            .ok_or_else(|| invalid_input("reportType is required"))?;
        if report_type != SELLER_FEEDBACK_REPORT {
            return Err(invalid_input(format!(
                "Report type {report_type} is not offered by this sandbox"
            )));
        }
        let marketplaces: Vec<String> = body["marketplaceIds"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if marketplaces.is_empty()
            || marketplaces.len() > 25
            || body["marketplaceIds"].as_array().map(Vec::len) != Some(marketplaces.len())
        {
            return Err(invalid_input(
                "marketplaceIds must hold 1 to 25 marketplace ids",
            ));
        }
        let now = Utc::now();
        let start = parse_time(&body, "dataStartTime")?;
        let end = parse_time(&body, "dataEndTime")?;
        if start.is_some_and(|s| s > now) || end.is_some_and(|e| e > now) {
            return Err(invalid_input(
                "dataStartTime and dataEndTime must not be in the future",
            ));
        }
        let orders = state
            .orders
            .lock()
            .unwrap()
            .values()
            .cloned()
            .collect::<Vec<_>>();
        let mut inner = state.reports.0.lock().unwrap();
        let rows: Vec<FeedbackLine> = match &inner.feedback {
            Some(rows) => rows
                .iter()
                .filter(|r| marketplaces.contains(&r.marketplace_id))
                .cloned()
                .collect(),
            None => generated_rows(&orders, &marketplaces, state.config.now.max(now)),
        };
        let rows: Vec<FeedbackLine> = rows
            .into_iter()
            .filter(|r| start.is_none_or(|s| r.date >= s.date_naive()))
            .filter(|r| end.is_none_or(|e| r.date <= e.date_naive()))
            .collect();
        inner.counter += 1;
        let id = format!("{}{:06}", 50000 + state.config.seed, inner.counter);
        let mut report = json!({
            "reportId": id,
            "reportType": report_type,
            "marketplaceIds": marketplaces,
            "createdTime": stamp(now),
            "processingStatus": "IN_QUEUE",
        });
        if let Some(start) = start {
            report["dataStartTime"] = json!(stamp(start));
        }
        if let Some(end) = end {
            report["dataEndTime"] = json!(stamp(end));
        }
        let document = (!rows.is_empty()).then(|| document(&rows));
        inner.reports.insert(
            id.clone(),
            StoredReport {
                body: report,
                polls: 0,
                document,
            },
        );
        Ok((StatusCode::ACCEPTED, Json(json!({ "reportId": id }))).into_response())
    })()
    .unwrap_or_else(|refusal| refusal);
    with_rate_header(&state, response)
}

pub(super) async fn get_report(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refusal) = check_token(&state, &headers) {
        return refusal;
    }
    let mut inner = state.reports.0.lock().unwrap();
    let pending = inner.pending_polls;
    let gzip = inner.gzip;
    let Some(report) = inner.reports.get_mut(&id) else {
        return sp_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Report {id} was not found"),
            None,
        );
    };
    report.polls += 1;
    let now = stamp(Utc::now());
    let mut body = report.body.clone();
    let new_document = if report.polls <= pending {
        body["processingStatus"] = json!(if report.polls == 1 {
            "IN_QUEUE"
        } else {
            "IN_PROGRESS"
        });
        if report.polls > 1 {
            body["processingStartTime"] = json!(now);
        }
        None
    } else {
        body["processingStartTime"] = json!(now);
        body["processingEndTime"] = json!(now);
        match &report.document {
            Some(content) => {
                body["processingStatus"] = json!("DONE");
                let doc_id = format!("amzn1.spdoc.1.4.eu.{id}");
                body["reportDocumentId"] = json!(doc_id);
                let stored = if gzip {
                    let mut e =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    e.write_all(content).expect("in memory");
                    e.finish().expect("in memory")
                } else {
                    content.clone()
                };
                Some((doc_id, stored))
            }
            None => {
                body["processingStatus"] = json!("CANCELLED");
                None
            }
        }
    };
    if let Some((doc_id, stored)) = new_document {
        inner.documents.insert(doc_id, stored);
    }
    drop(inner);
    with_rate_header(&state, Json(body).into_response())
}

pub(super) async fn get_report_document(
    State(state): State<AmazonState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(refusal) = check_token(&state, &headers) {
        return refusal;
    }
    if let Some(unknown) = params
        .keys()
        .find(|k| k.as_str() != "enableContentEncodingUrlHeader")
    {
        return invalid_input(format!("Unknown parameter: {unknown}"));
    }
    let inner = state.reports.0.lock().unwrap();
    if !inner.documents.contains_key(&id) {
        return sp_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("Report document {id} was not found"),
            None,
        );
    }
    let gzip = inner.gzip;
    drop(inner);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut body = json!({
        "reportDocumentId": id,
        "url": format!("http://{host}/sandbox/report-documents/{id}?X-Amz-Signature=sandbox"),
    });
    if gzip {
        body["compressionAlgorithm"] = json!("GZIP");
    }
    with_rate_header(&state, Json(body).into_response())
}

/// The presigned document URL: no access token, the bytes as stored.
pub(super) async fn download_report_document(
    State(state): State<AmazonState>,
    Path(id): Path<String>,
) -> Response {
    match state.reports.0.lock().unwrap().documents.get(&id) {
        Some(bytes) => (
            [(header::CONTENT_TYPE, "text/tab-separated-values")],
            bytes.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_feedback_covers_an_fba_product_review_and_uses_the_marketplace_date_format() {
        let now = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let orders = super::super::seeded_orders(&super::super::AmazonConfig::default());
        let rows = generated_rows(&orders, &["A1PA6795UKMFR9".into()], now);
        assert!(rows.len() >= 2, "{rows:?}");
        assert!(
            rows.iter()
                .any(|r| r.stars == 1 && r.comment.contains("stopped working"))
        );
        let text = String::from_utf8(document(&rows)).unwrap();
        let first = text.lines().nth(1).unwrap();
        assert_eq!(
            first.split('\t').next().unwrap(),
            rows[0].date.format("%d.%m.%Y").to_string()
        );
    }
}
