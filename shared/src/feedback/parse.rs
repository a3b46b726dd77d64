//! The tab-separated `GET_SELLER_FEEDBACK_DATA` report, read tolerantly.
//!
//! **Columns** are found by their header, in any order, whatever the case, accents, spaces or
//! punctuation (`Order ID`, `order-id`, `Bestellnummer`). A header is folded (lowercase, Latin
//! accents stripped, everything but letters and digits dropped) and compared with these names:
//!
//! | column | accepted folded headers (exact, or containing the phrase where marked *) |
//! |---|---|
//! | date | `date`, `datum`, `data`, `fecha`, `日付` |
//! | rating | `rating`, `bewertung`, `valutazione`, `evaluation`, `note`, `calificacion`, `valoracion`, `評価` |
//! | comments | `comments`, `comment`, `kommentar(e)`, `commento`, `commenti`, `commentaire(s)`, `comentario(s)`, `コメント` |
//! | response | `response`, `yourresponse`, `antwort`, `risposta`, `reponse`, `respuesta`, `返答`, `回答` |
//! | order id | *`orderid`, *`ordernumber`, `bestellnummer`, *`bestellung`, *`ordine`, *`commande`, *`pedido`, `注文番号` |
//! | rater e-mail | *`email`, *`mail`, `メールアドレス` |
//!
//! Date, rating and order id are required (a report without them is refused whole); comments,
//! response and rater e-mail may be absent. Extra columns are ignored.
//!
//! **Dates** are read in the marketplace's format ([`DateFormat::for_marketplace`]): US and
//! Canada `MM/DD/YY` or `MM/DD/YYYY`; Germany, Austria, Switzerland, Poland, Turkey and the
//! Nordics `DD.MM.YYYY` (or `DD.MM.YY`); Japan `YYYY/MM/DD`; every other marketplace `DD/MM/YY`
//! or `DD/MM/YYYY`. ISO `YYYY-MM-DD` (with or without a time) is accepted everywhere, and so is
//! a year-first date with slashes, which cannot be mistaken. Two-digit years are 2000–2099.
//!
//! **Ratings** are 1–5 stars. **Rows** that cannot be read are returned with their line number
//! (1 = the header) and the reason; they are never dropped silently. The rater's e-mail is kept
//! for linking the buyer but never printed (`Debug` redacts it).

use std::fmt;

use chrono::NaiveDate;

use crate::compliance::text::Folded;
use crate::domain::{FeedbackRating, OrderId};

/// How a marketplace writes dates in its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `MM/DD/YY`, `MM/DD/YYYY`.
    MonthFirst,
    /// `DD/MM/YY`, `DD/MM/YYYY`.
    DayFirst,
    /// `DD.MM.YYYY`, `DD.MM.YY`.
    DayFirstDots,
    /// `YYYY/MM/DD`.
    YearFirst,
}

impl DateFormat {
    /// The format of an Amazon marketplace id's reports; day-first when unknown.
    pub fn for_marketplace(marketplace_id: &str) -> Self {
        let country = crate::inbound_mail::marketplace_by_id(marketplace_id)
            .map(|m| m.country)
            .unwrap_or("");
        match country {
            "US" | "CA" => DateFormat::MonthFirst,
            "DE" | "AT" | "CH" | "PL" | "TR" | "SE" | "NO" | "DK" | "FI" => {
                DateFormat::DayFirstDots
            }
            "JP" => DateFormat::YearFirst,
            _ => DateFormat::DayFirst,
        }
    }

    /// Reads one date cell.
    pub fn parse(self, cell: &str) -> Result<NaiveDate, String> {
        let text = cell.trim();
        // ISO, possibly with a time (`2026-11-03T10:00:00Z`, `2026-11-03 10:00`).
        if let Some(date) = text
            .get(..10)
            .filter(|d| d.as_bytes().get(4) == Some(&b'-'))
            && let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        {
            return Ok(date);
        }
        let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
        let numbers: Option<Vec<u32>> = parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let bad = || format!("'{text}' is not a date in the marketplace's format ({self:?})");
        let (Some(n), 3) = (numbers, parts.len()) else {
            return Err(bad());
        };
        let year = |y: u32, raw: &str| match raw.len() {
            2 => Some(2000 + y as i32),
            4 => Some(y as i32),
            _ => None,
        };
        let ymd = if parts[0].len() == 4 {
            // Year first is unambiguous, whatever the marketplace.
            Some((n[0] as i32, n[1], n[2]))
        } else {
            match self {
                DateFormat::MonthFirst if text.contains('/') => {
                    year(n[2], parts[2]).map(|y| (y, n[0], n[1]))
                }
                DateFormat::DayFirst if text.contains('/') => {
                    year(n[2], parts[2]).map(|y| (y, n[1], n[0]))
                }
                DateFormat::DayFirstDots if text.contains('.') => {
                    year(n[2], parts[2]).map(|y| (y, n[1], n[0]))
                }
                _ => None,
            }
        };
        ymd.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            .ok_or_else(bad)
    }
}

/// One feedback row of the report.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    /// Line of the report (1 = the header).
    pub line: usize,
    /// The day the buyer left it, as the marketplace's calendar says.
    pub left_on: NaiveDate,
    /// 1–5.
    pub stars: u8,
    pub comment: String,
    /// The seller's public response, if any.
    pub response: Option<String>,
    pub order_id: OrderId,
    /// The buyer's (anonymised) e-mail; never logged.
    pub rater_email: Option<String>,
}

impl fmt::Debug for FeedbackRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedbackRow")
            .field("line", &self.line)
            .field("left_on", &self.left_on)
            .field("stars", &self.stars)
            .field("comment", &self.comment)
            .field("response", &self.response)
            .field("order_id", &self.order_id)
            .field(
                "rater_email",
                &self.rater_email.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl FeedbackRow {
    pub fn rating(&self) -> FeedbackRating {
        rating_of(self.stars)
    }
}

/// 1–2 stars negative, 3 neutral, 4–5 positive.
pub fn rating_of(stars: u8) -> FeedbackRating {
    match stars {
        0..=2 => FeedbackRating::Negative,
        3 => FeedbackRating::Neutral,
        _ => FeedbackRating::Positive,
    }
}

/// A row that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub line: usize,
    pub reason: String,
}

/// What a report held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedReport {
    pub rows: Vec<FeedbackRow>,
    pub rejected: Vec<RejectedRow>,
}

/// The report as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the feedback report has no '{0}' column")]
    MissingColumn(&'static str),
    #[error("the feedback report is not UTF-8 text")]
    NotText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Date,
    Rating,
    Comments,
    Response,
    OrderId,
    RaterEmail,
}

fn column_of(header: &str) -> Option<Column> {
    let folded: String = Folded::fold(header)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let f = folded.as_str();
    let any = |names: &[&str]| names.contains(&f);
    let has = |parts: &[&str]| parts.iter().any(|p| f.contains(p));
    if has(&[
        "orderid",
        "ordernumber",
        "bestellung",
        "ordine",
        "commande",
        "pedido",
    ]) || any(&["bestellnummer", "注文番号"])
    {
        Some(Column::OrderId)
    } else if has(&["email", "mail"]) || any(&["メールアドレス"]) {
        Some(Column::RaterEmail)
    } else if any(&["date", "datum", "data", "fecha", "日付"]) {
        Some(Column::Date)
    } else if any(&[
        "rating",
        "bewertung",
        "valutazione",
        "evaluation",
        "note",
        "calificacion",
        "valoracion",
        "評価",
    ]) {
        Some(Column::Rating)
    } else if any(&[
        "comments",
        "comment",
        "kommentar",
        "kommentare",
        "commento",
        "commenti",
        "commentaire",
        "commentaires",
        "comentario",
        "comentarios",
        "コメント",
    ]) {
        Some(Column::Comments)
    } else if any(&[
        "response",
        "yourresponse",
        "antwort",
        "risposta",
        "reponse",
        "respuesta",
        "返答",
        "回答",
    ]) {
        Some(Column::Response)
    } else {
        None
    }
}

/// A cell without surrounding quotes (`""` inside a quoted cell is one `"`).
fn cell(raw: &str) -> String {
    let t = raw.trim();
    match t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => t.to_owned(),
    }
}

/// Reads a feedback report of the marketplace whose dates are written as `dates` says.
pub fn parse_report(bytes: &[u8], dates: DateFormat) -> Result<ParsedReport, ReportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ReportError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let Some((_, header)) = lines.find(|(_, l)| !l.trim().is_empty()) else {
        return Err(ReportError::MissingColumn("Date"));
    };
    let columns: Vec<Option<Column>> = header.split('\t').map(column_of).collect();
    let index = |c: Column| columns.iter().position(|x| *x == Some(c));
    let date = index(Column::Date).ok_or(ReportError::MissingColumn("Date"))?;
    let rating = index(Column::Rating).ok_or(ReportError::MissingColumn("Rating"))?;
    let order = index(Column::OrderId).ok_or(ReportError::MissingColumn("Order ID"))?;
    let comments = index(Column::Comments);
    let response = index(Column::Response);
    let email = index(Column::RaterEmail);
    let needed = [Some(date), Some(rating), Some(order)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
    let mut report = ParsedReport::default();
    for (line, raw) in lines {
        if raw.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = raw.split('\t').map(cell).collect();
        match read_row(
            line,
            &cells,
            needed,
            dates,
            [date, rating, order],
            [comments, response, email],
        ) {
            Ok(row) => report.rows.push(row),
            Err(reason) => report.rejected.push(RejectedRow { line, reason }),
        }
    }
    Ok(report)
}

fn read_row(
    line: usize,
    cells: &[String],
    needed: usize,
    dates: DateFormat,
    [date, rating, order]: [usize; 3],
    [comments, response, email]: [Option<usize>; 3],
) -> Result<FeedbackRow, String> {
    if cells.len() <= needed {
        return Err(format!(
            "{} cells, the date, rating and order id need at least {}",
            cells.len(),
            needed + 1
        ));
    }
    let optional = |i: Option<usize>| {
        i.and_then(|i| cells.get(i))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let left_on = dates
        .parse(&cells[date])
        .map_err(|e| format!("date: {e}"))?;
    let stars = cells[rating]
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| format!("rating: '{}' is not 1 to 5 stars", cells[rating].trim()))?;
    let order_text = cells[order].trim();
    let order_id = crate::inbound_mail::find_order_id(order_text)
        .filter(|o| o.as_str() == order_text)
        .ok_or_else(|| format!("order id: '{order_text}' is not an Amazon order id"))?;
    Ok(FeedbackRow {
        line,
        left_on,
        stars,
        comment: optional(comments).unwrap_or_default(),
        response: optional(response),
        order_id,
        rater_email: optional(email),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn each_marketplace_reads_its_own_date_format() {
        use DateFormat::*;
        assert_eq!(MonthFirst.parse("11/03/26"), Ok(day(2026, 11, 3)));
        assert_eq!(MonthFirst.parse("11/03/2026"), Ok(day(2026, 11, 3)));
        assert_eq!(DayFirst.parse("11/03/26"), Ok(day(2026, 3, 11)));
        assert_eq!(DayFirst.parse("03/11/2026"), Ok(day(2026, 11, 3)));
        assert_eq!(DayFirstDots.parse("03.11.2026"), Ok(day(2026, 11, 3)));
        assert_eq!(DayFirstDots.parse("03.11.26"), Ok(day(2026, 11, 3)));
        assert_eq!(YearFirst.parse("2026/11/03"), Ok(day(2026, 11, 3)));
        for f in [MonthFirst, DayFirst, DayFirstDots, YearFirst] {
            assert_eq!(f.parse("2026-11-03"), Ok(day(2026, 11, 3)));
            assert_eq!(f.parse("2026-11-03T22:10:00Z"), Ok(day(2026, 11, 3)));
        }
    }

    #[test]
    fn impossible_or_foreign_dates_are_refused() {
        use DateFormat::*;
        assert!(MonthFirst.parse("13/03/26").is_err());
        assert!(DayFirst.parse("31/02/2026").is_err());
        assert!(
            DayFirstDots.parse("03/11/2026").is_err(),
            "slashes on a dots marketplace"
        );
        assert!(YearFirst.parse("03/11/2026").is_err());
        assert!(DayFirst.parse("3 Nov 2026").is_err());
        assert!(DayFirst.parse("").is_err());
    }

    #[test]
    fn marketplaces_choose_their_format() {
        assert_eq!(
            DateFormat::for_marketplace("ATVPDKIKX0DER"),
            DateFormat::MonthFirst
        );
        assert_eq!(
            DateFormat::for_marketplace("A1PA6795UKMFR9"),
            DateFormat::DayFirstDots
        );
        assert_eq!(
            DateFormat::for_marketplace("APJ6JRA9NG5V4"),
            DateFormat::DayFirst
        );
        assert_eq!(
            DateFormat::for_marketplace("A1F83G8C2ARO7P"),
            DateFormat::DayFirst
        );
        assert_eq!(
            DateFormat::for_marketplace("A1VC38T7YXB528"),
            DateFormat::YearFirst
        );
    }

    const US: &str = "Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n\
        11/03/26\t1\tNever arrived, seller ignored me\t\t111-1234567-1234567\tabc@marketplace.amazon.com\n\
        11/04/2026\t3\t\"OK, \"\"fine\"\"\"\tThanks\t111-1234567-7654321\t\n";

    #[test]
    fn a_us_report_is_read_by_its_headers() {
        let report = parse_report(US.as_bytes(), DateFormat::MonthFirst).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(report.rows.len(), 2);
        let first = &report.rows[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.left_on, day(2026, 11, 3));
        assert_eq!(first.stars, 1);
        assert_eq!(first.rating(), FeedbackRating::Negative);
        assert_eq!(first.order_id.as_str(), "111-1234567-1234567");
        assert_eq!(first.response, None);
        assert_eq!(
            first.rater_email.as_deref(),
            Some("abc@marketplace.amazon.com")
        );
        assert!(
            !format!("{first:?}").contains("abc@"),
            "the e-mail is never printed"
        );
        let second = &report.rows[1];
        assert_eq!(second.comment, "OK, \"fine\"");
        assert_eq!(second.response.as_deref(), Some("Thanks"));
        assert_eq!(second.rating(), FeedbackRating::Neutral);
        assert_eq!(second.rater_email, None);
    }

    #[test]
    fn localised_headers_in_another_order_are_found() {
        let de = "\u{feff}Bestellnummer\tBEWERTUNG\tDatum\tKommentare\tIhre Antwort\tE-Mail des Bewerters\r\n\
            302-1234567-1234567\t2\t03.11.2026\tArtikel kaputt\t\tx@marketplace.amazon.de\r\n";
        let report = parse_report(de.as_bytes(), DateFormat::DayFirstDots).unwrap();
        assert_eq!(report.rows.len(), 1, "{:?}", report.rejected);
        assert_eq!(report.rows[0].comment, "Artikel kaputt");
        assert_eq!(report.rows[0].left_on, day(2026, 11, 3));
        let it = "Data\tValutazione\tCommenti\tRisposta\tNumero ordine\n\
            03/11/26\t1\tPacco mai arrivato\t\t171-1234567-1234567\n";
        let report = parse_report(it.as_bytes(), DateFormat::DayFirst).unwrap();
        assert_eq!(report.rows[0].left_on, day(2026, 11, 3));
        assert_eq!(report.rows[0].rater_email, None);
        let jp =
            "日付\t評価\tコメント\t返答\t注文番号\n2026/11/03\t2\t遅い\t\t249-1234567-1234567\n";
        let report = parse_report(jp.as_bytes(), DateFormat::YearFirst).unwrap();
        assert_eq!(report.rows[0].left_on, day(2026, 11, 3));
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_and_reason_and_the_rest_is_kept() {
        let text = "date\trating\tcomments\tresponse\torder-id\n\
            11/03/26\t1\tgood row\t\t111-1234567-1234567\n\
            \n\
            11/33/26\t1\tbad day\t\t111-1234567-1234568\n\
            11/03/26\t6\tsix stars\t\t111-1234567-1234569\n\
            11/03/26\tfive\tword\t\t111-1234567-1234560\n\
            11/03/26\t2\tbad order\t\tnot-an-order\n\
            11/03/26\t2\n";
        let report = parse_report(text.as_bytes(), DateFormat::MonthFirst).unwrap();
        assert_eq!(report.rows.len(), 1);
        let lines: Vec<usize> = report.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7, 8]);
        assert!(report.rejected[0].reason.starts_with("date:"));
        assert!(report.rejected[1].reason.starts_with("rating:"));
        assert!(report.rejected[2].reason.starts_with("rating:"));
        assert!(report.rejected[3].reason.starts_with("order id:"));
        assert!(report.rejected[4].reason.contains("cells"));
    }

    #[test]
    fn a_report_without_a_required_column_is_refused_whole() {
        let text = "date\tcomments\torder id\n11/03/26\tx\t111-1234567-1234567\n";
        assert_eq!(
            parse_report(text.as_bytes(), DateFormat::MonthFirst),
            Err(ReportError::MissingColumn("Rating"))
        );
        assert_eq!(
            parse_report(b"", DateFormat::MonthFirst),
            Err(ReportError::MissingColumn("Date"))
        );
        assert_eq!(
            parse_report(&[0xff, 0xfe, 0x00], DateFormat::MonthFirst),
            Err(ReportError::NotText)
        );
    }

    #[test]
    fn an_empty_report_has_no_rows() {
        let report = parse_report(
            b"Date\tRating\tComments\tResponse\tOrder ID\tRater Email\n",
            DateFormat::DayFirst,
        )
        .unwrap();
        assert_eq!(report, ParsedReport::default());
    }
}
