use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn rule(id: &str, position: u32, conditions: Conditions, actions: Actions) -> Rule {
    Rule {
        id: RuleId::parse(id).unwrap(),
        tenant: TenantId::parse("acme").unwrap(),
        name: format!("rule {id}"),
        enabled: true,
        position,
        conditions,
        actions,
        stop_processing: false,
        version: 1,
        updated_at: at("2026-11-20T10:00:00Z"),
        updated_by: AgentId::parse("admin-1").unwrap(),
    }
}

fn any_of(words: &[&str]) -> Conditions {
    Conditions {
        keywords: KeywordSet {
            any_of: words.iter().map(|w| w.to_string()).collect(),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn tag(t: &str) -> Actions {
    Actions {
        add_tags: vec![t.into()],
        ..Default::default()
    }
}

fn kw(any: &[&str], all: &[&str], none: &[&str]) -> KeywordSet {
    let v = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
    KeywordSet {
        any_of: v(any),
        all_of: v(all),
        none_of: v(none),
    }
}

struct Msg {
    channel: Channel,
    subject: &'static str,
    body: &'static str,
    language: Option<&'static str>,
    intent: Option<Intent>,
    priority: Priority,
    risk: Option<Risk>,
    fulfillment: Option<FulfillmentChannel>,
    repeat: bool,
    tags: BTreeSet<String>,
    assignee: Option<AgentId>,
    draft: Option<&'static str>,
}

fn msg(body: &'static str) -> Msg {
    Msg {
        channel: Channel::Amazon,
        subject: "Domanda sull'ordine 405-1234567-7654321",
        body,
        language: Some("it"),
        intent: Some(Intent::Other),
        priority: Priority::Normal,
        risk: None,
        fulfillment: None,
        repeat: false,
        tags: BTreeSet::new(),
        assignee: None,
        draft: None,
    }
}

impl Msg {
    fn input(&self) -> RuleInput<'_> {
        RuleInput {
            channel: self.channel,
            subject: self.subject,
            body: self.body,
            language: self.language,
            intent: self.intent,
            priority: self.priority,
            risk: self.risk,
            fulfillment: self.fulfillment,
            repeat_customer: self.repeat,
            tags: &self.tags,
            assignee: self.assignee.as_ref(),
            suggested_template: self.draft,
        }
    }
}

fn ids(outcome: &RuleOutcome) -> Vec<&str> {
    outcome.matched.iter().map(|m| m.rule_id.as_str()).collect()
}

#[test]
fn keywords_match_ignoring_case_and_accents_in_every_language() {
    let set = kw(
        &["rückerstattung", "remboursement", "reembolso", "RIMBORSO"],
        &[],
        &[],
    );
    assert!(set.matches("", "Ich möchte eine RUCKERSTATTUNG bitte"));
    assert!(set.matches("", "Je demande le rembôursement."));
    assert!(set.matches("", "¿Cuándo llega el REEMBOLSO?"));
    assert!(set.matches("Rimborso", ""));
    assert!(!set.matches("", "I would like my money back"));
    // Accents in the keyword are folded too.
    assert!(kw(&["délai"], &[], &[]).matches("", "quel DELAI de livraison ?"));
}

#[test]
fn keywords_match_whole_words_only() {
    let set = kw(&["box"], &[], &[]);
    assert!(!set.matches("", "the boxes arrived, inbox full"));
    assert!(set.matches("", "the boxes arrived but one box was empty"));
    assert!(set.matches("", "box."));
    assert!(!kw(&["rotto"], &[], &[]).matches("", "ho interrotto l'ordine"));
}

#[test]
fn phrases_match_across_whitespace_runs_but_not_across_subject_and_body() {
    let set = kw(&["non funziona"], &[], &[]);
    assert!(set.matches("", "il prodotto NON\n   funziona"));
    assert!(!set.matches("Prodotto non", "funziona bene"));
}

#[test]
fn all_of_needs_every_keyword_and_none_of_vetoes() {
    let set = kw(&[], &["tracking", "wrong"], &["thanks"]);
    assert!(set.matches("Tracking", "the number is wrong"));
    assert!(!set.matches("Tracking", "the number is right"));
    assert!(!set.matches("Tracking", "the number is wrong, thanks anyway"));
    let only_none = kw(&[], &[], &["grazie"]);
    assert!(only_none.matches("", "dov'è il pacco"));
    assert!(!only_none.matches("", "Grazie mille!"));
}

#[test]
fn every_set_condition_must_hold() {
    let conditions = Conditions {
        channels: vec![Channel::Amazon, Channel::Ebay],
        intents: vec![Intent::WhereIsMyOrder],
        languages: vec!["it".into()],
        fulfillment: Some(FulfillmentChannel::Merchant),
        repeat_customer: Some(true),
        keywords: kw(&["pacco"], &[], &[]),
        ..Default::default()
    };
    let r = rule("r1", 1, conditions, tag("wismo-fbm"));
    let mut m = msg("Dov'è il mio pacco?");
    m.intent = Some(Intent::WhereIsMyOrder);
    m.fulfillment = Some(FulfillmentChannel::Merchant);
    m.repeat = true;
    assert!(matches(&r, &m.input()));

    type Change = Box<dyn Fn(&mut Msg)>;
    let failing: Vec<Change> = vec![
        Box::new(|m| m.channel = Channel::Shopify),
        Box::new(|m| m.intent = Some(Intent::Return)),
        Box::new(|m| m.intent = None),
        Box::new(|m| m.language = Some("de")),
        Box::new(|m| m.language = Some("de-IT")),
        Box::new(|m| m.language = None),
        Box::new(|m| m.fulfillment = Some(FulfillmentChannel::Marketplace)),
        Box::new(|m| m.fulfillment = None),
        Box::new(|m| m.repeat = false),
        Box::new(|m| m.body = "Dov'è il mio ordine?"),
    ];
    for (i, change) in failing.iter().enumerate() {
        let mut m = msg("Dov'è il mio pacco?");
        m.intent = Some(Intent::WhereIsMyOrder);
        m.fulfillment = Some(FulfillmentChannel::Merchant);
        m.repeat = true;
        change(&mut m);
        assert!(!matches(&r, &m.input()), "change {i} should fail the rule");
    }
}

#[test]
fn risk_and_priority_conditions_are_any_of() {
    let r = rule(
        "r1",
        1,
        Conditions {
            risks: vec![Risk::AToZClaim, Risk::Chargeback],
            ..Default::default()
        },
        tag("claims"),
    );
    let mut m = msg("x");
    assert!(!matches(&r, &m.input()));
    m.risk = Some(Risk::Chargeback);
    assert!(matches(&r, &m.input()));
    m.risk = Some(Risk::NegativeFeedback);
    assert!(!matches(&r, &m.input()));

    let p = rule(
        "r2",
        1,
        Conditions {
            priorities: vec![Priority::High, Priority::Urgent],
            ..Default::default()
        },
        tag("hot"),
    );
    assert!(!matches(&p, &msg("x").input()));
    let mut m = msg("x");
    m.priority = Priority::High;
    assert!(matches(&p, &m.input()));
}

#[test]
fn rules_run_in_position_order_and_stop_processing_ends_the_run() {
    let mut stop = rule("b", 2, any_of(&["rimborso"]), tag("refund"));
    stop.stop_processing = true;
    let rules = vec![
        rule("c", 3, any_of(&["rimborso"]), tag("never")),
        stop,
        rule("a", 1, any_of(&["rimborso"]), tag("first")),
        rule("d", 0, any_of(&["reso"]), tag("unmatched")),
    ];
    let outcome = apply(&rules, &msg("Vorrei un rimborso").input());
    assert_eq!(ids(&outcome), ["a", "b"]);
    assert_eq!(outcome.tags_added, ["first", "refund"]);
    assert!(outcome.matched[1].stopped_processing);
}

#[test]
fn disabled_rules_do_nothing() {
    let mut r = rule("a", 1, any_of(&["rimborso"]), tag("refund"));
    r.enabled = false;
    assert!(
        apply(&[r], &msg("Vorrei un rimborso").input())
            .matched
            .is_empty()
    );
}

#[test]
fn the_first_rule_to_set_priority_assignee_or_draft_wins() {
    let agent = |a: &str| AgentId::parse(a).unwrap();
    let first = Actions {
        set_priority: Some(Priority::High),
        assign_to: Some(agent("giulia")),
        suggest_template: Some("refund_processed".into()),
        ..Default::default()
    };
    let second = Actions {
        set_priority: Some(Priority::Low),
        assign_to: Some(agent("marco")),
        suggest_template: Some("delay".into()),
        add_tags: vec!["second".into()],
    };
    let rules = vec![
        rule("a", 1, any_of(&["rimborso"]), first),
        rule("b", 2, any_of(&["rimborso"]), second),
    ];
    let outcome = apply(&rules, &msg("rimborso").input());
    assert_eq!(outcome.priority, Some(Priority::High));
    assert_eq!(outcome.assignee, Some(agent("giulia")));
    assert_eq!(
        outcome.suggested_template,
        Some((RuleId::parse("a").unwrap(), "refund_processed".into()))
    );
    assert_eq!(
        outcome.matched[1].actions,
        [RuleAction::AddTags {
            tags: vec!["second".into()]
        }]
    );
}

#[test]
fn a_rule_never_lowers_a_ticket_at_account_risk_but_may_lower_others() {
    let low = Actions {
        set_priority: Some(Priority::Low),
        ..Default::default()
    };
    let rules = vec![rule("a", 1, any_of(&["grazie"]), low)];
    let mut m = msg("grazie");
    m.priority = Priority::Urgent;
    m.risk = Some(Risk::AToZClaim);
    let outcome = apply(&rules, &m.input());
    assert_eq!(outcome.priority, None);
    assert!(outcome.is_noop());

    m.risk = None;
    let outcome = apply(&rules, &m.input());
    assert_eq!(outcome.priority, Some(Priority::Low));
    assert_eq!(
        outcome.matched[0].actions,
        [RuleAction::SetPriority {
            from: Priority::Urgent,
            to: Priority::Low
        }]
    );
}

#[test]
fn suggesting_the_draft_the_ticket_already_has_changes_nothing() {
    let actions = Actions {
        suggest_template: Some("damaged_item".into()),
        ..Default::default()
    };
    let rules = vec![rule("a", 1, any_of(&["rotto"]), actions)];
    let mut m = msg("rotto");
    m.draft = Some("damaged_item");
    let outcome = apply(&rules, &m.input());
    assert!(outcome.is_noop() && outcome.suggested_template.is_none());
    m.draft = Some("delay");
    let outcome = apply(&rules, &m.input());
    assert_eq!(
        outcome.suggested_template,
        Some((RuleId::parse("a").unwrap(), "damaged_item".into()))
    );
}

#[test]
fn an_assigned_ticket_keeps_its_agent_and_present_tags_are_not_added_again() {
    let actions = Actions {
        add_tags: vec!["refund".into()],
        assign_to: Some(AgentId::parse("marco").unwrap()),
        ..Default::default()
    };
    let rules = vec![rule("a", 1, any_of(&["rimborso"]), actions)];
    let mut m = msg("rimborso");
    m.assignee = Some(AgentId::parse("giulia").unwrap());
    m.tags.insert("refund".into());
    let outcome = apply(&rules, &m.input());
    assert_eq!(ids(&outcome), ["a"]);
    assert!(outcome.is_noop());
    assert_eq!(outcome.assignee, None);
}

fn spec(conditions: Conditions, actions: Actions) -> RuleSpec {
    RuleSpec {
        name: "  Refunds  ".into(),
        enabled: true,
        position: 1,
        conditions,
        actions,
        stop_processing: false,
    }
}

#[test]
fn validation_normalises_a_good_rule() {
    let mut conditions = any_of(&[" rimborso ", "rimborso", "Reso"]);
    conditions.languages = vec!["IT".into()];
    let mut actions = tag(" Refund ");
    actions.suggest_template = Some("refund_processed".into());
    let ok = validate(&spec(conditions, actions)).unwrap();
    assert_eq!(ok.name, "Refunds");
    assert_eq!(ok.conditions.keywords.any_of, ["rimborso", "Reso"]);
    assert_eq!(ok.conditions.languages, ["it"]);
    assert_eq!(ok.actions.add_tags, ["refund"]);
}

#[test]
fn validation_names_the_field_at_fault() {
    let field = |s: RuleSpec| validate(&s).unwrap_err().field;
    let good = || spec(any_of(&["rimborso"]), tag("refund"));

    let mut s = good();
    s.name = "  ".into();
    assert_eq!(field(s), "name");
    assert_eq!(field(spec(Conditions::default(), tag("x"))), "conditions");
    assert_eq!(field(spec(any_of(&["x"]), Actions::default())), "actions");
    assert_eq!(
        field(spec(any_of(&["ok", "   "]), tag("x"))),
        "conditions.keywords.any_of[1]"
    );
    let long = "x".repeat(MAX_KEYWORD_CHARS + 1);
    let mut c = Conditions::default();
    c.keywords.none_of = vec![long];
    assert_eq!(field(spec(c, tag("x"))), "conditions.keywords.none_of[0]");
    let mut c = Conditions::default();
    c.keywords.all_of = (0..=MAX_KEYWORDS).map(|i| format!("w{i}")).collect();
    assert_eq!(field(spec(c, tag("x"))), "conditions.keywords.all_of");
    assert_eq!(
        field(spec(any_of(&["!!"]), tag("x"))),
        "conditions.keywords.any_of[0]"
    );
    let mut c = any_of(&["x"]);
    c.languages = vec!["ita".into()];
    assert_eq!(field(spec(c, tag("x"))), "conditions.languages[0]");
    let mut a = tag("x");
    a.suggest_template = Some("../etc".into());
    assert_eq!(field(spec(any_of(&["x"]), a)), "actions.suggest_template");
    let a = Actions {
        add_tags: vec!["a\u{7}b".into()],
        ..Default::default()
    };
    assert_eq!(field(spec(any_of(&["x"]), a)), "actions.add_tags[0]");
}

#[test]
fn unknown_enum_values_and_fields_are_refused_when_read() {
    let bad_channel = serde_json::json!({
        "name": "x", "conditions": {"channels": ["fax"]}, "actions": {"add_tags": ["x"]}
    });
    assert!(serde_json::from_value::<RuleSpec>(bad_channel).is_err());
    let unknown = serde_json::json!({
        "name": "x", "conditions": {"channel": ["amazon"]}, "actions": {"add_tags": ["x"]}
    });
    assert!(serde_json::from_value::<RuleSpec>(unknown).is_err());
}
