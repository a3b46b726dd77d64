//! The local stack as `make dev` runs it: within a minute of starting, the inbox lists tickets
//! from Amazon, eBay and Shopify with their orders attached (what the README promises).

use std::time::Duration;

use marketdesk_devstack::local::{LocalStack, Options};

#[tokio::test(flavor = "multi_thread")]
async fn the_inbox_lists_every_channel_with_order_context_within_a_minute() {
    let options = Options {
        rate_per_minute: 0.0,
        poll_every: Duration::from_secs(5),
        ..Options::default()
    };
    let mut stack = LocalStack::create(&options).await.unwrap();
    stack.run(&options).await.unwrap();
    let summary = stack.inbox_summary(Duration::from_secs(60)).await;
    stack.stop();
    let summary = summary.unwrap();
    for channel in ["amazon", "ebay", "shopify"] {
        assert!(
            summary["open_tickets"][channel]["with_order"].as_u64() > Some(0),
            "{summary}"
        );
    }
}
