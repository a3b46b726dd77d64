//! Acts on SLA thresholds: triggers fired by EventBridge Scheduler through the escalation
//! queue, and a safety sweep (every 5 minutes) that escalates what a lost schedule missed.
//!
//! Each threshold of each deadline is acted on once (docs/decisions/0005): the ticket is read,
//! [`decide`] judges the trigger, the action is claimed with a write conditional on the
//! ticket's version that records the threshold in `sla.escalated`, and only the winner of that
//! write alerts Slack. If the alert fails, the claim is released and the record fails, so SQS
//! redelivers it and, after five attempts, moves it to the DLQ.

mod claims;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, TimeDelta, Utc};
pub use marketdesk::adapters::lambda::{Invocation, SweepKind, SweepRequest};
use marketdesk::adapters::lambda::{RecordError, for_each_record, json_body};
use marketdesk::connectors::{ConnectorError, Notifier};
use marketdesk::domain::{
    AuthorKind, EventId, TenantId, Ticket, TicketEvent, TicketId, TicketStatus,
};
use marketdesk::escalation::{
    Decision, EscalationAction, EscalationConfig, EscalationError, EscalationTrigger, StaleReason,
    decide, overdue_trigger,
};
use marketdesk::reports::health::{WatchSettings, watch};
use marketdesk::review_requests::ReviewRequestTrigger;
use marketdesk::review_requests::service::{
    AccountSolicitor, NoSolicitor, ReviewError, ReviewRequester,
};
use marketdesk::store::{
    AccountStore, ConfigStore, CustomerStore, OrderStore, PageRequest, ReportStore, ReviewOutcome,
    ReviewRequestStore, StoreError, TicketQueue, TicketStore,
};
use marketdesk::tenant_config::ConfigCache;
use serde::{Deserialize, Serialize};

/// How often a claim is retried when another writer changed the ticket in between.
const CLAIM_ATTEMPTS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum EscalatorError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("escalation trigger: {0}")]
    Trigger(serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Decide(#[from] EscalationError),
    /// The alert failed after the client's retries; the claim was released.
    #[error("alert for {threshold} of ticket {ticket} (tenant {tenant}) failed: {source}")]
    Notify {
        tenant: TenantId,
        ticket: TicketId,
        threshold: String,
        source: ConnectorError,
    },
    #[error("ticket {ticket} of tenant {tenant} kept changing; escalation not claimed")]
    Contended { tenant: TenantId, ticket: TicketId },
    #[error(transparent)]
    ReviewRequest(#[from] ReviewError),
    #[error("a review-request trigger arrived but this escalator has no Solicitations client")]
    NoSolicitor,
    #[error("sweep of tenant {tenant}: {failed} ticket(s) failed to escalate")]
    Sweep { tenant: TenantId, failed: usize },
}

/// What became of one trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Acted,
    Stale(StaleReason),
    /// The ticket does not exist (deleted, or a trigger of another stack).
    NoTicket,
}

/// What the sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    pub scanned: usize,
    pub escalated: usize,
    pub failed: usize,
    /// Account-health warnings sent (reports::forecast).
    #[serde(default)]
    pub health_warnings: usize,
    /// Alerts about Amazon's claim deadlines sent (`claims::ClaimRecord::alert_due`).
    #[serde(default)]
    pub claim_alerts: usize,
}

/// The escalator with its dependencies, built once per process.
pub struct Escalator<S, N, A = NoSolicitor> {
    store: S,
    notifier: N,
    /// Amazon's Solicitations API per account, for review-request triggers (decision 0022);
    /// `None` until [`Escalator::with_review_requests`]: such triggers then fail.
    solicitor: Option<A>,
    /// Tenants' SLA policies (`ConfigCache::policies`): a ticket is judged by its tenant's.
    policies: ConfigCache,
    config: EscalationConfig,
    /// How far past `now` the sweep reads the deadline-ordered queue: warnings fall before
    /// the deadline the queue sorts by, up to half a target ahead.
    lookahead: TimeDelta,
    /// How the account-health watch judges (horizon, the tenant's line, digest hour); `None`
    /// until [`Escalator::with_health`] turns it on.
    health: Option<WatchSettings>,
}

impl<S, N: Notifier> Escalator<S, N> {
    pub fn new(store: S, notifier: N, config: EscalationConfig) -> Self {
        Self {
            store,
            notifier,
            solicitor: None,
            policies: ConfigCache::default(),
            config,
            lookahead: TimeDelta::hours(24),
            health: None,
        }
    }
}

impl<S, N, A> Escalator<S, N, A>
where
    S: TicketStore
        + ConfigStore
        + ReportStore
        + AccountStore
        + ReviewRequestStore
        + marketdesk::store::ClaimStore
        + marketdesk::store::FeedbackStore
        + OrderStore
        + CustomerStore,
    N: Notifier,
    A: AccountSolicitor,
{
    /// Acts on review-request triggers through `solicitor`.
    pub fn with_review_requests<B: AccountSolicitor>(self, solicitor: B) -> Escalator<S, N, B> {
        Escalator {
            store: self.store,
            notifier: self.notifier,
            solicitor: Some(solicitor),
            policies: self.policies,
            config: self.config,
            lookahead: self.lookahead,
            health: self.health,
        }
    }

    pub fn with_health(mut self, health: WatchSettings) -> Self {
        self.health = Some(health);
        self
    }

    pub fn with_lookahead(mut self, lookahead: TimeDelta) -> Self {
        self.lookahead = lookahead;
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles a batch of triggers; failed records are reported for redelivery.
    pub async fn handle_sqs(&self, event: SqsEvent, now: DateTime<Utc>) -> SqsBatchResponse {
        for_each_record(event, |record| async move {
            let body = json_body(&record)?;
            if body.get("kind").and_then(|k| k.as_str()) == Some("review_request") {
                let trigger: ReviewRequestTrigger =
                    serde_json::from_value(body).map_err(EscalatorError::Trigger)?;
                return self.review_request(&trigger, now).await.map(|_| ());
            }
            let trigger: EscalationTrigger =
                serde_json::from_value(body).map_err(EscalatorError::Trigger)?;
            let outcome = self.escalate(&trigger, now).await?;
            tracing::info!(
                tenant = %trigger.tenant, ticket = %trigger.ticket,
                threshold = %trigger.threshold, outcome = ?outcome, "trigger handled"
            );
            Ok::<_, EscalatorError>(())
        })
        .await
    }

    /// A fired review-request schedule (or its redelivery): the order's request is decided and
    /// made at most once (`review_requests::service::ReviewRequester`).
    pub async fn review_request(
        &self,
        trigger: &ReviewRequestTrigger,
        now: DateTime<Utc>,
    ) -> Result<ReviewOutcome, EscalatorError> {
        let Some(solicitor) = &self.solicitor else {
            return Err(EscalatorError::NoSolicitor);
        };
        let outcome = ReviewRequester::new(&self.store, solicitor)
            .handle(trigger, now)
            .await?;
        tracing::info!(
            tenant = %trigger.tenant, order = %trigger.order, outcome = ?outcome,
            "review request handled"
        );
        Ok(outcome)
    }

    /// Judges one trigger against the ticket as stored and acts on it at most once.
    pub async fn escalate(
        &self,
        trigger: &EscalationTrigger,
        now: DateTime<Utc>,
    ) -> Result<Outcome, EscalatorError> {
        let policies = self.policies.policies(&self.store, &trigger.tenant).await?;
        for _ in 0..CLAIM_ATTEMPTS {
            let Some(ticket) = self.store.ticket(&trigger.tenant, &trigger.ticket).await? else {
                return Ok(Outcome::NoTicket);
            };
            let action = match decide(&ticket, trigger, &policies, &self.config, now)? {
                Decision::Stale(reason) => return Ok(Outcome::Stale(reason)),
                Decision::Act(action) => action,
            };
            // The claim: only one writer of this version wins; a loser re-reads and finds the
            // threshold acted on (or the ticket moved on).
            let claimed = match self.store.update_ticket(&action.ticket).await {
                Ok(written) => written,
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            if let Err(source) = self.notifier.notify(&action.notification).await {
                self.release(&ticket, claimed, &action).await;
                return Err(EscalatorError::Notify {
                    tenant: ticket.tenant.clone(),
                    ticket: ticket.id.clone(),
                    threshold: trigger.threshold.clone(),
                    source,
                });
            }
            self.record(&ticket, &action, now).await?;
            // The one line per alert an operator reads (`make dev` shows target `alerts`).
            tracing::info!(
                target: "alerts",
                channel = %ticket.channel, tenant = %ticket.tenant, ticket = %ticket.id,
                threshold = %trigger.threshold, level = action.level.as_str(),
                due_at = %trigger.due_at, "SLA alert sent"
            );
            return Ok(Outcome::Acted);
        }
        Err(EscalatorError::Contended {
            tenant: trigger.tenant.clone(),
            ticket: trigger.ticket.clone(),
        })
    }

    /// Undoes a claim whose alert failed, so the redelivered trigger acts again: the threshold
    /// leaves `sla.escalated` and the priority and assignee it changed go back, unless someone
    /// changed them since. Best effort: if it cannot be undone the alert is lost, and logged.
    async fn release(&self, original: &Ticket, mut claimed: Ticket, action: &EscalationAction) {
        claimed.sla.escalated.remove(&action.key);
        if claimed.priority == action.ticket.priority {
            claimed.priority = original.priority;
        }
        if claimed.assignee == action.ticket.assignee {
            claimed.assignee = original.assignee.clone();
        }
        claimed.sla.breached = original.sla.breached;
        if let Err(e) = self.store.update_ticket(&claimed).await {
            tracing::error!(
                tenant = %original.tenant, ticket = %original.id, key = %action.key, error = %e,
                "escalation claim not released: this alert will not be retried"
            );
        }
    }

    /// The audit trail of an action; an event already recorded (a retry) is fine.
    async fn record(
        &self,
        ticket: &Ticket,
        action: &EscalationAction,
        now: DateTime<Utc>,
    ) -> Result<(), EscalatorError> {
        let policy = ticket.sla.policy.clone().unwrap_or_default();
        for kind in &action.events {
            let event = TicketEvent {
                id: EventId::generate(now),
                ticket: ticket.id.clone(),
                at: now,
                actor: AuthorKind::Automation {
                    rule: format!("sla:{policy}"),
                },
                kind: kind.clone(),
            };
            match self.store.append_event(&ticket.tenant, &event).await {
                Ok(()) | Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The safety sweep: every open or pending ticket of `tenants` whose latest due threshold
    /// was not acted on goes through [`Self::escalate`], which claims it like a trigger would,
    /// so a sweep racing a schedule never alerts twice. Reads the deadline-ordered queue page
    /// by page and stops past `now + lookahead`.
    pub async fn sweep(
        &self,
        tenants: &[TenantId],
        now: DateTime<Utc>,
    ) -> Result<SweepReport, EscalatorError> {
        let mut report = SweepReport::default();
        let mut failure = None;
        for tenant in tenants {
            let before = report.failed;
            for status in [TicketStatus::Open, TicketStatus::Pending] {
                self.sweep_queue(tenant, status, now, &mut report).await?;
            }
            // Claims and account health ride on the same sweep: a failure of theirs is logged,
            // never the SLA's.
            if let Some(settings) = self.health {
                match self.watch_health(tenant, settings, now).await {
                    Ok(watched) => report.health_warnings += watched.warnings,
                    Err(e) => {
                        tracing::error!(tenant = %tenant, error = %e, "account-health watch failed")
                    }
                }
            }
            match self.watch_claims(tenant, now).await {
                Ok(sent) => report.claim_alerts += sent,
                Err(e) => {
                    tracing::error!(tenant = %tenant, error = %e, "claim deadline watch failed")
                }
            }
            if report.failed > before {
                failure = Some(EscalatorError::Sweep {
                    tenant: tenant.clone(),
                    failed: report.failed - before,
                });
            }
        }
        tracing::info!(?report, "sweep done");
        match failure {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    async fn sweep_queue(
        &self,
        tenant: &TenantId,
        status: TicketStatus,
        now: DateTime<Utc>,
        report: &mut SweepReport,
    ) -> Result<(), EscalatorError> {
        let horizon = now + self.lookahead;
        let policies = self.policies.policies(&self.store, tenant).await?;
        let queue = TicketQueue::Status(status);
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let tickets = self.store.queue(tenant, &queue, &page).await?;
            for ticket in &tickets.items {
                // Tickets without a deadline sort last: nothing further is owed.
                if ticket.queue_due().is_none_or(|due| due > horizon) {
                    return Ok(());
                }
                report.scanned += 1;
                let trigger = match overdue_trigger(ticket, &policies, now) {
                    Ok(Some(trigger)) => trigger,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(tenant = %tenant, ticket = %ticket.id, error = %e, "sweep skipped a ticket");
                        report.failed += 1;
                        continue;
                    }
                };
                match self.escalate(&trigger, now).await {
                    Ok(Outcome::Acted) => report.escalated += 1,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(tenant = %tenant, ticket = %ticket.id, error = %e, "sweep escalation failed");
                        report.failed += 1;
                    }
                }
            }
            match tickets.next {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(()),
            }
        }
    }

    /// Dispatches one Lambda invocation; the answer is the batch response or the sweep report.
    /// The account-health forecast of one tenant (`reports::health::watch`): a warning once
    /// per crossing of the tenant's line or Amazon's 90 %, and the daily digest.
    pub async fn watch_health(
        &self,
        tenant: &TenantId,
        settings: WatchSettings,
        now: DateTime<Utc>,
    ) -> Result<marketdesk::reports::health::WatchReport, EscalatorError> {
        let policies = self.policies.policies(&self.store, tenant).await?;
        let tz = marketdesk::reports::tenant_time_zone(&policies);
        Ok(watch(&self.store, &self.notifier, tenant, tz, now, settings).await?)
    }

    pub async fn handle(
        &self,
        invocation: Invocation,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, EscalatorError> {
        match invocation {
            Invocation::Sqs(event) => {
                Ok(serde_json::to_value(self.handle_sqs(event, now).await).unwrap_or_default())
            }
            Invocation::Sweep(request) => Ok(serde_json::to_value(
                self.sweep(&request.tenants, now).await?,
            )
            .unwrap_or_default()),
        }
    }
}

/// Settings of the deployed escalator beyond the shared ones.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] marketdesk::config::ConfigError),
    #[error("{name} is not a valid agent id: {reason}")]
    Agent { name: &'static str, reason: String },
}

/// The escalator's own settings from `lookup` (the environment): the frontend link base
/// (`MARKETDESK_FRONTEND_URL`, required), the fallback agent
/// (`MARKETDESK_ESCALATION_FALLBACK_AGENT`, optional) and the Slack webhook
/// (`MARKETDESK_SLACK_WEBHOOK_URL`, required; a secret, never logged).
pub fn settings_from(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(EscalationConfig, marketdesk::connectors::http::Secret), SetupError> {
    use marketdesk::config::ConfigError::Missing;
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let frontend_url = get("MARKETDESK_FRONTEND_URL").ok_or(Missing("MARKETDESK_FRONTEND_URL"))?;
    let fallback_assignee = get("MARKETDESK_ESCALATION_FALLBACK_AGENT")
        .map(|a| {
            marketdesk::domain::AgentId::parse(a).map_err(|e| SetupError::Agent {
                name: "MARKETDESK_ESCALATION_FALLBACK_AGENT",
                reason: e.to_string(),
            })
        })
        .transpose()?;
    let webhook =
        get("MARKETDESK_SLACK_WEBHOOK_URL").ok_or(Missing("MARKETDESK_SLACK_WEBHOOK_URL"))?;
    Ok((
        EscalationConfig {
            frontend_url,
            fallback_assignee,
        },
        marketdesk::connectors::http::Secret::new(webhook),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_trigger_batch_and_a_sweep_request_are_told_apart() {
        let sqs: Invocation =
            serde_json::from_str(include_str!("../../../events/sqs_escalation.json")).unwrap();
        let Invocation::Sqs(batch) = sqs else {
            panic!("an SQS batch")
        };
        let body = batch.records[0].body.as_deref().unwrap();
        let trigger: EscalationTrigger = serde_json::from_str(body).unwrap();
        assert_eq!(trigger.threshold, "warn_80");
        let sweep: Invocation =
            serde_json::from_str(include_str!("../../../events/escalation_sweep.json")).unwrap();
        let Invocation::Sweep(request) = sweep else {
            panic!("a sweep")
        };
        assert_eq!(request.tenants, [TenantId::parse("demo").unwrap()]);
    }

    #[test]
    fn settings_need_the_frontend_and_webhook_and_check_the_fallback_agent() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(matches!(
            settings_from(env(&[("MARKETDESK_SLACK_WEBHOOK_URL", "https://hooks/x")])),
            Err(SetupError::Config(_))
        ));
        let (config, _) = settings_from(env(&[
            ("MARKETDESK_FRONTEND_URL", "https://app.example"),
            ("MARKETDESK_SLACK_WEBHOOK_URL", "https://hooks/x"),
            ("MARKETDESK_ESCALATION_FALLBACK_AGENT", "lead-anna"),
        ]))
        .unwrap();
        assert_eq!(config.fallback_assignee.unwrap().as_str(), "lead-anna");
    }
}
