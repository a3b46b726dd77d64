//! Contract and client tests of the SP-API Reports 2021-06-30 sandbox routes: every body the
//! client sends and every answer the sandbox gives validates against the official model
//! (`shared/specs/amazon/reports_2021-06-30.json`, undeclared properties forbidden); the Reports
//! client creates the seller feedback report, collects it on later calls, reads GZIP documents,
//! takes an empty (CANCELLED) report as empty, and rides out the sandbox's faults.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use common::Model;
use marketdesk::connectors::amazon::reports::{Collected, SELLER_FEEDBACK_REPORT};
use marketdesk::connectors::amazon::{
    LwaClient, LwaCredentials, Region, ReportsConfig, SpApiReports,
};
use marketdesk::connectors::{ErrorKind, HttpConfig, RateLimit, RetryPolicy, Secret};
use marketdesk::domain::AccountId;
use marketdesk::feedback::{DateFormat, parse_report};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::amazon::{
    AmazonSandbox, CREATE_REPORT_ROUTE, FeedbackLine, GET_REPORT_DOCUMENT_ROUTE, GET_REPORT_ROUTE,
};
use serde_json::{Value, json};

const SPEC: &str = "amazon/reports_2021-06-30.json";
const DE: &str = "A1PA6795UKMFR9";

fn http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_millis(800),
        connect_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_attempts: 4,
            budget: Duration::from_secs(5),
        },
    }
}

fn client(sandbox: &AmazonSandbox) -> SpApiReports {
    let cfg = sandbox.config();
    let http_config = http();
    let client = http_config.build_client();
    let lwa = LwaClient::new(
        "acct_eu",
        LwaCredentials {
            client_id: cfg.client_id.clone(),
            client_secret: Secret::new(cfg.client_secret.clone()),
            refresh_token: Secret::new(cfg.refresh_token.clone()),
        },
        sandbox.token_url(),
        client.clone(),
        http_config.timeout,
    );
    let mut config = ReportsConfig::new(AccountId::parse("acct_eu").unwrap(), Region::Europe);
    config.endpoint = Some(sandbox.base_url());
    config.http = http_config;
    config.create_rate = RateLimit::new(1000.0, 1000);
    config.get_rate = RateLimit::new(1000.0, 1000);
    config.document_rate = RateLimit::new(1000.0, 1000);
    SpApiReports::new(config, Arc::new(lwa), client)
}

async fn token(sandbox: &AmazonSandbox, http: &reqwest::Client) -> String {
    let cfg = sandbox.config();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", cfg.refresh_token.as_str()),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.as_str()),
    ];
    let token: Value = http
        .post(sandbox.token_url())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

async fn call(
    http: &reqwest::Client,
    token: &str,
    request: reqwest::RequestBuilder,
) -> (u16, Value) {
    let _ = http;
    let response = request
        .header("x-amz-access-token", token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    let json =
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("HTTP {status}: not JSON ({e})"));
    (status, json)
}

#[tokio::test]
async fn every_answer_of_the_report_flow_validates_against_the_model() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    let http = reqwest::Client::new();
    let token = token(&sandbox, &http).await;
    let base = sandbox.base_url();
    let created = Model::swagger(SPEC, "CreateReportResponse");
    let report = Model::swagger(SPEC, "Report");
    let document = Model::swagger(SPEC, "ReportDocument");
    let errors = Model::swagger(SPEC, "ErrorList");

    let (status, body) = call(
        &http,
        &token,
        http.post(format!("{base}/reports/2021-06-30/reports"))
            .json(&json!({
                "reportType": SELLER_FEEDBACK_REPORT,
                "marketplaceIds": [DE],
                "dataStartTime": "2026-09-01T00:00:00Z"
            })),
    )
    .await;
    assert_eq!(status, 202);
    created.assert_valid(&body);
    let id = body["reportId"].as_str().unwrap().to_owned();

    let mut statuses = Vec::new();
    let mut doc_id = None;
    for _ in 0..4 {
        let (status, body) = call(
            &http,
            &token,
            http.get(format!("{base}/reports/2021-06-30/reports/{id}")),
        )
        .await;
        assert_eq!(status, 200);
        report.assert_valid(&body);
        statuses.push(body["processingStatus"].as_str().unwrap().to_owned());
        doc_id = body["reportDocumentId"].as_str().map(str::to_owned);
    }
    assert_eq!(statuses, ["IN_QUEUE", "IN_PROGRESS", "DONE", "DONE"]);
    let doc_id = doc_id.expect("a DONE report names its document");
    let (status, body) = call(
        &http,
        &token,
        http.get(format!("{base}/reports/2021-06-30/documents/{doc_id}")),
    )
    .await;
    assert_eq!(status, 200);
    document.assert_valid(&body);
    let text = http
        .get(body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n"));

    // Refusals: ErrorList, for a bad body, an unknown report, a missing token and each fault.
    for (status, body) in [
        call(&http, &token, http.post(format!("{base}/reports/2021-06-30/reports")).json(&json!({"reportType": SELLER_FEEDBACK_REPORT, "marketplaceIds": []}))).await,
        call(&http, &token, http.post(format!("{base}/reports/2021-06-30/reports")).json(&json!({"reportType": SELLER_FEEDBACK_REPORT, "marketplaceIds": [DE], "colour": 1}))).await,
        call(&http, &token, http.get(format!("{base}/reports/2021-06-30/reports/nope"))).await,
        call(&http, "", http.get(format!("{base}/reports/2021-06-30/reports/{id}"))).await,
    ] {
        assert!((400..500).contains(&status), "{status} {body}");
        errors.assert_valid(&body);
    }
    sandbox
        .faults()
        .push(GET_REPORT_ROUTE, Fault::Throttle { retry_after: None });
    sandbox
        .faults()
        .push(GET_REPORT_ROUTE, Fault::ServerError(503));
    sandbox.faults().push(GET_REPORT_ROUTE, Fault::ExpiredToken);
    for expected in [429, 503, 403] {
        let (status, body) = call(
            &http,
            &token,
            http.get(format!("{base}/reports/2021-06-30/reports/{id}")),
        )
        .await;
        assert_eq!(status, expected);
        errors.assert_valid(&body);
        if expected == 429 {
            assert_eq!(body["errors"][0]["code"], "QuotaExceeded");
        }
    }
}

#[tokio::test]
async fn the_client_creates_on_one_call_collects_on_later_ones_and_its_bodies_validate() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox.reports().set_gzip(true);
    let reports = client(&sandbox);
    let id = reports
        .create_report(
            SELLER_FEEDBACK_REPORT,
            &[DE.to_owned()],
            Some(Utc::now() - chrono::Duration::days(90)),
        )
        .await
        .unwrap();
    let spec = Model::swagger(SPEC, "CreateReportSpecification");
    let bodies = sandbox.reports().create_bodies();
    assert_eq!(bodies.len(), 1);
    bodies.iter().for_each(|b| spec.assert_valid(b));

    assert_eq!(reports.collect(&id).await.unwrap(), Collected::Pending);
    assert_eq!(reports.collect(&id).await.unwrap(), Collected::Pending);
    let Collected::Done(bytes) = reports.collect(&id).await.unwrap() else {
        panic!("the third call finds it done");
    };
    let parsed = parse_report(&bytes, DateFormat::for_marketplace(DE)).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert!(
        parsed
            .rows
            .iter()
            .any(|r| r.stars == 1 && r.comment.contains("stopped working"))
    );
    let orders: Vec<String> = sandbox
        .orders()
        .iter()
        .map(|o| o["orderId"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        parsed
            .rows
            .iter()
            .all(|r| orders.contains(&r.order_id.as_str().to_owned())),
        "rows are about seeded orders"
    );
}

#[tokio::test]
async fn a_period_without_feedback_is_an_empty_report_not_an_error() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox.reports().set_pending_polls(0);
    sandbox.reports().set_feedback(Vec::new());
    let reports = client(&sandbox);
    let id = reports
        .create_report(SELLER_FEEDBACK_REPORT, &[DE.to_owned()], None)
        .await
        .unwrap();
    assert_eq!(reports.collect(&id).await.unwrap(), Collected::Empty);
}

#[tokio::test]
async fn the_client_rides_out_throttling_server_errors_and_an_expired_token() {
    let sandbox = AmazonSandbox::start().await.unwrap();
    sandbox.reports().set_pending_polls(0);
    sandbox.reports().set_feedback(vec![FeedbackLine {
        marketplace_id: DE.into(),
        date: NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
        stars: 2,
        comment: "Artikel kaputt".into(),
        response: String::new(),
        order_id: "302-1234567-1234567".into(),
        rater_email: "x@marketplace.amazon.de".into(),
    }]);
    let faults = sandbox.faults();
    faults.push(
        CREATE_REPORT_ROUTE,
        Fault::Throttle {
            retry_after: Some(0),
        },
    );
    faults.push(GET_REPORT_ROUTE, Fault::ServerError(500));
    faults.push(GET_REPORT_DOCUMENT_ROUTE, Fault::ExpiredToken);
    let reports = client(&sandbox);
    let id = reports
        .create_report(SELLER_FEEDBACK_REPORT, &[DE.to_owned()], None)
        .await
        .unwrap();
    let Collected::Done(bytes) = reports.collect(&id).await.unwrap() else {
        panic!("done after the faults");
    };
    let parsed = parse_report(&bytes, DateFormat::for_marketplace(DE)).unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(
        parsed.rows[0].left_on,
        NaiveDate::from_ymd_opt(2026, 10, 20).unwrap()
    );
    assert_eq!(
        faults.pending(CREATE_REPORT_ROUTE)
            + faults.pending(GET_REPORT_ROUTE)
            + faults.pending(GET_REPORT_DOCUMENT_ROUTE),
        0
    );

    // A refusal that no retry can help is an error, not a report.
    let err = reports.collect("unknown-report").await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Rejected { status: 404, .. }),
        "{err}"
    );
}
