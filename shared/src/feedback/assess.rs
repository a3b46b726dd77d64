//! The removal assessment of one negative or neutral feedback: which of Amazon's removal
//! criteria it *appears* to meet, with the evidence, the deadlines, and the compliant next step.
//!
//! Amazon removes seller feedback when it contains obscene language, contains the seller's
//! personal information, or is entirely a product review; feedback that blames an FBA order's
//! delivery or fulfilment is struck through ("this item was fulfilled by Amazon, and we take
//! responsibility for this fulfillment experience"). Only Amazon decides; this module says what
//! a reviewer would point at, from the words of the comment (en, de, fr, it, es lexicons, all
//! scanned: buyers on one marketplace write in several languages), the order's fulfilment and
//! the seller's own details. What it cannot judge: sarcasm, spelling it does not know, meaning
//! without the listed words, other languages (see decision 0023).
//!
//! Deadlines: the buyer may change or remove the feedback for 60 days after leaving it
//! ([`Assessment::buyer_window_ends`]); Amazon considers removal requests for feedback up to 90
//! days old ([`Assessment::request_removal_by`]) — the request should go out at once, the
//! sooner the better, so the suggested next step is always "now".

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::compliance::text::Folded;
use crate::compliance::{self, CheckRequest, Rule};
use crate::domain::{Channel, FeedbackRating};

/// Days after leaving it during which a buyer may change or remove feedback.
pub const BUYER_WINDOW_DAYS: i64 = 60;
/// Days after leaving it during which Amazon considers a removal request.
pub const REMOVAL_REQUEST_DAYS: i64 = 90;

/// One of Amazon's removal criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    ObsceneLanguage,
    SellerPersonalInfo,
    ProductReview,
    /// Struck through rather than removed.
    FbaFulfilment,
}

impl Criterion {
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::ObsceneLanguage => "obscene_language",
            Criterion::SellerPersonalInfo => "seller_personal_info",
            Criterion::ProductReview => "product_review",
            Criterion::FbaFulfilment => "fba_fulfilment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Criterion::ObsceneLanguage,
            Criterion::SellerPersonalInfo,
            Criterion::ProductReview,
            Criterion::FbaFulfilment,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// How the removal request states it.
    fn request_line(self) -> &'static str {
        match self {
            Criterion::ObsceneLanguage => "The comment contains obscene language.",
            Criterion::SellerPersonalInfo => "The comment contains personal information.",
            Criterion::ProductReview => {
                "The comment is a product review, not feedback on the seller's service."
            }
            Criterion::FbaFulfilment => {
                "The order was fulfilled by Amazon and the comment is about its delivery or fulfilment."
            }
        }
    }
}

/// A criterion the feedback appears to meet, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub criterion: Criterion,
    /// The words of the comment that show it, as written.
    pub words: Vec<String>,
    /// One sentence for the agent.
    pub note: String,
}

/// The seller's own details, from the account: their appearance in a comment is personal
/// information Amazon removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SellerDetails {
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub addresses: Vec<String>,
}

/// What the assessment reads.
#[derive(Debug, Clone, Copy)]
pub struct FeedbackFacts<'a> {
    pub comment: &'a str,
    pub stars: u8,
    pub left_at: DateTime<Utc>,
    pub order_id: &'a str,
    /// `Some(true)` for an FBA order, `None` if the order is not known.
    pub fulfilled_by_amazon: Option<bool>,
    /// The Amazon marketplace id: language of the buyer message, Seller Central's domain.
    pub marketplace_id: &'a str,
    pub seller: &'a SellerDetails,
}

/// The removal assessment and the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    /// The criteria it appears to meet, each with its evidence; empty = none.
    pub criteria: Vec<Evidence>,
    /// The buyer may change or remove it until then (left + 60 days).
    pub buyer_window_ends: DateTime<Utc>,
    /// Amazon considers a removal request until then (left + 90 days); send it now.
    pub request_removal_by: DateTime<Utc>,
    /// The text to paste into Seller Central's removal request (it has no API); `None` when no
    /// criterion is met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal_request: Option<String>,
    /// Seller Central's Feedback Manager, where the request is made.
    pub seller_central_url: String,
    /// One message to the buyer about the problem, in the marketplace's language; it never asks
    /// to change or remove the feedback and passes the compliance checker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_message: Option<String>,
    /// The language of the buyer message (ISO 639-1).
    pub language: String,
}

impl Assessment {
    pub fn meets(&self, criterion: Criterion) -> bool {
        self.criteria.iter().any(|e| e.criterion == criterion)
    }
}

/// Lexicon entries: (language, phrase). Phrases are folded before matching (lowercase, accents
/// stripped) and match whole words.
type Lexicon = &'static [(&'static str, &'static str)];

const OBSCENE: Lexicon = &[
    ("en", "fuck"),
    ("en", "fucking"),
    ("en", "fucked"),
    ("en", "shit"),
    ("en", "shitty"),
    ("en", "asshole"),
    ("en", "bastard"),
    ("en", "bastards"),
    ("en", "bitch"),
    ("en", "wanker"),
    ("en", "dickhead"),
    ("de", "scheisse"),
    ("de", "scheiße"),
    ("de", "scheiss"),
    ("de", "arschloch"),
    ("de", "arschlocher"),
    ("de", "wichser"),
    ("de", "verfickt"),
    ("fr", "merde"),
    ("fr", "putain"),
    ("fr", "connard"),
    ("fr", "connards"),
    ("fr", "encule"),
    ("fr", "salaud"),
    ("it", "cazzo"),
    ("it", "merda"),
    ("it", "stronzo"),
    ("it", "stronzi"),
    ("it", "vaffanculo"),
    ("it", "fottuto"),
    ("it", "coglione"),
    ("es", "mierda"),
    ("es", "joder"),
    ("es", "gilipollas"),
    ("es", "cabron"),
    ("es", "cabrones"),
    ("es", "puta"),
    ("es", "hijo de puta"),
];

/// The product itself: quality, function, size, looks.
const PRODUCT: Lexicon = &[
    ("en", "product"),
    ("en", "item"),
    ("en", "quality"),
    ("en", "broke"),
    ("en", "broken"),
    ("en", "stopped working"),
    ("en", "doesn't work"),
    ("en", "does not work"),
    ("en", "defective"),
    ("en", "faulty"),
    ("en", "too small"),
    ("en", "too big"),
    ("en", "size"),
    ("en", "battery"),
    ("en", "cheap"),
    ("en", "flimsy"),
    ("en", "colour"),
    ("en", "color"),
    ("en", "smells"),
    ("en", "tastes"),
    ("de", "produkt"),
    ("de", "artikel"),
    ("de", "qualitat"),
    ("de", "kaputt"),
    ("de", "defekt"),
    ("de", "funktioniert nicht"),
    ("de", "zu klein"),
    ("de", "zu gross"),
    ("de", "grosse"),
    ("de", "passt nicht"),
    ("de", "akku"),
    ("de", "billig"),
    ("de", "farbe"),
    ("fr", "produit"),
    ("fr", "article"),
    ("fr", "qualite"),
    ("fr", "casse"),
    ("fr", "cassé"),
    ("fr", "defectueux"),
    ("fr", "ne fonctionne pas"),
    ("fr", "ne marche pas"),
    ("fr", "trop petit"),
    ("fr", "trop grand"),
    ("fr", "taille"),
    ("fr", "batterie"),
    ("fr", "couleur"),
    ("it", "prodotto"),
    ("it", "articolo"),
    ("it", "qualita"),
    ("it", "rotto"),
    ("it", "rotta"),
    ("it", "difettoso"),
    ("it", "non funziona"),
    ("it", "smesso di funzionare"),
    ("it", "troppo piccolo"),
    ("it", "troppo grande"),
    ("it", "taglia"),
    ("it", "batteria"),
    ("it", "colore"),
    ("es", "producto"),
    ("es", "articulo"),
    ("es", "calidad"),
    ("es", "roto"),
    ("es", "rota"),
    ("es", "defectuoso"),
    ("es", "no funciona"),
    ("es", "dejo de funcionar"),
    ("es", "demasiado pequeno"),
    ("es", "talla"),
    ("es", "bateria"),
    ("es", "color"),
];

/// Delivery and fulfilment: Amazon's on an FBA order, the seller's otherwise.
const DELIVERY: Lexicon = &[
    ("en", "delivery"),
    ("en", "delivered"),
    ("en", "arrived"),
    ("en", "never arrived"),
    ("en", "late"),
    ("en", "shipping"),
    ("en", "shipped"),
    ("en", "package"),
    ("en", "parcel"),
    ("en", "courier"),
    ("en", "box"),
    ("en", "packaging"),
    ("en", "tracking"),
    ("de", "lieferung"),
    ("de", "geliefert"),
    ("de", "angekommen"),
    ("de", "verspatet"),
    ("de", "zu spat"),
    ("de", "paket"),
    ("de", "versand"),
    ("de", "zusteller"),
    ("de", "verpackung"),
    ("fr", "livraison"),
    ("fr", "livre"),
    ("fr", "arrive"),
    ("fr", "retard"),
    ("fr", "en retard"),
    ("fr", "colis"),
    ("fr", "expedition"),
    ("fr", "transporteur"),
    ("fr", "emballage"),
    ("it", "consegna"),
    ("it", "consegnato"),
    ("it", "arrivato"),
    ("it", "arrivata"),
    ("it", "mai arrivato"),
    ("it", "in ritardo"),
    ("it", "pacco"),
    ("it", "spedizione"),
    ("it", "corriere"),
    ("it", "imballaggio"),
    ("es", "entrega"),
    ("es", "entregado"),
    ("es", "llego"),
    ("es", "retraso"),
    ("es", "tarde"),
    ("es", "paquete"),
    ("es", "envio"),
    ("es", "mensajero"),
    ("es", "embalaje"),
];

/// The seller's own service: what makes feedback about the seller, not the product.
const SELLER_SERVICE: Lexicon = &[
    ("en", "seller"),
    ("en", "vendor"),
    ("en", "customer service"),
    ("en", "no reply"),
    ("en", "never replied"),
    ("en", "no response"),
    ("en", "ignored"),
    ("en", "rude"),
    ("en", "refund"),
    ("en", "wrong item"),
    ("en", "not as described"),
    ("en", "used item"),
    ("de", "verkaufer"),
    ("de", "handler"),
    ("de", "kundenservice"),
    ("de", "keine antwort"),
    ("de", "unfreundlich"),
    ("de", "erstattung"),
    ("de", "ruckerstattung"),
    ("de", "falscher artikel"),
    ("fr", "vendeur"),
    ("fr", "service client"),
    ("fr", "aucune reponse"),
    ("fr", "pas de reponse"),
    ("fr", "remboursement"),
    ("fr", "mauvais article"),
    ("it", "venditore"),
    ("it", "servizio clienti"),
    ("it", "nessuna risposta"),
    ("it", "non risponde"),
    ("it", "maleducato"),
    ("it", "rimborso"),
    ("it", "articolo sbagliato"),
    ("es", "vendedor"),
    ("es", "atencion al cliente"),
    ("es", "sin respuesta"),
    ("es", "no responde"),
    ("es", "reembolso"),
    ("es", "articulo equivocado"),
];

/// The phrases of `lexicon` found in `folded` as whole words, each once, as the comment wrote
/// them (from `original` by folded offsets when lengths agree, else folded).
fn find(lexicon: Lexicon, folded: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (_, phrase) in lexicon {
        let p = Folded::fold(phrase);
        if p.is_empty() || found.contains(&p) {
            continue;
        }
        if contains_word(folded, &p) {
            found.push(p);
        }
    }
    // A longer phrase covers its parts ("never arrived" covers "arrived").
    let all = found.clone();
    found.retain(|w| !all.iter().any(|o| o != w && contains_word(o, w)));
    found
}

fn contains_word(text: &str, phrase: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !is_word(before) && !is_word(after)
    })
}

/// Whether `needle` (a seller detail) appears in the comment, ignoring case, accents and, for
/// phone numbers, separators.
fn mentions(folded: &str, needle: &str, digits_only: bool) -> bool {
    if digits_only {
        let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
        let text: String = folded.chars().filter(char::is_ascii_digit).collect();
        digits.len() >= 6 && text.contains(&digits)
    } else {
        let n = Folded::fold(needle);
        n.chars().count() >= 3 && contains_word(folded, &n)
    }
}

/// Assesses one feedback. Positive feedback gets no criteria and no buyer message.
pub fn assess(facts: &FeedbackFacts<'_>) -> Assessment {
    let folded = Folded::fold(facts.comment);
    let market = crate::inbound_mail::marketplace_by_id(facts.marketplace_id);
    let language = market
        .map(|m| m.language.split('-').next().unwrap_or("en"))
        .filter(|l| ["en", "de", "fr", "it", "es"].contains(l))
        .or_else(|| compliance::confident_language(facts.comment))
        .unwrap_or("en")
        .to_owned();
    let tld = market.map_or("com", |m| m.tld);
    let mut criteria = Vec::new();
    let rating = super::parse::rating_of(facts.stars);
    if rating != FeedbackRating::Positive {
        let obscene = find(OBSCENE, &folded);
        if !obscene.is_empty() {
            criteria.push(Evidence {
                criterion: Criterion::ObsceneLanguage,
                words: obscene,
                note: "The comment uses obscene words.".into(),
            });
        }
        let personal = personal_info(facts, &folded);
        if !personal.is_empty() {
            criteria.push(Evidence {
                criterion: Criterion::SellerPersonalInfo,
                words: personal,
                note: "The comment contains the seller's details or an e-mail address or phone number.".into(),
            });
        }
        let product = find(PRODUCT, &folded);
        let delivery = find(DELIVERY, &folded);
        let mut service = find(SELLER_SERVICE, &folded);
        let fba = facts.fulfilled_by_amazon == Some(true);
        // On an order the seller shipped, delivery is the seller's service.
        if !fba {
            service.extend(delivery.iter().cloned());
        }
        if !product.is_empty() && service.is_empty() {
            criteria.push(Evidence {
                criterion: Criterion::ProductReview,
                words: product.clone(),
                note: "The comment is about the product, not the seller: it names the product and no seller-service words.".into(),
            });
        }
        if fba && !delivery.is_empty() {
            criteria.push(Evidence {
                criterion: Criterion::FbaFulfilment,
                words: delivery.clone(),
                note: "The order was fulfilled by Amazon and the comment is about its delivery: Amazon strikes such feedback through.".into(),
            });
        }
    }
    let removal_request = (!criteria.is_empty()).then(|| removal_request(facts, &criteria));
    let buyer_message = (rating != FeedbackRating::Positive).then(|| {
        let topic = if !find(PRODUCT, &folded).is_empty() {
            Topic::Product
        } else if !find(DELIVERY, &folded).is_empty() {
            Topic::Delivery
        } else {
            Topic::Other
        };
        buyer_message(&language, topic, facts.order_id)
    });
    Assessment {
        criteria,
        buyer_window_ends: facts.left_at + Duration::days(BUYER_WINDOW_DAYS),
        request_removal_by: facts.left_at + Duration::days(REMOVAL_REQUEST_DAYS),
        removal_request,
        seller_central_url: format!(
            "https://sellercentral.amazon.{tld}/feedback-manager/index.html"
        ),
        buyer_message,
        language,
    }
}

fn personal_info(facts: &FeedbackFacts<'_>, folded: &str) -> Vec<String> {
    let seller = facts.seller;
    let mut words: Vec<String> = Vec::new();
    let mut push = |w: &str| {
        if !words.iter().any(|x| x == w) {
            words.push(w.to_owned());
        }
    };
    for name in seller.names.iter().chain(&seller.addresses) {
        if mentions(folded, name, false) {
            push(name);
        }
    }
    for email in &seller.emails {
        if mentions(folded, email, false) {
            push(email);
        }
    }
    for phone in &seller.phones {
        if mentions(folded, phone, true) {
            push(phone);
        }
    }
    // Any e-mail address or phone number, as the outgoing checker finds them.
    let verdict = compliance::check(&CheckRequest {
        channel: Channel::Amazon,
        marketplace: Some(facts.marketplace_id.to_owned()),
        language: None,
        body: facts.comment.to_owned(),
    });
    for finding in verdict.findings {
        if finding.rule == Rule::AmazonContactDetails {
            let span: String = facts
                .comment
                .chars()
                .skip(finding.start)
                .take(finding.end - finding.start)
                .collect();
            push(&span);
        }
    }
    words
}

/// The marketplace's calendar day of `at` (a feedback's day starts at the marketplace's
/// midnight, which is the day before in UTC east of Greenwich).
pub fn local_date(marketplace_id: &str, at: DateTime<Utc>) -> chrono::NaiveDate {
    match crate::inbound_mail::marketplace_by_id(marketplace_id) {
        Some(m) => at.with_timezone(&m.time_zone).date_naive(),
        None => at.date_naive(),
    }
}

fn removal_request(facts: &FeedbackFacts<'_>, criteria: &[Evidence]) -> String {
    let mut text = format!(
        "Please review the seller feedback left on {} for order {} ({} star{}) for removal.\n",
        local_date(facts.marketplace_id, facts.left_at),
        facts.order_id,
        facts.stars,
        if facts.stars == 1 { "" } else { "s" }
    );
    text.push_str("It meets Amazon's feedback removal guidelines:\n");
    for e in criteria {
        text.push_str(&format!(
            "- {} (\"{}\")\n",
            e.criterion.request_line(),
            e.words.join("\", \"")
        ));
    }
    text.push_str(&format!("Comment: \"{}\"\n", facts.comment.trim()));
    text
}

#[derive(Clone, Copy)]
enum Topic {
    Product,
    Delivery,
    Other,
}

/// The message about the problem: an offer to help with it, never a word about the feedback.
fn buyer_message(language: &str, topic: Topic, order: &str) -> String {
    let (greeting, product, delivery, other, close) = match language {
        "de" => (
            "Guten Tag,",
            "es tut uns leid, dass es mit dem Artikel Ihrer Bestellung {order} ein Problem gibt. Wenn er defekt ist oder nicht passt, antworten Sie bitte auf diese Nachricht, und wir senden Ihnen Ersatz oder erstatten den Betrag.",
            "es tut uns leid, dass es mit der Lieferung Ihrer Bestellung {order} ein Problem gab. Wenn das Paket nicht oder beschädigt angekommen ist, antworten Sie bitte auf diese Nachricht, und wir kümmern uns darum.",
            "es tut uns leid, dass Sie mit Ihrer Bestellung {order} nicht zufrieden sind. Antworten Sie bitte auf diese Nachricht und schildern Sie das Problem, wir helfen Ihnen gern.",
            "Mit freundlichen Grüßen",
        ),
        "fr" => (
            "Bonjour,",
            "nous sommes désolés que l'article de votre commande {order} pose un problème. S'il est défectueux ou ne convient pas, répondez simplement à ce message et nous vous enverrons un remplacement ou vous rembourserons.",
            "nous sommes désolés que la livraison de votre commande {order} se soit mal passée. Si le colis n'est pas arrivé ou est arrivé endommagé, répondez simplement à ce message et nous nous en occupons.",
            "nous sommes désolés que votre commande {order} ne vous ait pas donné satisfaction. Répondez simplement à ce message pour nous décrire le problème, nous vous aiderons volontiers.",
            "Cordialement",
        ),
        "it" => (
            "Buongiorno,",
            "ci dispiace che l'articolo del suo ordine {order} abbia un problema. Se è difettoso o non va bene, risponda a questo messaggio e le invieremo una sostituzione o la rimborseremo.",
            "ci dispiace che la consegna del suo ordine {order} non sia andata bene. Se il pacco non è arrivato o è arrivato danneggiato, risponda a questo messaggio e ce ne occuperemo noi.",
            "ci dispiace che il suo ordine {order} non l'abbia soddisfatta. Risponda a questo messaggio descrivendo il problema e saremo lieti di aiutarla.",
            "Cordiali saluti",
        ),
        "es" => (
            "Hola,",
            "sentimos que el artículo de su pedido {order} tenga un problema. Si está defectuoso o no le sirve, responda a este mensaje y le enviaremos un repuesto o le devolveremos el importe.",
            "sentimos que la entrega de su pedido {order} no haya ido bien. Si el paquete no ha llegado o llegó dañado, responda a este mensaje y nos encargaremos.",
            "sentimos que su pedido {order} no le haya satisfecho. Responda a este mensaje describiendo el problema y le ayudaremos con gusto.",
            "Saludos cordiales",
        ),
        _ => (
            "Hello,",
            "we are sorry that the item of your order {order} has a problem. If it is faulty or does not suit you, please reply to this message and we will send a replacement or refund you.",
            "we are sorry that the delivery of your order {order} went wrong. If the parcel has not arrived or arrived damaged, please reply to this message and we will sort it out.",
            "we are sorry that your order {order} did not meet your expectations. Please reply to this message and describe the problem, and we will gladly help.",
            "Kind regards",
        ),
    };
    let body = match topic {
        Topic::Product => product,
        Topic::Delivery => delivery,
        Topic::Other => other,
    };
    format!(
        "{greeting}\n\n{}\n\n{close}",
        body.replace("{order}", order)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const FBA_COMMENT: &str =
        "The blender stopped working after a week, cheap quality. The parcel also arrived late.";

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn facts<'a>(
        comment: &'a str,
        market: &'a str,
        fba: Option<bool>,
        seller: &'a SellerDetails,
    ) -> FeedbackFacts<'a> {
        FeedbackFacts {
            comment,
            stars: 1,
            left_at: at("2026-11-03T00:00:00Z"),
            order_id: "171-1234567-1234567",
            fulfilled_by_amazon: fba,
            marketplace_id: market,
            seller,
        }
    }

    fn criteria(a: &Assessment) -> Vec<Criterion> {
        a.criteria.iter().map(|e| e.criterion).collect()
    }

    fn words(a: &Assessment, c: Criterion) -> Vec<String> {
        a.criteria
            .iter()
            .find(|e| e.criterion == c)
            .map(|e| e.words.clone())
            .unwrap_or_default()
    }

    #[test]
    fn a_product_review_on_an_fba_order_meets_both_criteria_with_their_words() {
        let seller = SellerDetails::default();
        let a = assess(&facts(FBA_COMMENT, "ATVPDKIKX0DER", Some(true), &seller));
        assert_eq!(
            criteria(&a),
            vec![Criterion::ProductReview, Criterion::FbaFulfilment]
        );
        assert_eq!(
            words(&a, Criterion::ProductReview),
            vec!["quality", "stopped working", "cheap"]
        );
        assert_eq!(
            words(&a, Criterion::FbaFulfilment),
            vec!["arrived", "late", "parcel"]
        );
        let request = a.removal_request.as_deref().unwrap();
        assert!(request.contains("171-1234567-1234567"));
        assert!(request.contains("product review"));
        assert!(request.contains("fulfilled by Amazon"));
        assert_eq!(
            a.seller_central_url,
            "https://sellercentral.amazon.com/feedback-manager/index.html"
        );
        assert_eq!(a.buyer_window_ends, at("2027-01-02T00:00:00Z"));
        assert_eq!(a.request_removal_by, at("2027-02-01T00:00:00Z"));
    }

    #[test]
    fn the_removal_request_names_the_day_in_the_marketplaces_calendar() {
        let seller = SellerDetails::default();
        let mut f = facts(FBA_COMMENT, "APJ6JRA9NG5V4", Some(true), &seller);
        // 1 December in Italy starts at 23:00 UTC on 30 November.
        f.left_at = at("2026-11-30T23:00:00Z");
        let a = assess(&f);
        let request = a.removal_request.as_deref().unwrap();
        assert!(request.contains("left on 2026-12-01"), "{request}");
        assert_eq!(
            local_date("APJ6JRA9NG5V4", a.buyer_window_ends).to_string(),
            "2027-01-30"
        );
    }

    #[test]
    fn the_same_delivery_complaint_on_an_order_the_seller_shipped_meets_nothing() {
        let seller = SellerDetails::default();
        let a = assess(&facts(FBA_COMMENT, "ATVPDKIKX0DER", Some(false), &seller));
        assert!(a.criteria.is_empty(), "{:?}", a.criteria);
        assert_eq!(a.removal_request, None);
        assert!(
            a.buyer_message.is_some(),
            "the buyer still gets an offer of help"
        );
        // Unknown fulfilment is not FBA either.
        let a = assess(&facts(
            "Pacco arrivato in ritardo",
            "APJ6JRA9NG5V4",
            None,
            &seller,
        ));
        assert!(a.criteria.is_empty());
    }

    #[test]
    fn assessments_in_german_french_italian_and_spanish() {
        let seller = SellerDetails::default();
        let de = assess(&facts(
            "Der Akku ist nach zwei Tagen kaputt. Schlechte Qualität.",
            "A1PA6795UKMFR9",
            Some(false),
            &seller,
        ));
        assert_eq!(criteria(&de), vec![Criterion::ProductReview]);
        assert_eq!(
            words(&de, Criterion::ProductReview),
            vec!["qualitat", "kaputt", "akku"]
        );
        assert_eq!(
            de.seller_central_url,
            "https://sellercentral.amazon.de/feedback-manager/index.html"
        );
        assert_eq!(de.language, "de");

        let fr = assess(&facts(
            "Colis livré en retard, quelle merde",
            "A13V1IB3VIYZZH",
            Some(true),
            &seller,
        ));
        assert_eq!(
            criteria(&fr),
            vec![Criterion::ObsceneLanguage, Criterion::FbaFulfilment]
        );
        assert_eq!(words(&fr, Criterion::ObsceneLanguage), vec!["merde"]);

        let it = assess(&facts(
            "Prodotto rotto, non funziona",
            "APJ6JRA9NG5V4",
            Some(true),
            &seller,
        ));
        assert_eq!(criteria(&it), vec![Criterion::ProductReview]);

        let es = assess(&facts(
            "El vendedor no responde y el producto es de mala calidad",
            "A1RKKUPIHCS9HS",
            Some(true),
            &seller,
        ));
        assert!(
            es.criteria.is_empty(),
            "seller service words make it seller feedback: {:?}",
            es.criteria
        );
    }

    #[test]
    fn negatives_about_the_seller_meet_no_criterion() {
        let seller = SellerDetails::default();
        for (comment, market) in [
            ("Seller never replied to my messages.", "A1F83G8C2ARO7P"),
            (
                "Wrong item sent, still waiting for a refund",
                "ATVPDKIKX0DER",
            ),
            ("Verkäufer unfreundlich, keine Antwort", "A1PA6795UKMFR9"),
            ("Venditore maleducato", "APJ6JRA9NG5V4"),
            ("Très déçu du vendeur", "A13V1IB3VIYZZH"),
        ] {
            let a = assess(&facts(comment, market, Some(true), &seller));
            assert!(a.criteria.is_empty(), "{comment}: {:?}", a.criteria);
            assert!(a.removal_request.is_none());
        }
    }

    #[test]
    fn the_sellers_own_details_and_any_contact_pattern_are_personal_information() {
        let seller = SellerDetails {
            names: vec!["Mario Rossi".into()],
            emails: vec!["shop@rossi.example".into()],
            phones: vec!["+39 333 123 4567".into()],
            addresses: vec![],
        };
        let a = assess(&facts(
            "Mario Rossi non risponde mai",
            "APJ6JRA9NG5V4",
            Some(false),
            &seller,
        ));
        assert_eq!(
            words(&a, Criterion::SellerPersonalInfo),
            vec!["Mario Rossi"]
        );
        let a = assess(&facts(
            "chiamato il 333 1234567 per niente",
            "APJ6JRA9NG5V4",
            Some(false),
            &seller,
        ));
        assert!(a.meets(Criterion::SellerPersonalInfo), "{:?}", a.criteria);
        let a = assess(&facts(
            "wrote to someone@example.com, nothing",
            "ATVPDKIKX0DER",
            Some(false),
            &seller,
        ));
        assert_eq!(
            words(&a, Criterion::SellerPersonalInfo),
            vec!["someone@example.com"]
        );
        // An order id is not a phone number.
        let a = assess(&facts(
            "order 171-1234567-1234567 was slow",
            "ATVPDKIKX0DER",
            Some(false),
            &seller,
        ));
        assert!(!a.meets(Criterion::SellerPersonalInfo));
    }

    #[test]
    fn positive_feedback_gets_neither_criteria_nor_a_message() {
        let seller = SellerDetails::default();
        let mut f = facts(FBA_COMMENT, "ATVPDKIKX0DER", Some(true), &seller);
        f.stars = 5;
        let a = assess(&f);
        assert!(a.criteria.is_empty());
        assert_eq!(a.buyer_message, None);
    }

    #[test]
    fn every_suggested_buyer_message_passes_the_compliance_checker_and_never_mentions_the_feedback()
    {
        let seller = SellerDetails::default();
        for market in [
            "ATVPDKIKX0DER",
            "A1F83G8C2ARO7P",
            "A1PA6795UKMFR9",
            "A13V1IB3VIYZZH",
            "APJ6JRA9NG5V4",
            "A1RKKUPIHCS9HS",
        ] {
            for comment in [FBA_COMMENT, "Pacco arrivato tardi", "Bad experience"] {
                let a = assess(&facts(comment, market, Some(true), &seller));
                let message = a.buyer_message.expect("one message");
                let verdict = compliance::check(&CheckRequest {
                    channel: Channel::Amazon,
                    marketplace: Some(market.into()),
                    language: None,
                    body: message.clone(),
                });
                assert_eq!(
                    verdict.verdict,
                    compliance::Outcome::Pass,
                    "{market}: {message}\n{:?}",
                    verdict.findings
                );
                let folded = Folded::fold(&message);
                for word in [
                    "feedback",
                    "bewertung",
                    "avis",
                    "valutazione",
                    "valoracion",
                    "review",
                    "sterne",
                    "stelle",
                    "etoiles",
                    "estrellas",
                    "remove",
                    "change",
                    "entfernen",
                    "rimuovere",
                    "supprimer",
                    "eliminar",
                ] {
                    assert!(
                        !contains_word(&folded, word),
                        "{market}: '{word}' in {message}"
                    );
                }
            }
        }
    }
}
