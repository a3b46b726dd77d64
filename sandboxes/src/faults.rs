//! Fault injection and the record of requests, shared by every sandbox.
//!
//! Each route has a name (the vendor's operation name, e.g. `searchOrders`). A test queues
//! faults for a route; the next requests of that route take them in order, one fault each;
//! requests after the queue is empty are answered normally — unless random faults are set
//! ([`Faults::set_random`]): then a seeded share of those requests gets one of a set of faults,
//! which is how the chaos run (`make chaos`) makes every marketplace and carrier flaky at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::rng::Rng;

/// A misbehaviour to inject into one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No fault: answers normally. Queue it first to let earlier requests through.
    Pass,
    /// HTTP 429 in the protocol's shape, with `Retry-After: <seconds>` if given.
    Throttle { retry_after: Option<u64> },
    /// An HTTP 5xx (500, 502, 503…) in the protocol's shape.
    ServerError(u16),
    /// Waits, then answers normally; longer than the client's timeout it looks like a hang.
    /// If the client gives up first the request is dropped with its connection and never
    /// carried out (see [`Fault::SlowAnswer`] for the other case).
    Delay(Duration),
    /// Carries the request out, then waits before answering: past the client's timeout the
    /// client cannot tell whether it worked (a sent message, say).
    SlowAnswer(Duration),
    /// Answers normally but sends only the first half of the body.
    TruncatedBody,
    /// HTTP 200 with a body that is not JSON.
    InvalidJson,
    /// The credentials are refused as if expired: the API answers as for a stale access token,
    /// a token endpoint answers `invalid_grant`.
    ExpiredToken,
    /// Any status and body, sent verbatim (e.g. Slack's `404 channel_not_found`).
    Status { status: u16, body: String },
}

/// One request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub route: &'static str,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The fault applied to it, if any.
    pub fault: Option<Fault>,
}

/// The fault queues and request log of one sandbox. Cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    queues: Arc<Mutex<HashMap<String, VecDeque<Fault>>>>,
    log: Arc<Mutex<Vec<Recorded>>>,
    random: Arc<Mutex<Option<(RandomFaults, Rng)>>>,
}

/// Faults for a share of every route's requests, drawn from a seeded generator (the requests'
/// order across concurrent callers decides which request gets which draw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RandomFaults {
    pub seed: u64,
    /// Share of requests that get a fault, in percent.
    pub percent: u64,
    /// The faults to draw from, each equally likely.
    pub faults: Vec<Fault>,
    /// Routes that are never faulted at random (queued faults still apply).
    pub spared: Vec<String>,
    /// Routes where [`Fault::ExpiredToken`] is drawn as a 503 instead: on a token endpoint it
    /// means "the seller's grant is revoked", a permanent failure, not a transient one.
    pub token_routes: Vec<String>,
}

impl Faults {
    /// Applies `fault` to the next request of `route`.
    pub fn push(&self, route: &str, fault: Fault) {
        self.push_n(route, fault, 1);
    }

    /// Applies `fault` to each of the next `n` requests of `route`.
    pub fn push_n(&self, route: &str, fault: Fault, n: usize) {
        let mut queues = self.queues.lock().unwrap();
        let queue = queues.entry(route.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, n));
    }

    /// Faults still waiting for a request of `route`.
    pub fn pending(&self, route: &str) -> usize {
        self.queues
            .lock()
            .unwrap()
            .get(route)
            .map_or(0, VecDeque::len)
    }

    pub fn clear(&self) {
        self.queues.lock().unwrap().clear();
    }

    /// Faults a share of the requests that find no queued fault; `None` stops it.
    pub fn set_random(&self, random: Option<RandomFaults>) {
        *self.random.lock().unwrap() = random.map(|r| {
            let rng = Rng::new(r.seed);
            (r, rng)
        });
    }

    /// How many requests got a fault, queued or random.
    pub fn faulted(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.fault.as_ref().is_some_and(|f| *f != Fault::Pass))
            .count()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests of `route` were received.
    pub fn count(&self, route: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.route == route)
            .count()
    }

    fn take(&self, route: &str) -> Option<Fault> {
        let queued = self
            .queues
            .lock()
            .unwrap()
            .get_mut(route)
            .and_then(VecDeque::pop_front);
        queued.or_else(|| self.draw(route))
    }

    fn draw(&self, route: &str) -> Option<Fault> {
        let mut random = self.random.lock().unwrap();
        let (config, rng) = random.as_mut()?;
        if config.faults.is_empty()
            || config.spared.iter().any(|r| r == route)
            || !rng.chance(config.percent)
        {
            return None;
        }
        let fault = rng.pick(&config.faults).clone();
        if fault == Fault::ExpiredToken && config.token_routes.iter().any(|r| r == route) {
            return Some(Fault::ServerError(503));
        }
        Some(fault)
    }

    fn record(&self, entry: Recorded) {
        self.log.lock().unwrap().push(entry);
    }
}

/// Renders the faults whose body depends on the protocol (429, 5xx, stale credentials).
pub(crate) type Renderer = fn(route: &'static str, fault: &Fault) -> Response;

#[derive(Clone)]
pub(crate) struct FaultLayer {
    pub faults: Faults,
    pub route: &'static str,
    pub render: Renderer,
}

/// Middleware for one route: records the request and applies the next queued fault.
pub(crate) async fn apply(
    State(layer): State<FaultLayer>,
    request: Request,
    next: Next,
) -> Response {
    let fault = layer.faults.take(layer.route);
    layer.faults.record(Recorded {
        route: layer.route,
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        fault: fault.clone(),
    });
    match fault {
        None | Some(Fault::Pass) => next.run(request).await,
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            next.run(request).await
        }
        Some(Fault::SlowAnswer(wait)) => {
            let response = next.run(request).await;
            tokio::time::sleep(wait).await;
            response
        }
        Some(Fault::TruncatedBody) => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            let half = bytes.slice(..bytes.len() / 2);
            Response::from_parts(parts, Body::from(half))
        }
        Some(Fault::InvalidJson) => {
            let mut response =
                (StatusCode::OK, "{\"orders\": [ {\"orderId\": 'oops' ").into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Some(Fault::Status { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, body).into_response()
        }
        Some(fault) => (layer.render)(layer.route, &fault),
    }
}

/// `Retry-After` for a throttle fault.
pub(crate) fn with_retry_after(mut response: Response, retry_after: Option<u64>) -> Response {
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(seed: u64, percent: u64) -> RandomFaults {
        RandomFaults {
            seed,
            percent,
            faults: vec![Fault::ServerError(500), Fault::ExpiredToken],
            spared: vec!["spared".into()],
            token_routes: vec!["token".into()],
        }
    }

    #[test]
    fn random_faults_hit_about_their_share_and_repeat_with_the_seed() {
        let draws = |seed| {
            let faults = Faults::default();
            faults.set_random(Some(random(seed, 20)));
            (0..2000).map(|_| faults.take("api")).collect::<Vec<_>>()
        };
        let first = draws(7);
        let hit = first.iter().filter(|f| f.is_some()).count();
        assert!((300..500).contains(&hit), "{hit} of 2000");
        assert_eq!(first, draws(7));
        assert_ne!(first, draws(8));
    }

    #[test]
    fn queued_faults_come_first_and_spared_routes_are_never_drawn() {
        let faults = Faults::default();
        faults.set_random(Some(random(1, 100)));
        faults.push("spared", Fault::TruncatedBody);
        assert_eq!(faults.take("spared"), Some(Fault::TruncatedBody));
        assert!((0..100).all(|_| faults.take("spared").is_none()));
        faults.set_random(None);
        assert!((0..100).all(|_| faults.take("api").is_none()));
    }

    #[test]
    fn a_token_endpoint_gets_a_503_rather_than_a_revoked_grant() {
        let faults = Faults::default();
        faults.set_random(Some(random(3, 100)));
        let drawn: Vec<_> = (0..200).filter_map(|_| faults.take("token")).collect();
        assert!(
            drawn
                .iter()
                .all(|f| *f == Fault::ServerError(500) || *f == Fault::ServerError(503))
        );
        assert!(drawn.contains(&Fault::ServerError(503)));
    }
}
