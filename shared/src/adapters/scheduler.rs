//! SLA escalation schedules on EventBridge Scheduler: one one-time `at()` schedule per
//! threshold, delivering the trigger JSON to the escalation queue and deleting itself after;
//! and each channel account's recurring poll schedule, invoking the poller.

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::{DisplayErrorContext, SdkError};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, Target,
};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use crate::accounts::{PollSchedule, PollSchedules, ProvisioningError};

use crate::config::{ConfigError, Settings};
use crate::domain::Ticket;
use crate::escalation::{EscalationScheduler, PlannedSchedule, SchedulerError, plan};
use crate::sla::SlaPolicy;

/// Where schedules live and what they deliver to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTarget {
    /// The schedule group (`MARKETDESK_SCHEDULE_GROUP`).
    pub group: String,
    /// The escalation queue's ARN (`MARKETDESK_ESCALATION_QUEUE_ARN`).
    pub queue_arn: String,
    /// The role the scheduler assumes to send to the queue (`MARKETDESK_SCHEDULER_ROLE_ARN`).
    pub role_arn: String,
}

impl ScheduleTarget {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        Ok(ScheduleTarget {
            group: settings
                .schedule_group
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_SCHEDULE_GROUP"))?,
            queue_arn: settings
                .escalation_queue_arn
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_ESCALATION_QUEUE_ARN"))?,
            role_arn: settings
                .scheduler_role_arn
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_SCHEDULER_ROLE_ARN"))?,
        })
    }
}

/// The `at()` expression of an instant, in UTC to the second.
pub fn at_expression(at: DateTime<Utc>) -> String {
    at.format("at(%Y-%m-%dT%H:%M:%S)").to_string()
}

/// [`EscalationScheduler`] on EventBridge Scheduler.
#[derive(Debug, Clone)]
pub struct EventBridgeScheduler {
    client: Client,
    target: ScheduleTarget,
}

impl EventBridgeScheduler {
    pub fn new(client: Client, target: ScheduleTarget) -> Self {
        Self { client, target }
    }

    pub fn from_config(config: &aws_config::SdkConfig, target: ScheduleTarget) -> Self {
        Self::new(Client::new(config), target)
    }

    /// Creates one schedule; one that exists already (a retry) is fine.
    async fn create(&self, ticket: &Ticket, s: &PlannedSchedule) -> Result<(), SchedulerError> {
        let input = serde_json::to_string(&s.trigger)?;
        let backend = |e: String| backend(ticket, &s.name, "CreateSchedule", e);
        let target = Target::builder()
            .arn(&self.target.queue_arn)
            .role_arn(&self.target.role_arn)
            .input(input)
            .build()
            .map_err(|e| backend(e.to_string()))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| backend(e.to_string()))?;
        let result = self
            .client
            .create_schedule()
            .name(&s.name)
            .group_name(&self.target.group)
            .schedule_expression(at_expression(s.trigger.fire_at))
            .schedule_expression_timezone("UTC")
            .flexible_time_window(window)
            .action_after_completion(ActionAfterCompletion::Delete)
            .description(format!(
                "SLA {} of ticket {}",
                s.trigger.threshold, ticket.id
            ))
            .target(target)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conflict_exception() => Ok(()),
            Err(e) => Err(backend(DisplayErrorContext(e).to_string())),
        }
    }

    /// Deletes one schedule; one already gone (fired, or never created) is fine.
    async fn delete(&self, ticket: &Ticket, name: &str) -> Result<(), SchedulerError> {
        let result = self
            .client
            .delete_schedule()
            .name(name)
            .group_name(&self.target.group)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => Ok(()),
            Err(e) => Err(backend(
                ticket,
                name,
                "DeleteSchedule",
                DisplayErrorContext(e).to_string(),
            )),
        }
    }
}

fn backend(
    ticket: &Ticket,
    schedule: &str,
    operation: &'static str,
    message: String,
) -> SchedulerError {
    SchedulerError::Backend {
        tenant: ticket.tenant.clone(),
        ticket: ticket.id.clone(),
        schedule: schedule.to_string(),
        operation,
        message,
    }
}

impl EscalationScheduler for EventBridgeScheduler {
    async fn sync(
        &self,
        before: Option<&Ticket>,
        after: &Ticket,
        policies: &[SlaPolicy],
        now: DateTime<Utc>,
    ) -> Result<(), SchedulerError> {
        let changes = plan(before, after, policies, now)?;
        // Deletions first: a moved deadline never has old and new alerts armed at once for long.
        futures::future::try_join_all(changes.delete.iter().map(|n| self.delete(after, n))).await?;
        futures::future::try_join_all(changes.create.iter().map(|s| self.create(after, s))).await?;
        Ok(())
    }
}

impl crate::review_requests::service::ReviewRequestScheduler for EventBridgeScheduler {
    /// One `at()` schedule per order (decision 0022), on the escalation queue like the SLA
    /// thresholds; its name depends on tenant and order only, so a second create is a conflict,
    /// which is success.
    async fn schedule(
        &self,
        trigger: &crate::review_requests::ReviewRequestTrigger,
    ) -> Result<(), crate::review_requests::service::ReviewError> {
        use crate::review_requests::{schedule_description, schedule_name};
        let name = schedule_name(&trigger.tenant, &trigger.order);
        let error = |message: String| crate::review_requests::service::ReviewError::Schedule {
            tenant: trigger.tenant.clone(),
            order: trigger.order.clone(),
            schedule: name.clone(),
            message,
        };
        let input = serde_json::to_string(trigger).map_err(|e| error(e.to_string()))?;
        let target = Target::builder()
            .arn(&self.target.queue_arn)
            .role_arn(&self.target.role_arn)
            .input(input)
            .build()
            .map_err(|e| error(e.to_string()))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| error(e.to_string()))?;
        let result = self
            .client
            .create_schedule()
            .name(&name)
            .group_name(&self.target.group)
            .schedule_expression(at_expression(trigger.fire_at))
            .schedule_expression_timezone("UTC")
            .flexible_time_window(window)
            .action_after_completion(ActionAfterCompletion::Delete)
            .description(schedule_description(trigger))
            .target(target)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conflict_exception() => Ok(()),
            Err(e) => Err(error(DisplayErrorContext(e).to_string())),
        }
    }
}

/// Where account poll schedules live and what they start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollTarget {
    /// The schedule group (`MARKETDESK_SCHEDULE_GROUP`).
    pub group: String,
    /// The poller function's ARN (`MARKETDESK_POLLER_FUNCTION_ARN`).
    pub function_arn: String,
    /// The role the scheduler assumes to invoke it (`MARKETDESK_SCHEDULER_ROLE_ARN`).
    pub role_arn: String,
}

impl PollTarget {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        Ok(PollTarget {
            group: settings
                .schedule_group
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_SCHEDULE_GROUP"))?,
            function_arn: settings
                .poller_function_arn
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_POLLER_FUNCTION_ARN"))?,
            role_arn: settings
                .scheduler_role_arn
                .clone()
                .ok_or(ConfigError::Missing("MARKETDESK_SCHEDULER_ROLE_ARN"))?,
        })
    }
}

/// [`PollSchedules`] on EventBridge Scheduler: one recurring `rate()` schedule per account,
/// invoking the poller with the account's [`PollInput`](crate::accounts::PollInput).
#[derive(Debug, Clone)]
pub struct EventBridgePollSchedules {
    client: Client,
    target: PollTarget,
}

impl EventBridgePollSchedules {
    pub fn new(client: Client, target: PollTarget) -> Self {
        Self { client, target }
    }

    pub fn from_config(config: &aws_config::SdkConfig, target: PollTarget) -> Self {
        Self::new(Client::new(config), target)
    }

    fn error(name: &str, operation: &'static str, message: String) -> ProvisioningError {
        ProvisioningError::Backend {
            name: name.to_owned(),
            operation,
            message,
        }
    }

    async fn upsert_schedule(&self, s: &PollSchedule) -> Result<(), ProvisioningError> {
        let error = |operation, message| Self::error(&s.name, operation, message);
        let input =
            serde_json::to_string(&s.input).map_err(|e| error("CreateSchedule", e.to_string()))?;
        let target = Target::builder()
            .arn(&self.target.function_arn)
            .role_arn(&self.target.role_arn)
            .input(input)
            .build()
            .map_err(|e| error("CreateSchedule", e.to_string()))?;
        // A minute of slack spreads the accounts' polls instead of starting them all at once.
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Flexible)
            .maximum_window_in_minutes(1)
            .build()
            .map_err(|e| error("CreateSchedule", e.to_string()))?;
        let description = format!(
            "poll account {} of tenant {}",
            s.input.account, s.input.tenant
        );
        let created = self
            .client
            .create_schedule()
            .name(&s.name)
            .group_name(&self.target.group)
            .schedule_expression(&s.expression)
            .flexible_time_window(window.clone())
            .description(&description)
            .target(target.clone())
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            // It exists (an interval change, or a retry): UpdateSchedule replaces it whole.
            Err(SdkError::ServiceError(e)) if e.err().is_conflict_exception() => self
                .client
                .update_schedule()
                .name(&s.name)
                .group_name(&self.target.group)
                .schedule_expression(&s.expression)
                .flexible_time_window(window)
                .description(description)
                .target(target)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error("UpdateSchedule", DisplayErrorContext(e).to_string())),
            Err(e) => Err(error("CreateSchedule", DisplayErrorContext(e).to_string())),
        }
    }
}

impl PollSchedules for EventBridgePollSchedules {
    fn upsert<'a>(
        &'a self,
        schedule: &'a PollSchedule,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(self.upsert_schedule(schedule))
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            let result = self
                .client
                .delete_schedule()
                .name(name)
                .group_name(&self.target.group)
                .send()
                .await;
            match result {
                Ok(_) => Ok(()),
                Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                    Ok(())
                }
                Err(e) => Err(Self::error(
                    name,
                    "DeleteSchedule",
                    DisplayErrorContext(e).to_string(),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_expressions_are_utc_to_the_second() {
        let at = DateTime::parse_from_rfc3339("2026-03-29T12:30:05+02:00")
            .unwrap()
            .to_utc();
        assert_eq!(at_expression(at), "at(2026-03-29T10:30:05)");
    }

    #[test]
    fn every_target_setting_is_required() {
        let settings = Settings {
            table: "t".into(),
            schedule_group: Some("g".into()),
            escalation_queue_arn: Some("arn:aws:sqs:eu-south-1:1:q".into()),
            ..Settings::default()
        };
        assert_eq!(
            ScheduleTarget::from_settings(&settings),
            Err(ConfigError::Missing("MARKETDESK_SCHEDULER_ROLE_ARN"))
        );
    }
}
