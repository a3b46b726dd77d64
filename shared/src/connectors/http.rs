//! What every HTTP connector shares: secrets that never print, timeouts, the one retry policy,
//! a per-account token bucket, and the mapping of transport failures to [`ConnectorError`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::error::{CallContext, ConnectorError, ErrorKind};

/// A credential, token or secret URL. `Debug` never shows it and there is no `Display`, so it
/// cannot end up in a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// The secret itself, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Retries of transient failures (429, 5xx, timeouts, garbled bodies): exponential backoff with
/// jitter, the server's `Retry-After` honoured, all within a total budget so a Lambda never
/// sleeps past its own deadline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Requests in total, the first one included.
    pub max_attempts: u32,
    /// Time from the first request until the last retry may start; a wait that would end past
    /// it is not taken and the error is returned instead.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_attempts: 5,
            budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, fails permanently, or the policy is spent. The error
    /// returned is the last one, with the number of requests made.
    pub async fn run<T, F, Fut>(&self, attempt: F) -> Result<T, ConnectorError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        self.run_if(ConnectorError::is_transient, attempt).await
    }

    /// Like [`Self::run`], retrying only the errors `retryable` accepts (e.g. for a request that
    /// must not be repeated once the server may have carried it out).
    pub async fn run_if<T, F, Fut>(
        &self,
        retryable: fn(&ConnectorError) -> bool,
        mut attempt: F,
    ) -> Result<T, ConnectorError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ConnectorError>>,
    {
        let started = Instant::now();
        let count = AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize);
        let budget = self.budget;
        let result = (|| {
            count.fetch_add(1, Ordering::Relaxed);
            attempt()
        })
        .retry(backoff)
        .when(retryable)
        .adjust(|err, next| {
            // `next` is None once the attempts are spent; the server's wait replaces ours.
            let wait = err.retry_after().unwrap_or(next?);
            (started.elapsed() + wait <= budget).then_some(wait)
        })
        .notify(|err, wait| {
            tracing::warn!(service = err.service, account = %err.account, call = err.call,
                error = %err.kind, ?wait, "retrying");
        })
        .await;
        result.map_err(|mut err| {
            err.attempts = count.load(Ordering::Relaxed);
            err
        })
    }
}

/// A rate and burst as the vendors publish them (SP-API usage plans, Slack's 1 message/s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl RateLimit {
    pub const fn new(per_second: f64, burst: u32) -> Self {
        Self { per_second, burst }
    }
}

/// A token bucket for one account and operation. Callers reserve a token and sleep for the
/// deficit, so concurrent callers queue in order instead of spinning.
#[derive(Debug)]
pub struct RateLimiter {
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    per_second: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.updated = now;
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let burst = f64::from(limit.burst.max(1));
        Self {
            bucket: Mutex::new(Bucket {
                per_second: positive_or(limit.per_second, 1.0),
                burst,
                tokens: burst,
                updated: Instant::now(),
            }),
        }
    }

    /// Takes a token, waiting for it if the bucket is empty — unless the wait would exceed
    /// `max_wait`, in which case nothing is taken and the wait needed is returned.
    pub async fn acquire_within(&self, max_wait: Duration) -> Result<(), Duration> {
        let wait = {
            let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            bucket.refill(Instant::now());
            let wait = if bucket.tokens >= 1.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64((1.0 - bucket.tokens) / bucket.per_second)
            };
            if wait > max_wait {
                return Err(wait);
            }
            bucket.tokens -= 1.0;
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Adopts the rate the server says applies (SP-API's `x-amzn-RateLimit-Limit`).
    pub fn set_rate(&self, per_second: f64) {
        if per_second.is_finite() && per_second > 0.0 {
            let mut bucket = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            bucket.refill(Instant::now());
            bucket.per_second = per_second;
        }
    }

    pub fn rate(&self) -> f64 {
        self.bucket
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .per_second
    }
}

fn positive_or(value: f64, fallback: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value
    } else {
        fallback
    }
}

/// Timeouts and retries of one client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HttpConfig {
    /// For the whole request, from connecting until the body has been read.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            retry: RetryPolicy::default(),
        }
    }
}

impl HttpConfig {
    /// A client to share between connectors (one connection pool per process).
    pub fn build_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("marketdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS backend is compiled in")
    }
}

/// A response read to the end.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After` in seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        if let Ok(secs) = value.parse::<f64>() {
            return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
        }
        // Adapters may read the clock; only the domain may not.
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        (at.to_utc() - chrono::Utc::now())
            .to_std()
            .ok()
            .or(Some(Duration::ZERO))
    }

    /// A numeric header such as `x-amzn-RateLimit-Limit`.
    pub fn number_header(&self, name: &str) -> Option<f64> {
        self.header(name)?.trim().parse().ok()
    }

    pub fn excerpt(&self) -> String {
        excerpt(&self.body, 300)
    }

    /// Reads the body as `T`; a body cut off or garbled in transit is a transient error, a body
    /// of another shape is not.
    pub fn json<T: DeserializeOwned>(&self, ctx: &CallContext) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let transient = e.is_eof() || e.is_syntax();
            ctx.error(ErrorKind::InvalidResponse {
                status: self.status,
                detail: e.to_string(),
                transient,
            })
        })
    }
}

/// Sends `request` and reads the whole body within `timeout`. Errors never carry the URL,
/// which may hold a secret (Slack webhooks).
pub(crate) async fn execute(
    ctx: &CallContext,
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<RawResponse, ConnectorError> {
    let response = request
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| transport_error(ctx, e, timeout))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(ctx, e, timeout))?;
    Ok(RawResponse {
        status,
        headers,
        body: body.to_vec(),
    })
}

fn transport_error(ctx: &CallContext, err: reqwest::Error, timeout: Duration) -> ConnectorError {
    if err.is_timeout() {
        return ctx.error(ErrorKind::Timeout(timeout));
    }
    let connect = err.is_connect();
    let err = err.without_url();
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    if connect {
        ctx.error(ErrorKind::Connect(reason))
    } else {
        ctx.error(ErrorKind::Network(reason))
    }
}

/// The start of a body for an error message: one line, at most `max` characters.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate_chars(&one_line, max)
}

/// Cuts `text` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("Atzr|refresh-token-value");
        assert!(!format!("{secret:?}").contains("Atzr"));
        assert_eq!(secret.expose(), "Atzr|refresh-token-value");
    }

    #[test]
    fn truncation_keeps_the_limit_in_characters_not_bytes() {
        let text = "è".repeat(10);
        let cut = truncate_chars(&text, 5);
        assert_eq!(cut.chars().count(), 5);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_chars("short", 5), "short");
    }

    fn raw(headers: &[(&'static str, &str)]) -> RawResponse {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        RawResponse {
            status: 429,
            headers: map,
            body: Vec::new(),
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_as_a_date() {
        assert_eq!(
            raw(&[("retry-after", "3")]).retry_after(),
            Some(Duration::from_secs(3))
        );
        let past = raw(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]).retry_after();
        assert_eq!(past, Some(Duration::ZERO));
        assert_eq!(raw(&[("retry-after", "soon")]).retry_after(), None);
        assert_eq!(raw(&[]).retry_after(), None);
    }

    #[tokio::test]
    async fn bucket_lets_a_burst_through_then_paces_callers() {
        let limiter = RateLimiter::new(RateLimit::new(20.0, 2));
        let started = Instant::now();
        for _ in 0..4 {
            limiter
                .acquire_within(Duration::from_secs(1))
                .await
                .unwrap();
        }
        // Two from the burst, then two at 20/s: about 100 ms.
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(90), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
    }

    #[tokio::test]
    async fn bucket_refuses_a_wait_longer_than_allowed_without_taking_a_token() {
        let limiter = RateLimiter::new(RateLimit::new(0.01, 1));
        limiter.acquire_within(Duration::ZERO).await.unwrap();
        let wait = limiter
            .acquire_within(Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(wait > Duration::from_secs(90), "{wait:?}");
        limiter.set_rate(1000.0);
        tokio::time::sleep(Duration::from_millis(5)).await;
        limiter
            .acquire_within(Duration::from_millis(1))
            .await
            .unwrap();
    }

    fn policy(attempts: u32, budget_ms: u64) -> RetryPolicy {
        RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_attempts: attempts,
            budget: Duration::from_millis(budget_ms),
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let ctx = CallContext::new("test", "acct", "op");
        let calls = AtomicU32::new(0);
        let out = policy(5, 1000)
            .run(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(ctx.error(ErrorKind::Server {
                        status: 503,
                        detail: String::new(),
                    })),
                    _ => Ok("done"),
                }
            })
            .await;
        assert_eq!(out, Ok("done"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried_and_report_one_attempt() {
        let ctx = CallContext::new("test", "acct", "op");
        let err = policy(5, 1000)
            .run(|| async {
                Err::<(), _>(ctx.error(ErrorKind::Rejected {
                    status: 404,
                    code: "no_service".into(),
                    detail: String::new(),
                }))
            })
            .await
            .unwrap_err();
        assert_eq!(err.attempts, 1);
    }

    #[tokio::test]
    async fn attempts_are_capped_and_counted() {
        let ctx = CallContext::new("test", "acct", "op");
        let err = policy(3, 1000)
            .run(|| async { Err::<(), _>(ctx.error(ErrorKind::Network("reset".into()))) })
            .await
            .unwrap_err();
        assert_eq!(err.attempts, 3);
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_budget_returns_the_throttle_at_once() {
        let ctx = CallContext::new("test", "acct", "op");
        let started = Instant::now();
        let err = policy(5, 500)
            .run(|| async {
                Err::<(), _>(ctx.error(ErrorKind::Throttled {
                    retry_after: Some(Duration::from_secs(60)),
                }))
            })
            .await
            .unwrap_err();
        assert_eq!(err.attempts, 1);
        assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
