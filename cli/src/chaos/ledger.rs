//! The chaos run's own record of what it put in, and the verdict against what the table, the
//! SES outbox, the eBay sandbox and the Slack sink hold at the end. Pure: the run gathers the
//! observations, this module only counts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// One buyer message (or order change) the run sent into the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub kind: InboundKind,
    /// The id the stored message carries as `external.message_id` (Message-ID, eBay message
    /// id), or the order id of an order change.
    pub external: String,
    /// What identifies its payload in a quarantined record (the S3 key of a mail, the quoted
    /// id of an eBay message or an order).
    pub needle: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InboundKind {
    Mail,
    EbayMessage,
    OrderChange,
}

/// One agent reply the API accepted (202).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub message: String,
    /// A token unique to the reply, in its body (how eBay's copy is recognised).
    pub reference: String,
}

#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub inbound: Vec<Inbound>,
    pub replies: Vec<Reply>,
}

/// A reply's delivery as the table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    Delivered,
    /// Recorded as failed (refused, or `outcome_unknown` after an interrupted send): a person
    /// is told, nothing is silently lost.
    Failed(String),
}

/// What the run found at the end.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Stored buyer messages per external id (a count above 1 is a duplicate).
    pub stored: HashMap<String, usize>,
    /// Orders of the tenant stored as shipped.
    pub shipped_orders: HashSet<String>,
    /// Every quarantined payload.
    pub quarantined: Vec<String>,
    /// The delivery of each reply message, by message id.
    pub deliveries: HashMap<String, Delivery>,
    /// How often each reply went out: by message id (SES Message-ID) or by reference (eBay).
    pub sends: HashMap<String, usize>,
    /// One key per Slack post: the same key twice is the same alert twice.
    pub alert_keys: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub messages: usize,
    pub stored: usize,
    pub quarantined: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub replies: usize,
    pub sent_once: usize,
    pub sent_twice: usize,
    /// Replies recorded as failed without going out (reported to the team, not lost).
    pub replies_failed: usize,
    /// Replies neither sent nor recorded failed, or recorded delivered and never sent.
    pub replies_lost: usize,
    pub alerts: usize,
    pub duplicate_alerts: usize,
    /// What went wrong, one line each, for the operator.
    pub problems: Vec<String>,
    /// What the run itself could not do (kills that found no batch, replies it could not
    /// post): a run that did not inject what it promised proves nothing.
    pub incomplete: Vec<String>,
}

impl Summary {
    /// Nothing lost, nothing twice.
    pub fn clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.sent_twice == 0
            && self.replies_lost == 0
            && self.duplicate_alerts == 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "messages={} stored={} quarantined={} lost={} duplicated={} replies={} sent_once={} \
             sent_twice={} alerts={} duplicate_alerts={}",
            self.messages,
            self.stored,
            self.quarantined,
            // One figure for what is lost: buyer messages and agent replies alike.
            self.lost + self.replies_lost,
            self.duplicated,
            self.replies,
            self.sent_once,
            self.sent_twice,
            self.alerts,
            self.duplicate_alerts
        )
    }
}

/// Counts every inbound message as stored once, quarantined, lost or duplicated; every reply
/// as sent once, twice, reported failed or lost; every alert as once or again.
pub fn verify(ledger: &Ledger, observed: &Observed) -> Summary {
    let mut summary = Summary {
        messages: ledger.inbound.len(),
        replies: ledger.replies.len(),
        ..Summary::default()
    };
    for inbound in &ledger.inbound {
        let quarantined = observed
            .quarantined
            .iter()
            .filter(|p| p.contains(&inbound.needle))
            .count();
        let stored = match inbound.kind {
            InboundKind::OrderChange => {
                usize::from(observed.shipped_orders.contains(&inbound.external))
            }
            _ => observed.stored.get(&inbound.external).copied().unwrap_or(0),
        };
        match (stored, quarantined) {
            (1, 0) => summary.stored += 1,
            (0, 1) => summary.quarantined += 1,
            (0, 0) => {
                summary.lost += 1;
                summary
                    .problems
                    .push(format!("lost {:?} {}", inbound.kind, inbound.external));
            }
            (stored, quarantined) => {
                summary.duplicated += 1;
                summary.problems.push(format!(
                    "duplicated {:?} {}: stored {stored}, quarantined {quarantined}",
                    inbound.kind, inbound.external
                ));
            }
        }
    }
    for reply in &ledger.replies {
        let sends = observed.sends.get(&reply.message).copied().unwrap_or(0)
            + observed.sends.get(&reply.reference).copied().unwrap_or(0);
        let delivery = observed.deliveries.get(&reply.message);
        match (sends, delivery) {
            (1, _) => summary.sent_once += 1,
            (0, Some(Delivery::Failed(reason))) => {
                summary.replies_failed += 1;
                summary.problems.push(format!(
                    "reply {} recorded failed ({reason}), not sent",
                    reply.message
                ));
            }
            (0, state) => {
                summary.replies_lost += 1;
                summary.problems.push(format!(
                    "reply {} never sent, recorded {state:?}",
                    reply.message
                ));
            }
            (n, _) => {
                summary.sent_twice += 1;
                summary
                    .problems
                    .push(format!("reply {} sent {n} times", reply.message));
            }
        }
    }
    let mut alerts: BTreeMap<&str, usize> = BTreeMap::new();
    for key in &observed.alert_keys {
        *alerts.entry(key).or_default() += 1;
    }
    summary.alerts = alerts.len();
    for (key, n) in alerts.into_iter().filter(|(_, n)| *n > 1) {
        summary.duplicate_alerts += 1;
        summary
            .problems
            .push(format!("alert posted {n} times: {key}"));
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(id: &str) -> Inbound {
        Inbound {
            kind: InboundKind::Mail,
            external: id.into(),
            needle: format!("inbound/demo/{id}"),
        }
    }

    fn reply(id: &str) -> Reply {
        Reply {
            message: id.into(),
            reference: format!("ref-{id}"),
        }
    }

    #[test]
    fn each_message_is_stored_quarantined_lost_or_duplicated() {
        let ledger = Ledger {
            inbound: vec![
                mail("a"),
                mail("b"),
                mail("c"),
                mail("d"),
                Inbound {
                    kind: InboundKind::OrderChange,
                    external: "405-1".into(),
                    needle: "\"405-1\"".into(),
                },
            ],
            replies: vec![],
        };
        let observed = Observed {
            stored: HashMap::from([("a".into(), 1), ("d".into(), 2)]),
            shipped_orders: HashSet::from(["405-1".into()]),
            quarantined: vec!["{\"key\":\"inbound/demo/b\"}".into()],
            ..Observed::default()
        };
        let summary = verify(&ledger, &observed);
        assert_eq!(
            (
                summary.stored,
                summary.quarantined,
                summary.lost,
                summary.duplicated
            ),
            (2, 1, 1, 1)
        );
        assert!(!summary.clean());
        assert_eq!(summary.problems.len(), 2, "{:?}", summary.problems);
    }

    #[test]
    fn a_message_stored_and_also_quarantined_counts_as_duplicated() {
        let ledger = Ledger {
            inbound: vec![mail("a")],
            replies: vec![],
        };
        let observed = Observed {
            stored: HashMap::from([("a".into(), 1)]),
            quarantined: vec!["inbound/demo/a".into()],
            ..Observed::default()
        };
        assert_eq!(verify(&ledger, &observed).duplicated, 1);
    }

    #[test]
    fn replies_are_sent_once_twice_reported_failed_or_lost() {
        let ledger = Ledger {
            inbound: vec![],
            replies: vec![
                reply("m1"),
                reply("m2"),
                reply("m3"),
                reply("m4"),
                reply("m5"),
            ],
        };
        let observed = Observed {
            sends: HashMap::from([("m1".into(), 1), ("ref-m2".into(), 1), ("m3".into(), 2)]),
            deliveries: HashMap::from([
                ("m4".into(), Delivery::Failed("outcome_unknown".into())),
                ("m5".into(), Delivery::Delivered),
            ]),
            ..Observed::default()
        };
        let summary = verify(&ledger, &observed);
        assert_eq!(
            (
                summary.sent_once,
                summary.sent_twice,
                summary.replies_failed,
                summary.replies_lost
            ),
            (2, 1, 1, 1)
        );
        assert!(!summary.clean());
        assert!(
            summary.to_string().contains(" lost=1 "),
            "a reply recorded delivered and never sent is counted lost: {summary}"
        );
    }

    #[test]
    fn the_same_alert_twice_is_one_alert_and_one_duplicate() {
        let observed = Observed {
            alert_keys: vec!["t1 warn_50".into(), "t1 breach".into(), "t1 warn_50".into()],
            ..Observed::default()
        };
        let summary = verify(&Ledger::default(), &observed);
        assert_eq!((summary.alerts, summary.duplicate_alerts), (2, 1));
        assert!(!summary.clean());
    }

    #[test]
    fn the_summary_line_has_every_count_in_order() {
        let summary = Summary {
            messages: 3,
            stored: 2,
            quarantined: 1,
            replies: 1,
            sent_once: 1,
            alerts: 4,
            ..Summary::default()
        };
        assert!(summary.clean());
        assert_eq!(
            summary.to_string(),
            "messages=3 stored=2 quarantined=1 lost=0 duplicated=0 replies=1 sent_once=1 \
             sent_twice=0 alerts=4 duplicate_alerts=0"
        );
    }
}
