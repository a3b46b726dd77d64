//! Triage: what a buyer wants (intent) and how much the message puts the account at risk.
//!
//! Keyword rules in the five marketplace languages, matched case-insensitively on whole-ish
//! words. The first intent in [`RULES`] order wins: a damaged item is also a return request, but
//! the damage decides what the agent must do first.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::domain::{Intent, Priority, Risk};

/// Intents in precedence order with their phrases (en, it, de, fr, es).
const RULES: &[(Intent, &[&str])] = &[
    (
        Intent::Claim,
        &[
            "a-to-z",
            "a-z guarantee",
            "garanzia dalla a alla z",
            "a-bis-z",
            "garantie de a à z",
            "garantía de la a a la z",
            // Chargebacks: the buyer's bank takes the money back. Italian "storno" alone is
            // an order cancellation ("lo storno dell'ordine"); only a reversed charge is one.
            "chargeback",
            "charge back",
            "dispute the charge",
            "dispute with my bank",
            "storno dell'addebito",
            "storno sulla carta",
            "storno della carta",
            "riaddebito",
            "contestare l'addebito",
            "contestazione dell'addebito",
            "contestato l'addebito",
            "rückbuchung",
            "zahlung zurückbuchen",
            "lastschrift zurück",
            "rétrofacturation",
            "opposition bancaire",
            "fait opposition",
            "faire opposition",
            "contracargo",
            "contracargos",
            // Marketplace cases and disputes.
            "item not received case",
            "open a case",
            "open a dispute",
            "file a claim",
            "aprire una contestazione",
            "aprirò una contestazione",
            "aprire un reclamo",
            "fall eröffnen",
            "ouvrir un litige",
            "ouvrirai un litige",
            "abrir una disputa",
            "abriré una disputa",
            "abrir un caso",
        ],
    ),
    (
        Intent::DamagedOrDefective,
        &[
            "damaged",
            "broken",
            "defective",
            "doesn't work",
            "does not work",
            "not working",
            "cracked",
            "danneggiat",
            "rotto",
            "rotta",
            "difettos",
            "non funziona",
            "beschädigt",
            "kaputt",
            "defekt",
            "funktioniert nicht",
            "endommagé",
            "cassé",
            "défectueu",
            "ne fonctionne pas",
            "dañado",
            "roto",
            "defectuos",
            "no funciona",
        ],
    ),
    (
        Intent::Cancellation,
        &[
            "cancel",
            "annull",
            "disdire",
            "storno",
            "stornare",
            "stornieren",
            "stornierung",
            "storniert",
            "annuler",
            "annulation",
            "cancelar",
            "cancelación",
            "anular",
            "anulación",
        ],
    ),
    (
        Intent::Refund,
        &[
            "refund",
            "money back",
            "rimborso",
            "rimborsare",
            "soldi indietro",
            "rückerstattung",
            "erstatten",
            "geld zurück",
            "remboursement",
            "rembourser",
            "reembolso",
            "devolución del dinero",
        ],
    ),
    (
        Intent::Return,
        &[
            "return",
            "send it back",
            "reso",
            "restituire",
            "restituzione",
            "rücksendung",
            "zurücksenden",
            "retoure",
            "retour",
            "renvoyer",
            "devolver",
            "devolución",
        ],
    ),
    (
        Intent::WhereIsMyOrder,
        &[
            "where is my order",
            "where is my package",
            "not arrived",
            "hasn't arrived",
            "has not arrived",
            "not received",
            "haven't received",
            "tracking",
            "when will",
            "still waiting",
            "dov'è il mio ordine",
            "non l'ho ricevuto",
            "consegnato ma",
            "quando verrà spedito",
            "when will my order",
            "wann kommt",
            "wann wird",
            "quand ma commande",
            "sera-t-elle expédiée",
            "livré mais",
            "cuándo se enviará",
            "cuándo llegará",
            "entregado pero",
            "dov'è il pacco",
            "dov'è il mio pacco",
            "where is my parcel",
            "non è ancora arrivato",
            "non è arrivato",
            "non ho ricevuto",
            "ancora in attesa",
            "spedizione",
            "quando arriva",
            "wo ist meine bestellung",
            "wo bleibt",
            "wo ist mein paket",
            "noch nicht da",
            "noch nicht angekommen",
            "nicht angekommen",
            "nicht erhalten",
            "sendungsverfolgung",
            "lieferung",
            "où est ma commande",
            "où est mon colis",
            "ou est mon colis",
            "toujours pas reçu",
            "pas reçu",
            "pas arrivé",
            "suivi",
            "livraison",
            "dónde está mi pedido",
            "dónde está mi paquete",
            "donde esta mi pedido",
            "no ha llegado",
            "no he recibido",
            "seguimiento",
            "envío",
        ],
    ),
    (
        Intent::Invoice,
        &[
            "invoice",
            "receipt",
            "vat",
            "fattura",
            "ricevuta",
            "partita iva",
            "rechnung",
            "quittung",
            "facture",
            "reçu",
            "factura",
            "recibo",
        ],
    ),
    (
        Intent::Feedback,
        &[
            "feedback",
            "review",
            "rating",
            "recensione",
            "valutazione",
            "bewertung",
            "évaluation",
            "avis",
            "valoración",
            "opinión",
        ],
    ),
    (
        Intent::ProductQuestion,
        &[
            "compatible",
            "size",
            "dimension",
            "does it",
            "is it",
            "how do i",
            "how to",
            "taglia",
            "misura",
            "dimensioni",
            "è compatibile",
            "come si",
            "größe",
            "passt",
            "kompatibel",
            "wie kann",
            "taille",
            "est-ce que",
            "comment",
            "talla",
            "tamaño",
            "cómo",
        ],
    ),
];

static MATCHERS: LazyLock<Vec<(Intent, AhoCorasick)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|(intent, phrases)| {
            let matcher = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(*phrases)
                .expect("triage phrases are valid literals");
            (*intent, matcher)
        })
        .collect()
});

/// The intent of a buyer's text (subject and body); `Other` when nothing matches.
pub fn intent_of(text: &str) -> Intent {
    // Non-ASCII capitals (É, Ü) are folded here, ASCII ones by the matcher; typographic
    // apostrophes (mobile keyboards) become plain ones.
    let lower = text.to_lowercase().replace('\u{2019}', "'");
    MATCHERS
        .iter()
        .find(|(_, m)| m.is_match(&lower))
        .map_or(Intent::Other, |(intent, _)| *intent)
}

/// The intent a risk implies, whatever the text says.
pub fn intent_of_risk(risk: Risk) -> Intent {
    match risk {
        Risk::AToZClaim | Risk::Chargeback | Risk::EbayItemNotReceived => Intent::Claim,
        Risk::NegativeFeedback => Intent::Feedback,
    }
}

/// Priority from risk and intent: account risk first, then what costs money soonest.
pub fn priority_of(risk: Option<Risk>, intent: Intent) -> Priority {
    if risk.is_some() {
        return Priority::Urgent;
    }
    match intent {
        Intent::Claim => Priority::Urgent,
        Intent::DamagedOrDefective | Intent::Cancellation => Priority::High,
        Intent::WhereIsMyOrder | Intent::Refund | Intent::Return => Priority::Normal,
        Intent::ProductQuestion | Intent::Invoice | Intent::Feedback | Intent::Other => {
            Priority::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_is_my_order_is_recognised_in_five_languages() {
        for text in [
            "Hello, where is my order? It has not arrived yet.",
            "Buongiorno, il pacco non è arrivato, dov'è il mio ordine?",
            "Hallo, meine Lieferung ist nicht angekommen.",
            "Bonjour, je n'ai pas reçu ma commande, où est ma commande ?",
            "Hola, mi pedido no ha llegado todavía.",
        ] {
            assert_eq!(intent_of(text), Intent::WhereIsMyOrder, "{text}");
        }
    }

    #[test]
    fn where_is_my_parcel_is_recognised_as_buyers_write_it_in_five_languages() {
        for text in [
            "Hi, where is my parcel? I ordered it a week ago.",
            "Ciao, dov'è il mio pacco? Non è ancora arrivato.",
            "Wo bleibt mein Paket?",
            "Guten Tag, mein Paket ist noch nicht da.",
            "Bonjour, où est mon colis ? Je ne l'ai toujours pas reçu.",
            "Hola, ¿dónde está mi paquete?",
        ] {
            assert_eq!(intent_of(text), Intent::WhereIsMyOrder, "{text}");
        }
    }

    #[test]
    fn shipping_questions_of_the_sandboxes_buyers_are_where_is_my_order() {
        for text in [
            "Bonjour, quand ma commande sera-t-elle expédiée ?",
            "Hola, ¿cuándo se enviará mi pedido?",
            "Il pacco risulta consegnato ma non l'ho ricevuto.",
            "Buongiorno, quando verrà spedito il mio ordine?",
        ] {
            assert_eq!(intent_of(text), Intent::WhereIsMyOrder, "{text}");
        }
    }

    #[test]
    fn damage_outranks_return_in_the_same_message() {
        assert_eq!(
            intent_of("The mug arrived broken, I want to return it"),
            Intent::DamagedOrDefective
        );
        assert_eq!(intent_of("Vorrei fare il reso della tazza"), Intent::Return);
    }

    #[test]
    fn capitalised_non_ascii_words_match() {
        assert_eq!(
            intent_of("ENDOMMAGÉ à la livraison"),
            Intent::DamagedOrDefective
        );
    }

    #[test]
    fn a_typographic_apostrophe_matches_like_a_plain_one() {
        assert_eq!(intent_of("Dov\u{2019}è il pacco?"), Intent::WhereIsMyOrder);
    }

    /// Cancellation, A-to-z claim, chargeback and return, each in en, it, de, fr and es.
    #[test]
    fn cancellation_claim_chargeback_and_return_are_told_apart_in_five_languages() {
        let cases: &[(&str, Intent)] = &[
            // Cancellation
            (
                "Hi, please cancel my order, I bought the wrong size.",
                Intent::Cancellation,
            ),
            (
                "Buongiorno, vorrei lo storno dell'ordine, grazie.",
                Intent::Cancellation,
            ),
            (
                "Vorrei annullare l'ordine appena fatto.",
                Intent::Cancellation,
            ),
            (
                "Hallo, bitte stornieren Sie meine Bestellung.",
                Intent::Cancellation,
            ),
            (
                "Bonjour, je voudrais annuler ma commande.",
                Intent::Cancellation,
            ),
            (
                "Hola, quiero cancelar mi pedido, por favor.",
                Intent::Cancellation,
            ),
            // A-to-z guarantee claims
            (
                "I will open an A-to-z Guarantee claim today.",
                Intent::Claim,
            ),
            (
                "Aprirò una richiesta con la garanzia dalla A alla Z.",
                Intent::Claim,
            ),
            (
                "Ich stelle einen Antrag auf die A-bis-z-Garantie.",
                Intent::Claim,
            ),
            (
                "Je vais utiliser la garantie de A à Z d'Amazon.",
                Intent::Claim,
            ),
            (
                "Voy a reclamar con la garantía de la A a la Z.",
                Intent::Claim,
            ),
            // Chargebacks
            ("I have asked my bank for a chargeback.", Intent::Claim),
            (
                "Ho chiesto alla banca lo storno dell'addebito sulla carta.",
                Intent::Claim,
            ),
            (
                "Ich habe bei meiner Bank eine Rückbuchung veranlasst.",
                Intent::Claim,
            ),
            ("J'ai fait opposition auprès de ma banque.", Intent::Claim),
            ("He pedido un contracargo a mi banco.", Intent::Claim),
            // Returns
            (
                "I would like to return the lamp, how do I send it back?",
                Intent::Return,
            ),
            ("Vorrei fare il reso della lampada.", Intent::Return),
            ("Ich möchte die Lampe zurücksenden.", Intent::Return),
            ("Je souhaite retourner la lampe.", Intent::Return),
            ("Quiero devolver la lámpara.", Intent::Return),
        ];
        for (text, intent) in cases {
            assert_eq!(intent_of(text), *intent, "{text}");
        }
        // Only a claim is urgent; a cancellation is high (stop the shipment), a return normal.
        assert_eq!(priority_of(None, intent_of(cases[1].0)), Priority::High);
        assert_eq!(priority_of(None, intent_of(cases[12].0)), Priority::Urgent);
    }

    #[test]
    fn an_unrelated_message_is_other() {
        assert_eq!(intent_of("Grazie mille, buona giornata"), Intent::Other);
    }

    #[test]
    fn risk_makes_a_ticket_urgent_whatever_the_intent() {
        assert_eq!(
            priority_of(Some(Risk::NegativeFeedback), Intent::Other),
            Priority::Urgent
        );
        assert_eq!(priority_of(None, Intent::ProductQuestion), Priority::Normal);
        assert_eq!(
            priority_of(None, Intent::DamagedOrDefective),
            Priority::High
        );
    }
}
