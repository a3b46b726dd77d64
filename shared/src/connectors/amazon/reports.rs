//! SP-API Reports 2021-06-30 for one seller account: `createReport`, `getReport`,
//! `getReportDocument` and the document download (GZIP or plain).
//!
//! A report takes minutes to hours to be ready, so nothing here waits for one: a caller
//! creates it on one run ([`SpApiReports::create_report`]) and asks for it on later ones
//! ([`SpApiReports::collect`]), keeping the report id in between (decision 0023). The same LWA
//! token, retry policy, rate limiters and error classification as the Orders client.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use crate::domain::AccountId;

use super::orders::{classify_error, token_refused};
use super::{LwaClient, Region};

const REPORTS_PATH: &str = "/reports/2021-06-30/reports";
const DOCUMENTS_PATH: &str = "/reports/2021-06-30/documents";
const RATE_HEADER: &str = "x-amzn-ratelimit-limit";
const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// The report type of seller feedback (tab-separated; `feedback::parse`).
pub const SELLER_FEEDBACK_REPORT: &str = "GET_SELLER_FEEDBACK_DATA";

/// Largest report document accepted, after decompression.
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// `CreateReportSpecification` (without `reportOptions`, which this report type has none of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateReportSpecification {
    pub report_type: String,
    pub marketplace_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_end_time: Option<String>,
}

/// `CreateReportResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateReportResponse {
    pub report_id: String,
}

/// `Report.processingStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProcessingStatus {
    Cancelled,
    Done,
    Fatal,
    InProgress,
    InQueue,
}

/// `Report`, the fields read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub report_id: String,
    pub report_type: String,
    pub processing_status: ProcessingStatus,
    #[serde(default)]
    pub report_document_id: Option<String>,
    #[serde(default)]
    pub marketplace_ids: Vec<String>,
}

/// `ReportDocument`. The URL is presigned: it is a secret while it lives (5 minutes).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDocument {
    pub report_document_id: String,
    pub url: String,
    #[serde(default)]
    pub compression_algorithm: Option<String>,
}

impl fmt::Debug for ReportDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportDocument")
            .field("report_document_id", &self.report_document_id)
            .field("compression_algorithm", &self.compression_algorithm)
            .finish_non_exhaustive()
    }
}

/// Where a report stands when it is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collected {
    /// `IN_QUEUE` or `IN_PROGRESS`: ask again on a later run.
    Pending,
    /// `DONE`: the document's text, decompressed.
    Done(Vec<u8>),
    /// `CANCELLED` without a document: Amazon had no data for the period (an empty report).
    Empty,
    /// `FATAL`, or `CANCELLED` with a document: it failed; create a new one.
    Failed(String),
}

/// Settings of the Reports client for one seller account.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportsConfig {
    pub account: AccountId,
    pub region: Region,
    /// Replaces the region's endpoint (a sandbox, the local stack).
    pub endpoint: Option<String>,
    pub create_rate: RateLimit,
    pub get_rate: RateLimit,
    pub document_rate: RateLimit,
    pub http: HttpConfig,
}

impl ReportsConfig {
    /// Amazon's default usage plans: createReport 0.0167/s burst 15, getReport 2/s burst 15,
    /// getReportDocument 0.0167/s burst 15.
    pub fn new(account: AccountId, region: Region) -> Self {
        Self {
            account,
            region,
            endpoint: None,
            create_rate: RateLimit::new(0.0167, 15),
            get_rate: RateLimit::new(2.0, 15),
            document_rate: RateLimit::new(0.0167, 15),
            http: HttpConfig::default(),
        }
    }

    fn base_url(&self) -> &str {
        self.endpoint
            .as_deref()
            .unwrap_or(self.region.endpoint())
            .trim_end_matches('/')
    }
}

/// The Reports API of one seller account.
pub struct SpApiReports {
    config: ReportsConfig,
    lwa: Arc<LwaClient>,
    http: reqwest::Client,
    create_limiter: RateLimiter,
    get_limiter: RateLimiter,
    document_limiter: RateLimiter,
}

impl fmt::Debug for SpApiReports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpApiReports")
            .field("account", &self.config.account)
            .field("region", &self.config.region)
            .finish()
    }
}

/// Report ids and document ids go into paths: only what Amazon uses in them passes.
fn path_id(ctx: &CallContext, id: &str) -> Result<(), ConnectorError> {
    if id.is_empty()
        || id.len() > 200
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ctx.error(ErrorKind::InvalidRequest(format!(
            "'{id}' is not a report id"
        ))));
    }
    Ok(())
}

enum Body<'a> {
    Get,
    Post(&'a CreateReportSpecification),
}

impl SpApiReports {
    pub fn new(config: ReportsConfig, lwa: Arc<LwaClient>, http: reqwest::Client) -> Self {
        Self {
            create_limiter: RateLimiter::new(config.create_rate),
            get_limiter: RateLimiter::new(config.get_rate),
            document_limiter: RateLimiter::new(config.document_rate),
            config,
            lwa,
            http,
        }
    }

    pub fn config(&self) -> &ReportsConfig {
        &self.config
    }

    /// `createReport`; the report id to collect later.
    pub async fn create_report(
        &self,
        report_type: &str,
        marketplace_ids: &[String],
        data_start_time: Option<DateTime<Utc>>,
    ) -> Result<String, ConnectorError> {
        let ctx = self.context("createReport");
        if marketplace_ids.is_empty() || marketplace_ids.len() > 25 {
            return Err(ctx.error(ErrorKind::InvalidRequest(
                "createReport needs 1–25 marketplaceIds".into(),
            )));
        }
        let spec = CreateReportSpecification {
            report_type: report_type.to_owned(),
            marketplace_ids: marketplace_ids.to_vec(),
            data_start_time: data_start_time.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            data_end_time: None,
        };
        let created: CreateReportResponse = self
            .request(
                &ctx,
                &self.create_limiter,
                REPORTS_PATH.to_owned(),
                Body::Post(&spec),
            )
            .await?;
        Ok(created.report_id)
    }

    /// `getReport`.
    pub async fn get_report(&self, report_id: &str) -> Result<Report, ConnectorError> {
        let ctx = self.context("getReport");
        path_id(&ctx, report_id)?;
        self.request(
            &ctx,
            &self.get_limiter,
            format!("{REPORTS_PATH}/{report_id}"),
            Body::Get,
        )
        .await
    }

    /// `getReportDocument`.
    pub async fn get_report_document(
        &self,
        document_id: &str,
    ) -> Result<ReportDocument, ConnectorError> {
        let ctx = self.context("getReportDocument");
        path_id(&ctx, document_id)?;
        self.request(
            &ctx,
            &self.document_limiter,
            format!("{DOCUMENTS_PATH}/{document_id}"),
            Body::Get,
        )
        .await
    }

    /// The document's content, decompressed. The presigned URL takes no access token.
    pub async fn download(&self, document: &ReportDocument) -> Result<Vec<u8>, ConnectorError> {
        let ctx = self.context("downloadReportDocument");
        let url = Secret::new(document.url.clone());
        let response = self
            .config
            .http
            .retry
            .run(|| async {
                let response =
                    http::execute(&ctx, self.http.get(url.expose()), self.config.http.timeout)
                        .await?;
                match response.status {
                    200..=299 => Ok(response),
                    429 => Err(ctx.error(ErrorKind::Throttled {
                        retry_after: response.retry_after(),
                    })),
                    500..=599 => Err(ctx.error(ErrorKind::Server {
                        status: response.status,
                        detail: response.excerpt(),
                    })),
                    status => Err(ctx.error(ErrorKind::Rejected {
                        status,
                        code: String::new(),
                        detail: response.excerpt(),
                    })),
                }
            })
            .await?;
        match document.compression_algorithm.as_deref() {
            None => Ok(response.body),
            Some("GZIP") => gunzip(&response.body).map_err(|detail| {
                ctx.error(ErrorKind::InvalidResponse {
                    status: response.status,
                    detail,
                    transient: false,
                })
            }),
            Some(other) => Err(ctx.error(ErrorKind::Mapping(format!(
                "unknown compressionAlgorithm '{other}'"
            )))),
        }
    }

    /// Asks for a report created earlier and, once it is done, downloads its document.
    pub async fn collect(&self, report_id: &str) -> Result<Collected, ConnectorError> {
        let report = self.get_report(report_id).await?;
        match (report.processing_status, report.report_document_id) {
            (ProcessingStatus::InQueue | ProcessingStatus::InProgress, _) => Ok(Collected::Pending),
            (ProcessingStatus::Cancelled, None) => Ok(Collected::Empty),
            (ProcessingStatus::Done, Some(document)) => {
                let document = self.get_report_document(&document).await?;
                self.download(&document).await.map(Collected::Done)
            }
            (ProcessingStatus::Done, None) => Err(self.context("getReport").error(
                ErrorKind::Mapping(format!("report {report_id} is DONE without a document")),
            )),
            (status, _) => Ok(Collected::Failed(format!(
                "report {report_id} ended {status:?}"
            ))),
        }
    }

    fn context(&self, call: &'static str) -> CallContext {
        CallContext::new("sp-api", self.config.account.as_str(), call)
    }

    /// One call with the shared retry policy, as the Orders client sends its calls: rate
    /// limited, token attached (replaced once if Amazon refuses it), body read in the attempt.
    async fn request<T: DeserializeOwned>(
        &self,
        ctx: &CallContext,
        limiter: &RateLimiter,
        path: String,
        body: Body<'_>,
    ) -> Result<T, ConnectorError> {
        let url = format!("{}{path}", self.config.base_url());
        let budget = self.config.http.retry.budget;
        self.config
            .http
            .retry
            .run(|| async {
                if let Err(wait) = limiter.acquire_within(budget).await {
                    return Err(ctx.error(ErrorKind::Throttled {
                        retry_after: Some(wait),
                    }));
                }
                let token = self.lwa.access_token().await?;
                let mut response = self.send(ctx, &url, &body, &token).await?;
                if token_refused(&response) {
                    let fresh = self.lwa.replace(&token).await?;
                    response = self.send(ctx, &url, &body, &fresh).await?;
                }
                if let Some(rate) = response.number_header(RATE_HEADER) {
                    limiter.set_rate(rate);
                }
                let request_id = response.header(REQUEST_ID_HEADER).map(str::to_owned);
                match response.status {
                    200..=299 => response.json(ctx),
                    _ => Err(classify_error(ctx, &response)),
                }
                .map_err(|e| e.with_request_id(request_id))
            })
            .await
    }

    async fn send(
        &self,
        ctx: &CallContext,
        url: &str,
        body: &Body<'_>,
        token: &Secret,
    ) -> Result<RawResponse, ConnectorError> {
        let request = match body {
            Body::Get => self.http.get(url),
            Body::Post(spec) => self.http.post(url).json(spec),
        }
        .header("x-amz-access-token", token.expose())
        .header("accept", "application/json");
        http::execute(ctx, request, self.config.http.timeout).await
    }
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("GZIP document cannot be decompressed: {e}"))?;
    if out.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "report document is larger than {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_create_body_uses_the_models_names() {
        let spec = CreateReportSpecification {
            report_type: SELLER_FEEDBACK_REPORT.into(),
            marketplace_ids: vec!["APJ6JRA9NG5V4".into()],
            data_start_time: Some("2026-10-01T00:00:00Z".into()),
            data_end_time: None,
        };
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({
                "reportType": "GET_SELLER_FEEDBACK_DATA",
                "marketplaceIds": ["APJ6JRA9NG5V4"],
                "dataStartTime": "2026-10-01T00:00:00Z"
            })
        );
    }

    #[test]
    fn gzip_documents_are_decompressed_and_garbage_is_refused() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"Date\tRating\n").unwrap();
        let zipped = encoder.finish().unwrap();
        assert_eq!(gunzip(&zipped).unwrap(), b"Date\tRating\n");
        assert!(gunzip(b"not gzip").is_err());
    }

    #[test]
    fn the_presigned_url_is_not_printed() {
        let doc = ReportDocument {
            report_document_id: "doc1".into(),
            url: "https://example.com/doc?X-Amz-Signature=secret".into(),
            compression_algorithm: None,
        };
        assert!(!format!("{doc:?}").contains("secret"));
    }
}
