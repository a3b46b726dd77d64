//! SLA engine (pure): policies, working-time arithmetic, clock evaluation from ticket events,
//! outcomes for reports, previews and the demo tenant's seed policies. DESIGN.md §1 and §4.
//!
//! Time is always an argument; nothing here reads the clock or does I/O.
//!
//! - [`SlaPolicy`] (JSON, validated) and [`select_policy`]: which policy a ticket gets.
//! - [`deadline`] / [`working_time_between`]: calendar and business-hour arithmetic, DST- and
//!   holiday-correct to the second; holidays can come from iCalendar ([`import_ics`]).
//! - [`evaluate`]: a ticket's [`SlaClock`] from its [`ClockEvent`]s, with every threshold
//!   instant (`warn_50`, `internal_breach`, `breach`) for the escalation schedules;
//!   [`SlaClock::to_sla_state`] gives the ticket's stored [`crate::domain::SlaState`].
//! - [`outcome`]: hit/missed and response times for reports; [`preview`]: what a policy does
//!   with a message at a given instant.

mod calendar;
mod clock;
mod error;
mod holidays;
mod policy;
mod preview;
mod seed;
mod state;
mod units;

pub use calendar::{deadline, working_spans, working_time_between};
pub use clock::{
    BREACH, ClockEvent, ClockEventKind, ClockState, INTERNAL_BREACH, OutcomeResult,
    ResponseOutcome, ResponseResult, SlaClock, SlaOutcome, StopReason, TargetKind, Threshold,
    auto_reply_stops_clock, compact, evaluate, outcome, warning_name,
};
pub use error::SlaError;
pub use holidays::{HolidayImport, SkippedEvent, easter_sunday, import_ics};
pub use policy::{
    BusinessHours, ChannelScope, Clock, ClockKind, Escalation, MAX_TARGET, Period, PolicyContext,
    PolicyMatch, ResponseTarget, SlaPolicy, check_instant, select_policy, validate_policies,
};
pub use preview::{PreviewInstant, PreviewPolicy, SlaPreview, preview};
pub use seed::{SEED_HOLIDAY_YEARS, italian_public_holidays, seed_policies};
pub use state::{advance, history_of, threshold_instants};
pub use units::{Day, MonthDay, SlaDuration, TimeOfDay};
