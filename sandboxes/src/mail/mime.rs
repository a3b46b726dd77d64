//! Just enough MIME writing for realistic mail: encoded words, quoted-printable and base64
//! bodies in UTF-8, ISO-8859-1 or windows-1252, multiparts and attachments. CRLF throughout.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A valid 1×1 PNG.
pub(super) const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A minimal one-page PDF.
pub(super) const TINY_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// How a text body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyEncoding {
    /// UTF-8, quoted-printable.
    QuotedPrintable,
    /// UTF-8, base64.
    Base64,
    /// UTF-8 as is (`8bit`).
    EightBit,
    /// ISO-8859-1, quoted-printable (UTF-8 when the text has characters Latin-1 lacks).
    Latin1,
    /// windows-1252, quoted-printable (UTF-8 when the text has characters it lacks).
    Windows1252,
}

#[derive(Debug, Clone)]
pub(super) enum Part {
    Leaf {
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Multipart {
        subtype: &'static str,
        boundary: String,
        parts: Vec<Part>,
    },
}

impl Part {
    pub fn text(text: &str, encoding: BodyEncoding) -> Part {
        leaf("text/plain", text, encoding)
    }

    pub fn html(html: &str, encoding: BodyEncoding) -> Part {
        leaf("text/html", html, encoding)
    }

    pub fn alternative(boundary: String, parts: Vec<Part>) -> Part {
        Part::Multipart {
            subtype: "alternative",
            boundary,
            parts,
        }
    }

    pub fn mixed(boundary: String, parts: Vec<Part>) -> Part {
        Part::Multipart {
            subtype: "mixed",
            boundary,
            parts,
        }
    }

    pub fn attachment(content_type: &str, filename: &str, bytes: Vec<u8>) -> Part {
        Part::Leaf {
            headers: vec![
                (
                    "Content-Type".to_owned(),
                    format!("{content_type}; name=\"{filename}\""),
                ),
                (
                    "Content-Disposition".to_owned(),
                    format!("attachment; filename=\"{filename}\""),
                ),
                ("Content-Transfer-Encoding".to_owned(), "base64".to_owned()),
            ],
            body: base64_lines(&bytes).into_bytes(),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Part::Leaf { headers, body } => {
                write_headers(out, headers);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(body);
                if !body.ends_with(b"\r\n") {
                    out.extend_from_slice(b"\r\n");
                }
            }
            Part::Multipart {
                subtype,
                boundary,
                parts,
            } => {
                write_headers(
                    out,
                    &[(
                        "Content-Type".to_owned(),
                        format!("multipart/{subtype}; boundary=\"{boundary}\""),
                    )],
                );
                out.extend_from_slice(b"\r\nThis is a multi-part message in MIME format.\r\n");
                for part in parts {
                    out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
                    part.write(out);
                }
                out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            }
        }
    }
}

fn leaf(content_type: &str, text: &str, encoding: BodyEncoding) -> Part {
    let single_byte = match encoding {
        BodyEncoding::Latin1 => latin1(text).map(|b| ("ISO-8859-1", b)),
        BodyEncoding::Windows1252 => windows1252(text).map(|b| ("windows-1252", b)),
        _ => None,
    };
    let (charset, bytes, transfer) = match (encoding, single_byte) {
        (_, Some((charset, bytes))) => (charset, bytes, "quoted-printable"),
        (BodyEncoding::Base64, _) => ("UTF-8", text.as_bytes().to_vec(), "base64"),
        (BodyEncoding::EightBit, _) => ("UTF-8", text.as_bytes().to_vec(), "8bit"),
        _ => ("UTF-8", text.as_bytes().to_vec(), "quoted-printable"),
    };
    let body = match transfer {
        "base64" => base64_lines(&bytes).into_bytes(),
        "8bit" => bytes,
        _ => quoted_printable(&bytes).into_bytes(),
    };
    Part::Leaf {
        headers: vec![
            (
                "Content-Type".to_owned(),
                format!("{content_type}; charset=\"{charset}\""),
            ),
            ("Content-Transfer-Encoding".to_owned(), transfer.to_owned()),
        ],
        body,
    }
}

fn write_headers(out: &mut Vec<u8>, headers: &[(String, String)]) {
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
}

/// A whole message: `headers`, `MIME-Version`, then the body part with its own headers.
pub(super) fn message(headers: &[(String, String)], body: &Part) -> Vec<u8> {
    let mut out = Vec::new();
    write_headers(&mut out, headers);
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    body.write(&mut out);
    out
}

fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

fn windows1252(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| match c {
            '€' => Some(0x80),
            '‚' => Some(0x82),
            '„' => Some(0x84),
            '…' => Some(0x85),
            '‘' => Some(0x91),
            '’' => Some(0x92),
            '“' => Some(0x93),
            '”' => Some(0x94),
            '–' => Some(0x96),
            '—' => Some(0x97),
            // 0x80–0x9F are other characters in windows-1252.
            c if (0x80..0xA0).contains(&u32::from(c)) => None,
            c => u8::try_from(u32::from(c)).ok(),
        })
        .collect()
}

/// RFC 2045 quoted-printable with CRLF line ends and soft breaks before 76 characters.
pub(super) fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let text = bytes.split(|&b| b == b'\n');
    let lines: Vec<&[u8]> = text.collect();
    for (i, raw_line) in lines.iter().enumerate() {
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        let mut width = 0;
        for (j, &b) in line.iter().enumerate() {
            let last = j + 1 == line.len();
            let token = match b {
                b'=' => "=3D".to_owned(),
                b' ' | b'\t' if last => format!("={b:02X}"),
                33..=126 | b' ' | b'\t' => char::from(b).to_string(),
                _ => format!("={b:02X}"),
            };
            if width + token.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            width += token.len();
            out.push_str(&token);
        }
        if i + 1 < lines.len() {
            out.push_str("\r\n");
        }
    }
    out
}

fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

/// The text itself when it is plain ASCII, else RFC 2047 `=?UTF-8?B?…?=` words (whole
/// characters each, folded onto continuation lines).
pub(super) fn encode_word(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        return text.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

/// `"Display Name" <address>`, the name encoded when it is not ASCII.
pub(super) fn mailbox(name: &str, address: &str) -> String {
    if name.is_ascii() {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{address}>")
    } else {
        format!("{} <{address}>", encode_word(name))
    }
}

/// Plain text to simple HTML: blank-line-separated paragraphs, line breaks kept.
pub(super) fn paragraphs_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let normalised = text.replace("\r\n", "\n");
    let paragraphs: Vec<String> = normalised
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(escape).collect();
            format!("<p>{}</p>", lines.join("<br>\r\n"))
        })
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"></head><body>\r\n{}\r\n</body></html>\r\n",
        paragraphs.join("\r\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_escapes_and_soft_breaks_long_lines() {
        let qp = quoted_printable("città = 1 \r\n".repeat(10).as_bytes());
        assert!(qp.contains("citt=C3=A0 =3D 1=20"));
        assert!(qp.lines().all(|l| l.len() <= 76), "{qp}");
    }

    #[test]
    fn single_byte_charsets_refuse_characters_they_lack() {
        assert_eq!(latin1("è").unwrap(), vec![0xE8]);
        assert!(latin1("€").is_none());
        assert_eq!(windows1252("€’").unwrap(), vec![0x80, 0x92]);
        assert!(windows1252("Ł").is_none());
    }

    #[test]
    fn non_ascii_headers_become_encoded_words() {
        assert_eq!(encode_word("Order 1"), "Order 1");
        let word = encode_word("Lucía G. - Amazon Marketplace");
        assert!(word.starts_with("=?UTF-8?B?"), "{word}");
    }
}
