//! The connectors' one error type: which service, account and call failed, what came back, and
//! whether trying again later can help. It never holds a token, secret or webhook URL.

use std::time::Duration;

/// Identifies one outgoing call for error messages and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    /// `slack`, `lwa`, `sp-api`, `ebay-oauth`, `ebay-message`…
    pub service: &'static str,
    /// The channel account (or, for Slack, the hook's name) the call was made for.
    pub account: String,
    /// The operation, named as the vendor's API names it (`searchOrders`, `getOrder`…).
    pub call: &'static str,
}

impl CallContext {
    pub fn new(service: &'static str, account: impl Into<String>, call: &'static str) -> Self {
        Self {
            service,
            account: account.into(),
            call,
        }
    }

    pub fn error(&self, kind: ErrorKind) -> ConnectorError {
        ConnectorError::from(ErrorDetails {
            service: self.service,
            account: self.account.clone(),
            call: self.call,
            kind,
            attempts: 1,
            request_id: None,
            resume_from: None,
        })
    }
}

/// A failed call to a marketplace, carrier or Slack. Boxed so that `Result`s stay small; the
/// details are read through `Deref` (`err.kind`, `err.account`…).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(transparent)]
pub struct ConnectorError(Box<ErrorDetails>);

/// What a [`ConnectorError`] knows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{service} {call} for account '{account}' failed after {attempts} attempt(s): {kind}")]
pub struct ErrorDetails {
    pub service: &'static str,
    pub account: String,
    pub call: &'static str,
    pub kind: ErrorKind,
    /// How many requests were made, retries included.
    pub attempts: u32,
    /// The vendor's request id (`x-amzn-RequestId`…) for a support ticket.
    pub request_id: Option<String>,
    /// For a paginated fetch: the page token to resume from (`None` = restart the query).
    pub resume_from: Option<String>,
}

impl From<ErrorDetails> for ConnectorError {
    fn from(details: ErrorDetails) -> Self {
        Self(Box::new(details))
    }
}

impl std::ops::Deref for ConnectorError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for ConnectorError {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

/// What went wrong, as far as the caller needs to decide what to do next.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// No connection could be made: the request certainly did not reach the server.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The connection failed once the request may have been sent.
    #[error("network error: {0}")]
    Network(String),
    #[error("throttled (HTTP 429){}", retry_note(.retry_after))]
    Throttled { retry_after: Option<Duration> },
    #[error("server error HTTP {status}: {detail}")]
    Server { status: u16, detail: String },
    /// Credentials or token refused (LWA `invalid_grant`, SP-API `Unauthorized` after a fresh
    /// token, eBay `invalid_grant`): a person must reconnect the account.
    #[error("credentials rejected (HTTP {status}, {code}): {detail}")]
    Unauthorized {
        status: u16,
        code: String,
        detail: String,
    },
    /// A permanent refusal of this request (4xx other than 429): retrying cannot help.
    #[error("rejected (HTTP {status}, {code}): {detail}")]
    Rejected {
        status: u16,
        code: String,
        detail: String,
    },
    /// The body could not be read as the documented model. `transient` when it looks cut off or
    /// garbled in transit (worth retrying), not when its shape differs from the model.
    #[error("unreadable response (HTTP {status}): {detail}")]
    InvalidResponse {
        status: u16,
        detail: String,
        transient: bool,
    },
    /// The response was well-formed but cannot become a domain value (e.g. a malformed order id).
    #[error("response cannot be mapped: {0}")]
    Mapping(String),
    /// The request was refused before it was sent (e.g. a query the API would reject).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A request that must not run twice (sending a message) failed in a way that leaves open
    /// whether the server carried it out, and checking did not settle it. Do not resend
    /// blindly: look at the conversation first.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
}

fn retry_note(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {}s", d.as_secs_f64()),
        None => String::new(),
    }
}

impl ConnectorError {
    /// Whether the same request may succeed later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ErrorKind::Timeout(_)
            | ErrorKind::Connect(_)
            | ErrorKind::Network(_)
            | ErrorKind::Throttled { .. }
            | ErrorKind::Server { .. } => true,
            ErrorKind::InvalidResponse { transient, .. } => *transient,
            ErrorKind::Unauthorized { .. }
            | ErrorKind::Rejected { .. }
            | ErrorKind::Mapping(_)
            | ErrorKind::InvalidRequest(_)
            | ErrorKind::OutcomeUnknown(_) => false,
        }
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            ErrorKind::Throttled { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Whether the account's credentials need a person's attention.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.kind, ErrorKind::Unauthorized { .. })
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn with_resume_from(mut self, token: Option<String>) -> Self {
        self.resume_from = token;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_service_account_call_and_what_came_back() {
        let ctx = CallContext::new("sp-api", "acct_1", "getOrder");
        let err = ctx.error(ErrorKind::Rejected {
            status: 400,
            code: "InvalidInput".into(),
            detail: "bad order id".into(),
        });
        let text = err.to_string();
        for part in [
            "sp-api",
            "getOrder",
            "acct_1",
            "400",
            "InvalidInput",
            "bad order id",
        ] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
    }

    #[test]
    fn only_transport_throttling_and_server_errors_are_transient() {
        let ctx = CallContext::new("slack", "ops", "postMessage");
        assert!(
            ctx.error(ErrorKind::Throttled { retry_after: None })
                .is_transient()
        );
        assert!(
            ctx.error(ErrorKind::Server {
                status: 503,
                detail: String::new()
            })
            .is_transient()
        );
        assert!(
            ctx.error(ErrorKind::Timeout(Duration::from_secs(1)))
                .is_transient()
        );
        let garbled = ErrorKind::InvalidResponse {
            status: 200,
            detail: String::new(),
            transient: true,
        };
        assert!(ctx.error(garbled).is_transient());
        let reshaped = ErrorKind::InvalidResponse {
            status: 200,
            detail: String::new(),
            transient: false,
        };
        assert!(!ctx.error(reshaped).is_transient());
        let rejected = ErrorKind::Rejected {
            status: 404,
            code: "channel_not_found".into(),
            detail: String::new(),
        };
        assert!(!ctx.error(rejected).is_transient());
        let unauthorized = ErrorKind::Unauthorized {
            status: 400,
            code: "invalid_grant".into(),
            detail: String::new(),
        };
        assert!(!ctx.error(unauthorized).is_transient());
    }
}
