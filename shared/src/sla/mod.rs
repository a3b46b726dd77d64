//! SLA engine (pure): policies, working-time arithmetic, clock evaluation from ticket events,
//! outcomes for reports, previews and the demo tenant's seed policies. DESIGN.md §1 and §4.
//!
//! Time is always an argument; nothing here reads the clock or does I/O.

mod calendar;
mod error;
mod holidays;
mod policy;
mod units;

pub use calendar::{deadline, working_time_between};
pub use error::SlaError;
pub use holidays::{HolidayImport, SkippedEvent, easter_sunday, import_ics};
pub use policy::{
    BusinessHours, ChannelScope, Clock, Escalation, Period, PolicyContext, PolicyMatch,
    ResponseTarget, SlaPolicy, select_policy, validate_policies,
};
pub use units::{Day, MonthDay, SlaDuration, TimeOfDay};
