//! What a policy would do with a buyer message: every deadline and threshold instant, in UTC and,
//! for business clocks, in the policy's local time. This JSON is the answer of
//! `POST /v1/sla/preview` and of `marketdesk sla preview`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::clock::{
    ClockEvent, ClockEventKind, ClockState, Ledger, SlaClock, TargetKind, auto_reply_stops_clock_in,
};
use super::error::SlaError;
use super::policy::{ChannelScope, ClockKind, SlaPolicy};
use super::units::SlaDuration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPreview {
    pub policy: PreviewPolicy,
    /// The previewed buyer message.
    pub message_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_at_local: Option<String>,
    /// Which target the message is measured against: the first response, or a next response
    /// when an earlier message was answered.
    pub target: TargetKind,
    /// The target, in the clock's time: working hours for a business clock.
    pub due_after: SlaDuration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_due_after: Option<SlaDuration>,
    /// Where the clock counts from: the message itself, or an earlier message still unanswered.
    pub clock_started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_started_at_local: Option<String>,
    pub state: ClockState,
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_due_at: Option<DateTime<Utc>>,
    /// Every threshold in time order (`warn_50`, `warn_80`, `internal_breach`, `breach`).
    pub deadlines: Vec<PreviewInstant>,
    /// Whether an automatic acknowledgement would stop this clock.
    pub auto_reply_stops_clock: bool,
    /// Set when a later `pending_on_customer` event left a business clock paused: it has no
    /// running deadline then, and keeps `remaining_when_paused` of working time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_when_paused: Option<SlaDuration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewPolicy {
    pub id: String,
    pub name: String,
    pub channel: ChannelScope,
    /// `calendar` (around the clock) or `business` (opening hours only).
    pub clock: ClockKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Tz>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewInstant {
    pub name: String,
    pub at: DateTime<Utc>,
    /// `at` in the policy's time zone (business clocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
    /// The clock's working time counted by then.
    pub working_time: SlaDuration,
    /// Real time elapsed since the clock started.
    pub elapsed: SlaDuration,
}

/// Previews a buyer message at `at` under `policy`, with the ticket's other `events`: those at
/// or before `at` happened before it (the message comes after those at the same instant);
/// later ones may only pause and resume its clock (`pending_on_customer` at 10:00 and
/// `resumed` at 14:00 move a business deadline by the working time in between).
pub fn preview(
    policy: &SlaPolicy,
    at: DateTime<Utc>,
    prior: &[ClockEvent],
) -> Result<SlaPreview, SlaError> {
    if let Some(late) = prior.iter().find(|e| {
        e.at > at
            && !matches!(
                e.kind,
                ClockEventKind::PendingOnCustomer
                    | ClockEventKind::Resumed
                    | ClockEventKind::Reopened
            )
    }) {
        return Err(SlaError::EventAfterPreviewedMessage {
            event_at: late.at,
            message_at: at,
        });
    }
    let mut events: Vec<ClockEvent> = prior.iter().filter(|e| e.at <= at).copied().collect();
    events.push(ClockEvent {
        at,
        kind: ClockEventKind::BuyerMessage,
    });
    events.extend(prior.iter().filter(|e| e.at > at));
    let auto_reply_stops = auto_reply_stops_clock_in(policy.channel);
    let clock: SlaClock = Ledger::run(policy, auto_reply_stops, &events).clock(policy)?;
    let zone = policy.clock.time_zone();
    let local = |t: DateTime<Utc>| zone.map(|tz| t.with_timezone(&tz).to_rfc3339());
    // A buyer message always leaves a clock running, so these are present.
    let started = clock.started_at.unwrap_or(at);
    let target_kind = clock.target.unwrap_or(TargetKind::FirstResponse);
    let target = target_kind.of(policy);
    let deadlines = clock
        .thresholds
        .iter()
        .map(|t| PreviewInstant {
            name: t.name.clone(),
            at: t.at,
            local: local(t.at),
            working_time: t.working_time,
            elapsed: SlaDuration::from_secs(
                u64::try_from((t.at - started).num_seconds()).unwrap_or(0),
            ),
        })
        .collect();
    Ok(SlaPreview {
        policy: PreviewPolicy {
            id: policy.id.clone(),
            name: policy.name.clone(),
            channel: policy.channel,
            clock: policy.clock.kind(),
            time_zone: zone,
        },
        message_at: at,
        message_at_local: local(at),
        target: target_kind,
        due_after: target.due,
        internal_due_after: target.internal_due,
        clock_started_at: started,
        clock_started_at_local: local(started),
        state: clock.state,
        due_at: clock.due_at,
        internal_due_at: clock.internal_due_at,
        deadlines,
        auto_reply_stops_clock: auto_reply_stops,
        paused_at: clock.paused_at,
        remaining_when_paused: clock.remaining,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::tests::utc;
    use crate::sla::seed::seed_policies;

    fn policy(id: &str) -> SlaPolicy {
        seed_policies().into_iter().find(|p| p.id == id).unwrap()
    }

    fn instants(p: &SlaPreview) -> Vec<(&str, String)> {
        p.deadlines
            .iter()
            .map(|d| (d.name.as_str(), d.at.to_rfc3339()))
            .collect()
    }

    #[test]
    fn amazon_preview_lists_warnings_internal_and_external_deadlines_in_utc() {
        let p = preview(&policy("amazon"), utc("2026-03-28T22:30:00Z"), &[]).unwrap();
        assert_eq!(
            instants(&p),
            [
                ("warn_50", "2026-03-29T10:30:00+00:00".to_string()),
                ("internal_breach", "2026-03-29T10:30:00+00:00".to_string()),
                ("warn_80", "2026-03-29T17:42:00+00:00".to_string()),
                ("breach", "2026-03-29T22:30:00+00:00".to_string()),
            ]
        );
        assert_eq!(p.due_at, Some(utc("2026-03-29T22:30:00Z")));
        assert_eq!(p.internal_due_at, Some(utc("2026-03-29T10:30:00Z")));
        assert!(!p.auto_reply_stops_clock);
        assert!(p.message_at_local.is_none() && p.deadlines.iter().all(|d| d.local.is_none()));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["deadlines"][3]["at"], "2026-03-29T22:30:00Z");
        assert_eq!(json["deadlines"][3]["elapsed"], "24h");
        assert_eq!(json["policy"]["clock"], "calendar");
    }

    #[test]
    fn business_preview_shows_local_times_and_next_response_after_a_reply() {
        let prior: Vec<ClockEvent> =
            serde_json::from_str(include_str!("../../../events/sla/preview_events.json")).unwrap();
        let at = utc("2026-12-24T16:00:00Z");
        let p = preview(&policy("shopify-it"), at, &prior).unwrap();
        assert_eq!(p.target, TargetKind::NextResponse);
        assert_eq!(p.clock_started_at, at);
        assert_eq!(
            p.message_at_local.as_deref(),
            Some("2026-12-24T17:00:00+01:00")
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json["deadlines"],
            serde_json::json!([
                {"name": "warn_50", "at": "2026-12-28T09:00:00Z", "local": "2026-12-28T10:00:00+01:00",
                 "working_time": "2h", "elapsed": "89h"},
                {"name": "warn_80", "at": "2026-12-28T10:12:00Z", "local": "2026-12-28T11:12:00+01:00",
                 "working_time": "3h12m", "elapsed": "90h12m"},
                {"name": "breach", "at": "2026-12-28T11:00:00Z", "local": "2026-12-28T12:00:00+01:00",
                 "working_time": "4h", "elapsed": "91h"},
            ])
        );
        assert_eq!(json["policy"]["time_zone"], "Europe/Rome");
        assert_eq!(json["due_after"], "4h");
    }

    #[test]
    fn a_pause_after_the_message_holds_a_business_clock_and_a_resume_moves_its_deadline() {
        let at = utc("2026-12-01T08:00:00Z"); // Tuesday 09:00 in Rome
        let plain = preview(&policy("shopify-it"), at, &[]).unwrap();
        let pause = ClockEvent {
            at: utc("2026-12-01T09:00:00Z"),
            kind: ClockEventKind::PendingOnCustomer,
        };
        let paused = preview(&policy("shopify-it"), at, &[pause]).unwrap();
        assert_eq!(paused.state, ClockState::Paused);
        assert_eq!(paused.due_at, None, "no running deadline while pending");
        assert_eq!(paused.paused_at, Some(pause.at));
        assert_eq!(
            paused.remaining_when_paused,
            Some(SlaDuration::from_secs(plain.due_after.as_secs() - 3600))
        );
        let resume = ClockEvent {
            at: utc("2026-12-02T08:00:00Z"), // Wednesday 09:00
            kind: ClockEventKind::Resumed,
        };
        let resumed = preview(&policy("shopify-it"), at, &[pause, resume]).unwrap();
        assert_eq!(resumed.state, ClockState::Running);
        let due = resumed.due_at.unwrap();
        // The remaining working time counts from the resume, not from the message.
        assert_eq!(
            crate::sla::working_time_between(&policy("shopify-it").clock, resume.at, due),
            paused.remaining_when_paused.unwrap()
        );
        // Amazon's calendar clock ignores pending.
        let amazon = preview(&policy("amazon"), at, &[pause]).unwrap();
        assert_eq!(amazon.state, ClockState::Running);
        assert_eq!(amazon.due_at, Some(at + chrono::TimeDelta::hours(24)));
    }

    #[test]
    fn the_preview_json_is_the_documented_one() {
        // `marketdesk sla preview --policy events/sla/policy_shopify_it.json
        //  --at 2026-12-24T16:00:00Z --events events/sla/preview_events.json`
        let policy =
            SlaPolicy::from_json(include_str!("../../../events/sla/policy_shopify_it.json"))
                .unwrap();
        let prior: Vec<ClockEvent> =
            serde_json::from_str(include_str!("../../../events/sla/preview_events.json")).unwrap();
        let p = preview(&policy, utc("2026-12-24T16:00:00Z"), &prior).unwrap();
        let expected: serde_json::Value = serde_json::from_str(include_str!(
            "../../../events/sla/preview_shopify_it_output.json"
        ))
        .unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap(), expected);
        assert_eq!(serde_json::from_value::<SlaPreview>(expected).unwrap(), p);
    }

    #[test]
    fn an_unanswered_earlier_message_keeps_the_clock_start() {
        let prior = [ClockEvent {
            at: utc("2026-06-01T08:00:00Z"),
            kind: ClockEventKind::BuyerMessage,
        }];
        let p = preview(&policy("ebay"), utc("2026-06-01T20:00:00Z"), &prior).unwrap();
        assert_eq!(p.clock_started_at, utc("2026-06-01T08:00:00Z"));
        assert_eq!(p.due_at, Some(utc("2026-06-02T08:00:00Z")));
        assert!(p.auto_reply_stops_clock);
    }

    #[test]
    fn prior_events_after_the_message_are_refused() {
        let prior = [ClockEvent {
            at: utc("2026-06-02T00:00:00Z"),
            kind: ClockEventKind::AgentReply,
        }];
        let err = preview(&policy("amazon"), utc("2026-06-01T00:00:00Z"), &prior).unwrap_err();
        assert!(matches!(err, SlaError::EventAfterPreviewedMessage { .. }));
    }

    #[test]
    fn a_policy_for_any_channel_does_not_let_auto_replies_stop_its_clock() {
        let p = preview(&policy("risk"), utc("2026-06-01T08:00:00Z"), &[]).unwrap();
        assert!(!p.auto_reply_stops_clock);
        assert_eq!(p.due_at, Some(utc("2026-06-01T09:00:00Z")));
        assert_eq!(
            serde_json::to_value(&p).unwrap()["policy"]["channel"],
            "any"
        );
    }
}
