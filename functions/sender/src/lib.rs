//! Sends accepted replies through their channel: the consumer of the outbound queue. Amazon
//! Messaging API actions on an order (`ExternalRefs::order_action`) go the same way, through
//! [`OrderMessaging`], after checking that Amazon still offers the action.
//!
//! For each [`OutboundMessage`] the reply is read from its ticket and, if still queued, built
//! ([`marketdesk::outbound::build`]) and sent at most once (docs/decisions/0006): a conditional
//! send claim is written first, so a redelivered record never sends again. Then the delivery
//! state is recorded on the message and, for a reply that answers a waiting buyer, the ticket's
//! SLA clock is stopped, stale escalation schedules are deleted and the reply is recorded for reports.
//!
//! A reply that can never be sent (no sender address, no recipient, rejected by the channel) is
//! recorded `Failed` with its reason and a `ReplyFailed` event, the team is alerted, and the
//! record is acknowledged. A transient failure releases the claim and fails the record: SQS
//! redelivers it and, after five receives, moves it to the DLQ.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, TimeDelta, Utc};
pub use marketdesk::adapters::lambda::{Invocation, SweepKind, SweepRequest};
use marketdesk::adapters::lambda::{RecordError, for_each_record, json_body};
use marketdesk::connectors::{ConnectorError, ErrorKind, Notification, Notifier};
use marketdesk::domain::{
    AuthorKind, Channel, ChannelAccount, DeliveryState, EventId, Message, TenantId, Ticket,
    TicketEvent, TicketEventKind,
};
use marketdesk::escalation::{EscalationScheduler, ticket_url};
use marketdesk::outbound::{
    ChannelReplies, MailTransport, OrderMessaging, OutboundError, OutboundMessage, OutboundQueue,
    Outgoing, ReplyContext, build, reply_effect,
};
use marketdesk::reports::{Handling, Recorder, tenant_time_zone};
use marketdesk::store::{
    AccountStore, ClaimOutcome, ConfigStore, CustomerStore, OutboundStore, ReportStore, SendClaim,
    StoreError, TicketStore, TicketView, TicketWrite,
};
use marketdesk::tenant_config::ConfigCache;

/// How often the SLA update is retried when another writer changed the ticket in between.
const UPDATE_ATTEMPTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("outbound message: {0}")]
    Payload(serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A failure that may heal (throttling, a 5xx, no connection): nothing was sent, the claim
    /// was released, SQS redelivers.
    #[error("sending {message} failed for now: {source}")]
    Transient {
        message: String,
        source: ConnectorError,
    },
    /// Another attempt claimed this reply moments ago and may still be sending it.
    #[error("message {message} is being sent by another attempt")]
    InFlight { message: String },
    #[error("ticket {ticket} kept changing; SLA not updated")]
    Contended { ticket: String },
}

/// What became of one outbound record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Delivered before (a redelivered record): nothing was sent.
    AlreadyDelivered,
    /// Recorded as failed, now or before, with this reason; nothing (more) will be sent.
    Failed(String),
    /// The ticket or the message does not exist: nothing to send, nothing to record.
    Missing,
}

/// Everything the sender stores and reads.
pub trait SenderStore:
    TicketStore + OutboundStore + AccountStore + CustomerStore + ReportStore + ConfigStore
{
}

impl<T> SenderStore for T where
    T: TicketStore + OutboundStore + AccountStore + CustomerStore + ReportStore + ConfigStore
{
}

/// The sender with its dependencies, built once per process.
pub struct Sender<S, M, C, K, N> {
    pub store: S,
    pub mail: M,
    pub channels: C,
    pub scheduler: K,
    pub notifier: N,
    /// Tenants' SLA policies (`ConfigCache::policies`), for the clock a reply stops and the
    /// schedules it leaves; `ConfigCache::default()` in a new process.
    pub config: ConfigCache,
    /// Where links in alerts point (`MARKETDESK_FRONTEND_URL`).
    pub frontend_url: Option<String>,
    /// How long a claim counts as in flight: longer than the function's timeout. A claim
    /// older than this whose reply is still queued was interrupted mid-send.
    pub lease: TimeDelta,
    /// The outbound queue, for the sweep to hand it replies that never reached it.
    pub outbound: Arc<dyn OutboundQueue>,
}

/// How long a reply may stay queued before the sweep hands it to the queue again: longer
/// than a normal wait in the queue, so a reply that is merely waiting rarely goes twice (and
/// then the send claim still sends it once).
pub const RESEND_AFTER: TimeDelta = TimeDelta::minutes(5);

/// Replies the sweep reads per tenant and run; the next run takes the rest.
const SWEEP_LIMIT: u32 = 500;

/// What the outbox sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// Replies queued longer than [`RESEND_AFTER`], handed to the outbound queue again.
    pub requeued: usize,
    /// Replies the queue refused; the next sweep tries again.
    pub failed: usize,
}

impl<S, M, C, K, N> Sender<S, M, C, K, N>
where
    S: SenderStore,
    M: MailTransport,
    C: ChannelReplies + OrderMessaging,
    K: EscalationScheduler,
    N: Notifier,
{
    /// The scheduled sweep or an outbound batch.
    pub async fn handle(
        &self,
        invocation: Invocation,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, SenderError> {
        let answer = match invocation {
            Invocation::Sqs(event) => serde_json::to_value(self.handle_sqs(event, now).await),
            Invocation::Sweep(request) => {
                serde_json::to_value(self.sweep(&request.tenants, now).await?)
            }
        };
        Ok(answer.unwrap_or_default())
    }

    /// The outbox sweep: a reply the API stored as queued but could not hand to the queue
    /// (the queue call failed after the write) is handed to it again, so no accepted reply
    /// waits forever. Replies already sent are off the outbox; a duplicate queue record is
    /// harmless, since the send claim lets only one attempt send.
    pub async fn sweep(
        &self,
        tenants: &[TenantId],
        now: DateTime<Utc>,
    ) -> Result<SweepReport, SenderError> {
        let mut report = SweepReport::default();
        for tenant in tenants {
            let stale = self
                .store
                .queued_replies(tenant, now - RESEND_AFTER, SWEEP_LIMIT)
                .await?;
            for message in stale {
                let record = OutboundMessage {
                    tenant: tenant.clone(),
                    ticket: message.ticket.clone(),
                    message: message.id.clone(),
                };
                match self.outbound.enqueue(&record).await {
                    Ok(()) => report.requeued += 1,
                    Err(e) => {
                        tracing::error!(tenant = %tenant, message = %message.id, error = %e,
                            "queued reply not handed to the queue; the next sweep retries");
                        report.failed += 1;
                    }
                }
            }
        }
        if report.requeued > 0 {
            tracing::warn!(
                requeued = report.requeued,
                "replies that never reached the queue were queued again"
            );
        }
        Ok(report)
    }

    /// Handles a batch; records that may heal are reported for redelivery.
    pub async fn handle_sqs(&self, event: SqsEvent, now: DateTime<Utc>) -> SqsBatchResponse {
        for_each_record(event, |record| async move {
            let body = json_body(&record)?;
            let request: OutboundMessage =
                serde_json::from_value(body).map_err(SenderError::Payload)?;
            let outcome = self.deliver(&request, now).await?;
            tracing::info!(
                tenant = %request.tenant, ticket = %request.ticket, message = %request.message,
                outcome = ?outcome, "outbound record handled"
            );
            Ok::<_, SenderError>(())
        })
        .await
    }

    /// Sends one queued reply at most once and records what happened.
    pub async fn deliver(
        &self,
        request: &OutboundMessage,
        now: DateTime<Utc>,
    ) -> Result<Outcome, SenderError> {
        let tenant = &request.tenant;
        let Some(view) = self.store.ticket_view(tenant, &request.ticket).await? else {
            return Ok(Outcome::Missing);
        };
        let Some(message) = view
            .messages
            .iter()
            .find(|m| m.id == request.message)
            .cloned()
        else {
            return Ok(Outcome::Missing);
        };
        match &message.delivery {
            Some(DeliveryState::Delivered { at }) => {
                // The send and its record happened; the SLA update may not have.
                if message.external.order_action.is_none() {
                    self.stop_clock(view.ticket, &message, *at, now).await?;
                }
                return Ok(Outcome::AlreadyDelivered);
            }
            Some(DeliveryState::Failed { reason, .. }) => {
                return Ok(Outcome::Failed(reason.clone()));
            }
            Some(DeliveryState::Queued) => {}
            None => {
                // Not a reply waiting to go out (an inbound message, or a draft): never sent.
                tracing::warn!(tenant = %tenant, ticket = %request.ticket, message = %request.message,
                    "outbound record names a message that is not queued");
                return Ok(Outcome::Missing);
            }
        }

        let (account, outgoing) = match self.prepare(&view, request, now).await? {
            Ok(prepared) => prepared,
            Err(e) => {
                return self
                    .fail(&view, message, e.code(), &e.to_string(), now)
                    .await;
            }
        };

        let claim = SendClaim {
            ticket: request.ticket.clone(),
            message: request.message.clone(),
            owner: ulid::Ulid::generate().to_string(),
            claimed_at: now,
        };
        match self.store.claim_send(tenant, &claim).await? {
            ClaimOutcome::Claimed => {}
            ClaimOutcome::Taken(held) if held.claimed_at + self.lease > now => {
                return Err(SenderError::InFlight {
                    message: request.message.to_string(),
                });
            }
            ClaimOutcome::Taken(held) => {
                let detail = format!(
                    "an attempt that started at {} was interrupted while sending; the reply may \
                     or may not have reached the buyer: check the conversation before resending",
                    held.claimed_at.to_rfc3339()
                );
                return self
                    .fail(&view, message, "outcome_unknown", &detail, now)
                    .await;
            }
        }

        let sent = match &outgoing {
            Outgoing::Mail(mail) => self.mail.send_mail(&account.id, mail).await.map(|_| ()),
            Outgoing::Channel(reply) => self.channels.send_reply(&account, reply).await.map(|_| ()),
            Outgoing::Action(action) => {
                // Amazon's offer changes (an order ships, a window closes): checked again
                // right before sending, under the claim.
                match self
                    .channels
                    .offered_actions(&account, &action.order, &action.marketplace)
                    .await
                {
                    Ok(Some(offered)) if offered.contains(&action.action) => {
                        self.channels.send_action(&account, action).await
                    }
                    Ok(_) => {
                        let detail = format!(
                            "Amazon does not offer {} for order {} any more",
                            action.action, action.order
                        );
                        return self.fail(&view, message, "not_offered", &detail, now).await;
                    }
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(err) = sent {
            if err.is_transient() {
                if let Err(e) = self.store.release_send(tenant, &claim).await {
                    tracing::error!(tenant = %tenant, message = %request.message, error = %e,
                        "send claim not released: this reply will be reported as interrupted");
                }
                return Err(SenderError::Transient {
                    message: request.message.to_string(),
                    source: err,
                });
            }
            let code = match err.kind {
                ErrorKind::OutcomeUnknown(_) => "outcome_unknown",
                ErrorKind::Unauthorized { .. } => "unauthorized",
                _ => "rejected",
            };
            return self.fail(&view, message, code, &err.to_string(), now).await;
        }

        let mut delivered = message.clone();
        delivered.delivery = Some(DeliveryState::Delivered { at: now });
        match self.store.record_delivery(tenant, &delivered, &[]).await {
            Ok(()) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => {
                // The crash window of decision 0006: sent, not recorded. The redelivery finds
                // the claim and reports the reply as interrupted rather than sending it twice.
                tracing::error!(tenant = %tenant, message = %request.message, error = %e,
                    "reply sent but its delivery not recorded");
                return Err(e.into());
            }
        }
        // A Messaging API action starts a message; it answers no buyer message, so it stops
        // no clock and counts as no reply.
        if delivered.external.order_action.is_none() {
            self.stop_clock(view.ticket, &delivered, now, now).await?;
        }
        Ok(Outcome::Delivered)
    }

    /// Reads the account (and, for e-mail, the customer) and builds what to send.
    async fn prepare(
        &self,
        view: &TicketView,
        request: &OutboundMessage,
        now: DateTime<Utc>,
    ) -> Result<Result<(ChannelAccount, Outgoing), OutboundError>, SenderError> {
        let ticket = &view.ticket;
        let Some(account) = self.store.account(&request.tenant, &ticket.account).await? else {
            return Ok(Err(OutboundError::NoAccount {
                ticket: ticket.id.clone(),
                account: ticket.account.clone(),
            }));
        };
        // Mail replies go to the customer's address; eBay's to the conversation.
        let customer = match ticket.channel {
            Channel::Ebay => None,
            Channel::Amazon | Channel::Shopify | Channel::Email => {
                self.store
                    .customer(&request.tenant, &ticket.customer)
                    .await?
            }
        };
        let ctx = ReplyContext {
            ticket,
            messages: &view.messages,
            account: &account,
            customer: customer.as_ref(),
        };
        Ok(build(&ctx, &request.message, now).map(|outgoing| (account.clone(), outgoing)))
    }

    /// Records a reply that will not be sent, with an event on the ticket, and alerts the team.
    async fn fail(
        &self,
        view: &TicketView,
        mut message: Message,
        code: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<Outcome, SenderError> {
        let ticket = &view.ticket;
        let reason = format!("{code}: {detail}");
        message.delivery = Some(DeliveryState::Failed {
            at: now,
            reason: reason.clone(),
        });
        let event = TicketEvent {
            id: EventId::generate(now),
            ticket: ticket.id.clone(),
            at: now,
            actor: AuthorKind::System,
            kind: TicketEventKind::ReplyFailed {
                message: message.id.clone(),
                reason: reason.clone(),
            },
        };
        match self
            .store
            .record_delivery(&ticket.tenant, &message, &[event])
            .await
        {
            Ok(()) => {}
            // Recorded by an earlier attempt, which alerted too.
            Err(StoreError::Conflict { .. }) => return Ok(Outcome::Failed(reason)),
            Err(e) => return Err(e.into()),
        }
        tracing::warn!(tenant = %ticket.tenant, ticket = %ticket.id, message = %message.id,
            reason = code, "reply not sent");
        // The failure is on the ticket already; a lost alert is logged, not retried (a retry
        // would find the reply failed and alert nobody).
        if let Err(e) = self.notifier.notify(&self.alert(ticket, &reason)).await {
            tracing::error!(tenant = %ticket.tenant, ticket = %ticket.id, error = %e,
                "alert about a failed reply not delivered");
        }
        Ok(Outcome::Failed(reason))
    }

    fn alert(&self, ticket: &Ticket, reason: &str) -> Notification {
        Notification {
            title: "A reply could not be sent".into(),
            body: format!(
                "The reply on \"{}\" was not delivered: {reason}",
                ticket.subject
            ),
            fields: vec![
                ("Channel".into(), ticket.channel.to_string()),
                ("Account".into(), ticket.account.to_string()),
                ("Ticket".into(), ticket.id.to_string()),
            ],
            links: self
                .frontend_url
                .iter()
                .map(|base| ("Open ticket".to_owned(), ticket_url(base, ticket)))
                .collect(),
            footer: Some("marketdesk sender".into()),
        }
    }

    /// Applies a delivered reply to its ticket (SLA clock, last reply) and records it for
    /// reports (the messages it answered, on the day each arrived), in one transaction
    /// conditional on the ticket's version (and the report item's revision), with re-reads;
    /// then the schedules follow. Does nothing when the ticket already reflects the reply.
    async fn stop_clock(
        &self,
        mut ticket: Ticket,
        reply: &Message,
        delivered_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SenderError> {
        let policies = self.config.policies(&self.store, &ticket.tenant).await?;
        let recorder = Recorder {
            tz: tenant_time_zone(&policies),
            policies: &policies,
        };
        let handling = match &reply.author {
            AuthorKind::Agent { agent } => Handling::AgentReply {
                agent: agent.clone(),
            },
            AuthorKind::Automation { .. } => Handling::AutoReply,
            AuthorKind::Buyer | AuthorKind::System => return Ok(()),
        };
        let mut facts = None;
        for attempt in 0..UPDATE_ATTEMPTS {
            if attempt > 0 {
                let (t, f) = self
                    .store
                    .ticket_with_facts(&ticket.tenant, &ticket.id)
                    .await?;
                match t {
                    Some(t) => ticket = t,
                    None => return Ok(()),
                }
                facts = f;
            }
            let Some(effect) = reply_effect(&ticket, reply, delivered_at, &policies, now) else {
                return Ok(());
            };
            if attempt == 0 {
                facts = self.store.ticket_facts(&ticket.tenant, &ticket.id).await?;
            }
            let report = recorder.on_handled(
                facts.as_ref(),
                &ticket,
                &ticket.sla,
                &handling,
                delivered_at,
            );
            let write = TicketWrite {
                ticket: effect.ticket,
                messages: Vec::new(),
                events: Vec::new(),
                notes: Vec::new(),
                audit: Vec::new(),
                report,
            };
            let written = match self.store.write_ticket(&write).await {
                Ok(written) => written,
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            // A schedule left behind fires and is judged stale by the escalator: logged only.
            if let Err(e) = self
                .scheduler
                .sync(Some(&ticket), &written, &policies, now)
                .await
            {
                tracing::warn!(tenant = %ticket.tenant, ticket = %ticket.id, error = %e,
                    "escalation schedules not updated after a reply");
            }
            return Ok(());
        }
        Err(SenderError::Contended {
            ticket: ticket.id.to_string(),
        })
    }
}

/// The sender's own settings beyond the shared ones.
pub mod settings {
    use chrono::TimeDelta;

    /// `MARKETDESK_SENDER_LEASE_SECONDS`: how long a send claim counts as in flight (default
    /// 900 s: the longest a Lambda function can run).
    pub fn lease_from(lookup: impl Fn(&str) -> Option<String>) -> Result<TimeDelta, String> {
        match lookup("MARKETDESK_SENDER_LEASE_SECONDS").filter(|v| !v.trim().is_empty()) {
            None => Ok(TimeDelta::seconds(900)),
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|s| *s > 0)
                .map(|s| TimeDelta::seconds(i64::from(s)))
                .ok_or_else(|| {
                    format!("MARKETDESK_SENDER_LEASE_SECONDS must be a positive number, not '{v}'")
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use marketdesk::outbound::OutboundMessage;

    #[test]
    fn the_sample_batch_carries_one_outbound_message() {
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(include_str!("../../../events/sqs_outbound.json")).unwrap();
        let body = event.records[0].body.as_deref().unwrap();
        let request: OutboundMessage = serde_json::from_str(body).unwrap();
        assert_eq!(request.tenant.as_str(), "demo");
        assert_eq!(request.message.as_str(), "msg_01JD8X9K2Z3A4B5C6D7E8F9G0H");
    }

    #[test]
    fn an_outbound_message_with_unknown_fields_is_refused() {
        let body = r#"{"tenant":"demo","ticket":"tkt_1","message":"msg_1","to":"x@y.z"}"#;
        assert!(serde_json::from_str::<OutboundMessage>(body).is_err());
    }

    #[test]
    fn the_lease_defaults_to_the_longest_lambda_run_and_rejects_nonsense() {
        use super::settings::lease_from;
        assert_eq!(lease_from(|_| None).unwrap().num_seconds(), 900);
        assert_eq!(lease_from(|_| Some("60".into())).unwrap().num_seconds(), 60);
        assert!(lease_from(|_| Some("0".into())).is_err());
        assert!(lease_from(|_| Some("soon".into())).is_err());
    }
}
