//! The local schedule firer. moto stores EventBridge Scheduler schedules but never fires them,
//! so the local stack does what the service would for one-time `at()` schedules with an SQS
//! target: deliver the schedule's Input to the target queue, then delete the schedule
//! (ActionAfterCompletion DELETE). Time comes from the caller, so tests can advance it.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_scheduler::error::DisplayErrorContext;
use chrono::{DateTime, NaiveDateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum FireError {
    #[error("{operation} on schedule group {group}: {message}")]
    Aws {
        group: String,
        operation: &'static str,
        message: String,
    },
    /// A schedule this firer cannot deliver (not `at()`, no SQS target); names it only.
    #[error("schedule {name}: {reason}")]
    Unsupported { name: String, reason: String },
}

/// The instant of an `at(yyyy-mm-ddThh:mm:ss)` expression, read as UTC (the adapter always
/// sets the UTC time zone), or `None` for `rate()`/`cron()` expressions.
pub fn parse_at(expression: &str) -> Option<DateTime<Utc>> {
    let inner = expression.strip_prefix("at(")?.strip_suffix(')')?;
    NaiveDateTime::parse_from_str(inner, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

struct Due {
    name: String,
    at: DateTime<Utc>,
    queue_arn: String,
    input: String,
}

/// Fires every `at()` schedule of `group` due at `now` (earliest first) and returns their names.
/// Schedules not yet due, and recurring ones, are left alone.
pub async fn fire_due(
    config: &SdkConfig,
    group: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, FireError> {
    fire_due_with(config, group, now, &mut Known::default()).await
}

/// What GetSchedule said about each schedule seen so far: `None` for one that is not an `at()`
/// schedule. A schedule's name is derived from what it fires (decision 0005), so its answer
/// never changes; the firer reads each schedule once, not once per round.
#[derive(Debug, Default)]
pub struct Known(std::collections::HashMap<String, Option<(DateTime<Utc>, String, String)>>);

/// [`fire_due`], reading only the schedules `known` does not hold yet. A schedule deleted
/// between the listing and its read (the ticket was answered) is skipped, not a failed round.
pub async fn fire_due_with(
    config: &SdkConfig,
    group: &str,
    now: DateTime<Utc>,
    known: &mut Known,
) -> Result<Vec<String>, FireError> {
    let scheduler = aws_sdk_scheduler::Client::new(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let aws = |operation: &'static str, message: String| FireError::Aws {
        group: group.to_string(),
        operation,
        message,
    };
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = scheduler
            .list_schedules()
            .group_name(group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws("ListSchedules", DisplayErrorContext(e).to_string()))?;
        names.extend(
            page.schedules()
                .iter()
                .filter_map(|s| s.name().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let listed: std::collections::HashSet<&String> = names.iter().collect();
    known.0.retain(|name, _| listed.contains(name));
    let mut due = Vec::new();
    for name in names {
        if !known.0.contains_key(&name) {
            let s = match scheduler
                .get_schedule()
                .group_name(group)
                .name(&name)
                .send()
                .await
            {
                Ok(s) => s,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_resource_not_found_exception()) =>
                {
                    continue;
                }
                Err(e) => return Err(aws("GetSchedule", DisplayErrorContext(e).to_string())),
            };
            let entry = match s.schedule_expression().and_then(parse_at) {
                None => None,
                Some(at) => {
                    let target = s.target().ok_or_else(|| FireError::Unsupported {
                        name: name.clone(),
                        reason: "no target".into(),
                    })?;
                    Some((
                        at,
                        target.arn().to_string(),
                        target.input().unwrap_or_default().to_string(),
                    ))
                }
            };
            known.0.insert(name.clone(), entry);
        }
        let Some(Some((at, queue_arn, input))) = known.0.get(&name) else {
            continue;
        };
        if *at > now {
            continue;
        }
        due.push(Due {
            at: *at,
            queue_arn: queue_arn.clone(),
            input: input.clone(),
            name,
        });
    }
    due.sort_by(|a, b| (a.at, &a.name).cmp(&(b.at, &b.name)));
    let mut fired = Vec::with_capacity(due.len());
    for d in due {
        let queue_name = d
            .queue_arn
            .strip_prefix("arn:")
            .filter(|_| d.queue_arn.contains(":sqs:"))
            .and_then(|a| a.rsplit(':').next())
            .ok_or_else(|| FireError::Unsupported {
                name: d.name.clone(),
                reason: format!("target {} is not an SQS queue", d.queue_arn),
            })?;
        let url = sqs
            .get_queue_url()
            .queue_name(queue_name)
            .send()
            .await
            .map_err(|e| aws("GetQueueUrl", DisplayErrorContext(e).to_string()))?;
        sqs.send_message()
            .queue_url(url.queue_url().unwrap_or_default())
            .message_body(&d.input)
            .send()
            .await
            .map_err(|e| aws("SendMessage", DisplayErrorContext(e).to_string()))?;
        let deleted = scheduler
            .delete_schedule()
            .group_name(group)
            .name(&d.name)
            .send()
            .await;
        // Deleted meanwhile (the ticket moved on): what it fired is judged stale downstream.
        if let Err(e) = deleted
            && !e
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception())
        {
            return Err(aws("DeleteSchedule", DisplayErrorContext(e).to_string()));
        }
        tracing::info!(schedule = %d.name, at = %d.at, "fired local schedule");
        fired.push(d.name);
    }
    Ok(fired)
}

/// Fires due schedules every `every`, reading the time from `clock`, until the task is dropped.
/// A failed round is logged and the next one tries again, as the service would keep going.
pub async fn run(
    config: SdkConfig,
    group: String,
    every: Duration,
    clock: impl Fn() -> DateTime<Utc>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut known = Known::default();
    loop {
        tick.tick().await;
        if let Err(e) = fire_due_with(&config, &group, clock(), &mut known).await {
            tracing::warn!(error = %e, "local schedule firer round failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_at_expressions_have_an_instant() {
        assert_eq!(
            parse_at("at(2026-03-29T10:30:05)"),
            Some(
                DateTime::parse_from_rfc3339("2026-03-29T10:30:05Z")
                    .unwrap()
                    .to_utc()
            )
        );
        assert_eq!(parse_at("rate(5 minutes)"), None);
        assert_eq!(parse_at("at(2026-13-29T10:30:05)"), None);
    }
}
