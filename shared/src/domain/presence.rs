//! Who is looking at a ticket right now: agents send a heartbeat while a ticket is open, and
//! a presence lapses on its own when the heartbeats stop (a closed tab never says goodbye).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{AgentId, TicketId};

/// How long one heartbeat keeps an agent listed. Clients beat about every 10 s, so a missed
/// beat or two does not make an agent flicker out of the list.
pub const PRESENCE_TTL: Duration = Duration::seconds(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    /// Writing a reply: another agent should hold back.
    Replying,
}

/// One agent's presence on one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub ticket: TicketId,
    pub agent: AgentId,
    pub state: PresenceState,
    /// The last heartbeat.
    pub at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Presence {
    /// The presence a heartbeat at `now` establishes.
    pub fn heartbeat(
        ticket: TicketId,
        agent: AgentId,
        state: PresenceState,
        now: DateTime<Utc>,
    ) -> Self {
        Presence {
            ticket,
            agent,
            state,
            at: now,
            expires_at: now + PRESENCE_TTL,
        }
    }

    /// Still current at `now`. The store deletes expired items lazily (DynamoDB TTL may take
    /// hours), so readers filter with this.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// The presences still live at `now`, most recent heartbeat first.
pub fn live(presences: Vec<Presence>, now: DateTime<Utc>) -> Vec<Presence> {
    let mut live: Vec<Presence> = presences.into_iter().filter(|p| p.is_live(now)).collect();
    live.sort_by_key(|p| std::cmp::Reverse(p.at));
    live
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn presence(agent: &str, beat: &str) -> Presence {
        Presence::heartbeat(
            TicketId::parse("tkt_1").unwrap(),
            AgentId::parse(agent).unwrap(),
            PresenceState::Viewing,
            at(beat),
        )
    }

    #[test]
    fn a_heartbeat_lapses_after_the_ttl() {
        let p = presence("alice", "2026-11-20T10:00:00Z");
        assert!(p.is_live(at("2026-11-20T10:00:29Z")));
        assert!(!p.is_live(at("2026-11-20T10:00:30Z")));
    }

    #[test]
    fn live_drops_expired_items_the_store_still_returns_and_lists_newest_first() {
        let list = live(
            vec![
                presence("old", "2026-11-20T09:59:00Z"),
                presence("alice", "2026-11-20T10:00:00Z"),
                presence("bob", "2026-11-20T10:00:10Z"),
            ],
            at("2026-11-20T10:00:20Z"),
        );
        let agents: Vec<_> = list.iter().map(|p| p.agent.as_str()).collect();
        assert_eq!(agents, ["bob", "alice"]);
    }
}
