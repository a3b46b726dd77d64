//! The local stack: the moto AWS emulator, the table and queues created from the SAM template,
//! and what tests need to use them. `marketdesk dev` and the tests in `tests/` share it.

pub mod demo;
pub mod emulator;
pub mod history;
pub mod local;
pub mod queues;
pub mod sandboxes;
pub mod scheduler;
pub mod template;
pub mod testing;

pub use emulator::{Emulator, EmulatorError};
pub use template::{Resources, StackResources};
