//! Polling a channel account: under a lease on its cursor, every feed of the account (orders,
//! conversations) is read page by page since its last position; each page's events go to the
//! ingest queue and only then does the cursor move. A failure keeps the position of the page
//! that failed, so the next run resumes there and nothing is skipped.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::connectors::ConnectorError;
use crate::domain::{AccountId, TenantId};
use crate::ingest::SourceEvent;
use crate::store::{AccountStore, PollCursor, StoreError};

pub mod feedback_report;

/// The poller's one error type.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("another run holds the poll lease of account {0}")]
    Busy(AccountId),
    #[error("feed {feed} of account {account} failed on a page (resumes there next run): {source}")]
    Feed {
        account: AccountId,
        feed: &'static str,
        #[source]
        source: ConnectorError,
    },
    #[error("the ingest queue refused events of account {account}: {reason}")]
    Sink { account: AccountId, reason: String },
    #[error("poll cursor of account {account} is unreadable: {reason}")]
    Cursor { account: AccountId, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One page of a feed, already turned into source events.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub events: Vec<SourceEvent>,
    pub next: Option<String>,
}

/// Something of an account that is read since an instant, a page at a time.
pub trait Feed: Send + Sync {
    /// Names the feed's position in the cursor; stable across releases.
    fn name(&self) -> &'static str;

    fn page(
        &self,
        since: DateTime<Utc>,
        token: Option<&str>,
    ) -> impl Future<Output = Result<FeedPage, ConnectorError>> + Send;
}

/// Where the poller sends events (the ingest queue). All or nothing: an `Err` means the
/// cursor must not move past these events.
pub trait EventSink: Send + Sync {
    fn send(&self, events: &[SourceEvent]) -> impl Future<Output = Result<(), String>> + Send;
}

/// A feed's place, kept as JSON in the account's cursor item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPosition {
    /// Everything changed before this instant has been sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Mid-cycle: the page to fetch next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// When the current cycle began; becomes `since` once its last page is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_started: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    #[serde(default)]
    pub feeds: BTreeMap<String, FeedPosition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSettings {
    /// How long a run may hold the account; longer than a run can take.
    pub lease: Duration,
    /// Pages per feed per run; the rest waits for the next run.
    pub max_pages: usize,
    /// How far back the first poll of a new account reaches.
    pub first_lookback: Duration,
    /// Re-read this much before the last cycle's start: channel clocks and indexes lag.
    pub overlap: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        PollSettings {
            lease: Duration::minutes(5),
            max_pages: 20,
            first_lookback: Duration::days(7),
            overlap: Duration::minutes(2),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollReport {
    pub pages: u32,
    pub events_sent: u32,
    /// Feeds that still have pages (their next run continues).
    pub unfinished: Vec<String>,
}

/// The poller, built once per process.
pub struct Poller<S, K> {
    pub store: S,
    pub sink: K,
    pub settings: PollSettings,
}

impl<S: AccountStore, K: EventSink> Poller<S, K> {
    /// Polls `feeds` of one account under its lease. `owner` names this run (the Lambda
    /// request id); `now` is the run's start.
    pub async fn poll<F: Feed>(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        owner: &str,
        feeds: &[F],
        now: DateTime<Utc>,
    ) -> Result<PollReport, PollError> {
        let (store, sink, settings) = (&self.store, &self.sink, &self.settings);
        let mut cursor = match store
            .acquire_lease(tenant, account, owner, now, now + settings.lease)
            .await
        {
            Ok(cursor) => cursor,
            Err(StoreError::Conflict { .. }) => return Err(PollError::Busy(account.clone())),
            Err(other) => return Err(other.into()),
        };
        let mut position: Position = match cursor.position.as_deref() {
            None => Position::default(),
            Some(json) => serde_json::from_str(json).map_err(|e| PollError::Cursor {
                account: account.clone(),
                reason: e.to_string(),
            })?,
        };
        let mut report = PollReport::default();
        let mut failure = None;
        'feeds: for feed in feeds {
            for page_no in 0..settings.max_pages {
                let mut place = position.feeds.get(feed.name()).cloned().unwrap_or_default();
                if place.page.is_none() {
                    place.cycle_started = Some(now - settings.overlap);
                }
                let since = place.since.unwrap_or(now - settings.first_lookback);
                let page = match feed.page(since, place.page.as_deref()).await {
                    Ok(page) => page,
                    Err(source) => {
                        failure = Some(PollError::Feed {
                            account: account.clone(),
                            feed: feed.name(),
                            source,
                        });
                        break 'feeds;
                    }
                };
                if !page.events.is_empty()
                    && let Err(reason) = sink.send(&page.events).await
                {
                    failure = Some(PollError::Sink {
                        account: account.clone(),
                        reason,
                    });
                    break 'feeds;
                }
                report.pages += 1;
                report.events_sent += page.events.len() as u32;
                let done = page.next.is_none();
                if done {
                    place.since = place.cycle_started.take();
                    place.page = None;
                } else {
                    place.page = page.next;
                }
                position.feeds.insert(feed.name().to_owned(), place);
                cursor = save(store, tenant, &cursor, owner, &position, false).await?;
                if done {
                    continue 'feeds;
                }
                if page_no + 1 == settings.max_pages {
                    report.unfinished.push(feed.name().to_owned());
                }
            }
        }
        // Give the lease back whatever happened; the position is the last one saved.
        save(store, tenant, &cursor, owner, &position, true).await?;
        match failure {
            Some(err) => Err(err),
            None => Ok(report),
        }
    }
}

async fn save<S: AccountStore>(
    store: &S,
    tenant: &TenantId,
    cursor: &PollCursor,
    owner: &str,
    position: &Position,
    release: bool,
) -> Result<PollCursor, PollError> {
    let json = serde_json::to_string(position).expect("positions serialize");
    Ok(store
        .advance_cursor(tenant, cursor, owner, Some(json), release)
        .await?)
}
