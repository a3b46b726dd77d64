//! Adapters: implementations of the ports on real technology. The only modules that import an
//! AWS SDK.

pub mod aws;
pub mod dynamo;
pub mod lambda;
pub mod s3;
pub mod scheduler;
pub mod secrets;
pub mod ses;
pub mod sqs;
