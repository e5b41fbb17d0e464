//! Tag files judged as strictly as RFC 8493 and bagit.py judge them: each
//! problem is named with its line, and nothing is silently repaired. The
//! parsers in `archive::bag` read leniently (so one bad line does not hide
//! the rest of the bag from the other checks); this module says what is wrong.
//!
//! - `bagit.txt` (§2.1.1): exactly two lines, `BagIt-Version: M.N` then
//!   `Tag-File-Character-Encoding: ENCODING`, with no byte-order mark.
//! - Every text tag file: UTF-8 (the encoding anjuan and bagit.py declare), no
//!   byte-order mark, one kind of line ending (LF, CRLF or CR, §2), no control
//!   or bidirectional-override characters.
//! - `bag-info.txt` (§2.2.2): `Label: value` lines, continuation lines only after
//!   one; the labels a bag states once (Payload-Oxum, Bagging-Date, …) stated once.
//! - Manifests (§2.1.3, §2.2.1): `digest<whitespace>path` per line, the digest
//!   of the algorithm's length, each path once (also after NFC normalisation),
//!   relative, `/`-separated, never `..` or `.`.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization as _;

/// One problem in a tag file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Stable code (`bagit.bom`, `manifest.duplicate`…).
    pub code: &'static str,
    /// 1-based line, when the problem is on one.
    pub line: Option<usize>,
    pub message: String,
}

fn at(code: &'static str, line: usize, message: impl Into<String>) -> Problem {
    Problem {
        code,
        line: Some(line),
        message: message.into(),
    }
}

fn whole(code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        code,
        line: None,
        message: message.into(),
    }
}

/// Labels of bag-info.txt that a bag states at most once (RFC 8493 §2.2.2
/// reserves them; a second value would let two readers see two bags).
const ONCE: [&str; 8] = [
    "Payload-Oxum",
    "Bagging-Date",
    "Bag-Size",
    "Bag-Count",
    "External-Identifier",
    "Source-Organization",
    "Anjuan-Generator",
    "Anjuan-Signing-Key",
];

/// The bytes of a text tag file as lines: the shape problems (BOM, encoding,
/// mixed line endings, control characters) and the text with every line
/// ending made `\n` (so a CR-only file reads as lines, as bagit.py reads it).
pub fn text(bytes: &[u8]) -> (Vec<Problem>, Option<String>) {
    let mut out = Vec::new();
    let body = match bytes.strip_prefix("\u{feff}".as_bytes()) {
        Some(rest) => {
            out.push(whole(
                "tagfile.bom",
                "文件以字节顺序标记 (BOM) 开头；标签文件应为不带 BOM 的 UTF-8",
            ));
            rest
        }
        None => bytes,
    };
    let Ok(t) = std::str::from_utf8(body) else {
        let good = match std::str::from_utf8(body) {
            Err(e) => e.valid_up_to(),
            Ok(_) => body.len(),
        };
        let line = body[..good].iter().filter(|&&b| b == b'\n').count() + 1;
        out.push(at("tagfile.not-utf8", line, "不是 UTF-8 文本 (not UTF-8)"));
        return (out, None);
    };
    let (mut lf, mut crlf, mut cr) = (0usize, 0usize, 0usize);
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                crlf += 1;
                i += 1;
            }
            b'\r' => cr += 1,
            b'\n' => lf += 1,
            _ => {}
        }
        i += 1;
    }
    if [lf, crlf, cr].iter().filter(|&&n| n > 0).count() > 1 {
        out.push(whole(
            "tagfile.line-endings",
            format!("换行符混用 (mixed line endings)：LF {lf} 处，CRLF {crlf} 处，CR {cr} 处"),
        ));
    }
    let norm = t.replace("\r\n", "\n").replace('\r', "\n");
    for (n, line) in norm.lines().enumerate() {
        if let Some(c) = line.chars().find(|&c| bad_char(c)) {
            out.push(at(
                "tagfile.control",
                n + 1,
                format!("含控制字符或双向控制字符 U+{:04X}", c as u32),
            ));
        }
    }
    (out, Some(norm))
}

/// C0/C1 controls but tab, and the bidirectional embedding, override and
/// isolate characters (which reorder what a report shows).
fn bad_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `bagit.txt`: exactly the two declarations, in order, without a BOM.
pub fn bagit_txt(bytes: &[u8]) -> Vec<Problem> {
    let mut out = Vec::new();
    if bytes.starts_with("\u{feff}".as_bytes()) {
        out.push(whole(
            "bagit.bom",
            "bagit.txt 不得以字节顺序标记 (BOM) 开头 (RFC 8493 §2.1.1)",
        ));
    }
    let (shape, norm) = text(bytes);
    out.extend(shape.into_iter().filter(|p| p.code != "tagfile.bom"));
    let Some(t) = norm else { return out };
    let lines: Vec<&str> = t.lines().collect();
    let want = ["BagIt-Version", "Tag-File-Character-Encoding"];
    for (i, label) in want.iter().enumerate() {
        let ok = lines.get(i).is_some_and(|l| {
            l.split_once(':')
                .is_some_and(|(k, v)| k == *label && v.starts_with(' ') && !v.trim().is_empty())
        });
        if !ok {
            out.push(at(
                "bagit.txt-format",
                i + 1,
                format!(
                    "第 {} 行应为“{label}: …”，实为“{}”",
                    i + 1,
                    lines.get(i).copied().unwrap_or("")
                ),
            ));
        }
    }
    if lines.len() > 2 {
        out.push(at(
            "bagit.txt-format",
            3,
            format!("bagit.txt 应只有两行，实有 {} 行", lines.len()),
        ));
    }
    if let Some(v) = lines
        .first()
        .and_then(|l| l.strip_prefix("BagIt-Version: "))
    {
        let mn: Vec<&str> = v.split('.').collect();
        if mn.len() != 2
            || !mn
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            out.push(at(
                "bagit.txt-format",
                1,
                format!("BagIt-Version 应为 M.N，实为“{v}”"),
            ));
        }
    }
    out
}

/// `bag-info.txt` lines (text already made `\n`-separated by [`text`]).
pub fn bag_info(t: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut any = false;
    for (n, line) in t.lines().enumerate() {
        let n = n + 1;
        if line.is_empty() {
            out.push(at("bag-info.line", n, format!("第 {n} 行是空行")));
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if !any {
                out.push(at(
                    "bag-info.line",
                    n,
                    format!("第 {n} 行是续行，但前面没有“标签: 值”"),
                ));
            }
            continue;
        }
        let Some((label, value)) = line.split_once(':') else {
            out.push(at(
                "bag-info.line",
                n,
                format!("第 {n} 行不是“标签: 值”（缺冒号）"),
            ));
            continue;
        };
        if label.is_empty() || label != label.trim() {
            out.push(at(
                "bag-info.line",
                n,
                format!("第 {n} 行的标签“{label}”为空或首尾有空白"),
            ));
            continue;
        }
        if !value.is_empty() && !value.starts_with([' ', '\t']) {
            out.push(at(
                "bag-info.line",
                n,
                format!("第 {n} 行冒号后应有一个空格 (RFC 8493 §2.2.2)"),
            ));
        }
        any = true;
        if let Some(once) = ONCE.iter().find(|l| l.eq_ignore_ascii_case(label)) {
            if let Some(first) = seen.insert(once.to_ascii_lowercase(), n) {
                out.push(at(
                    "bag-info.repeated",
                    n,
                    format!("{once} 在第 {first} 行已出现，不得重复"),
                ));
            }
        }
    }
    out
}

/// The digest length in hex of an algorithm a manifest is named for.
fn hex_len(alg: &str) -> Option<usize> {
    Some(match alg {
        "md5" => 32,
        "sha1" => 40,
        "sha256" | "sm3" => 64,
        "sha512" => 128,
        _ => return None,
    })
}

/// A manifest's lines: digest shape, each path once, paths relative and clean.
/// `payload` is true for `manifest-*.txt` (paths under `data/`).
pub fn manifest(t: &str, alg: &str, payload: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, line) in t.lines().enumerate() {
        let n = n + 1;
        if line.trim().is_empty() {
            out.push(at("manifest.line", n, format!("第 {n} 行是空行")));
            continue;
        }
        let Some((digest, path)) = line.split_once([' ', '\t']) else {
            out.push(at("manifest.line", n, format!("第 {n} 行应为“摘要 路径”")));
            continue;
        };
        let path = path.trim_start_matches([' ', '\t']);
        if path.is_empty() {
            out.push(at("manifest.line", n, format!("第 {n} 行没有路径")));
            continue;
        }
        if !digest.bytes().all(|b| b.is_ascii_hexdigit())
            || hex_len(alg).is_some_and(|l| l != digest.len())
        {
            out.push(at(
                "manifest.digest",
                n,
                format!(
                    "第 {n} 行的摘要不是 {} 位十六进制的 {alg} 摘要",
                    hex_len(alg).map(|l| l.to_string()).unwrap_or_default()
                ),
            ));
        }
        let decoded = decode(path);
        let bad_path = decoded.starts_with('/')
            || decoded.contains('\\')
            || decoded
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
            || (payload && !decoded.starts_with("data/"));
        if bad_path {
            out.push(at(
                "manifest.path",
                n,
                format!("第 {n} 行的路径“{decoded}”不是包内规范的相对路径"),
            ));
        }
        let key: String = decoded.nfc().collect();
        if let Some(first) = seen.insert(key, n) {
            out.push(at(
                "manifest.duplicate",
                n,
                format!("路径“{decoded}”在第 {first} 行已列出，同一文件不得列两次"),
            ));
        }
    }
    out
}

/// A manifest line as anjuan writes one, judged alone: `Some((digest, path))`
/// when the line (without its `\n`) can give none of the problems [`text`]
/// and [`manifest`] name — UTF-8, no CR, BOM, control or bidirectional
/// character, `digest path` with the algorithm's digest length, a clean
/// relative path with nothing percent-encoded, in NFC — and sorts after `prev`,
/// the line before's path (`""` for the first), so that it cannot repeat an
/// earlier path either. `None` says nothing about the line: the manifest is
/// then judged whole by [`text`] and [`manifest`].
pub fn plain_manifest_line<'l>(
    line: &'l [u8],
    alg: &str,
    payload: bool,
    prev: &str,
) -> Option<(&'l str, &'l str)> {
    let line = std::str::from_utf8(line).ok()?;
    if line.trim().is_empty() || line.chars().any(|c| bad_char(c) || c == '\u{feff}') {
        return None;
    }
    let (digest, path) = line.split_once([' ', '\t'])?;
    let path = path.trim_start_matches([' ', '\t']);
    if hex_len(alg)? != digest.len() || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let clean = !path.is_empty()
        && !path.contains(['%', '\\'])
        && !path.starts_with('/')
        && !path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        && (!payload || path.starts_with("data/"))
        && path.as_bytes() > prev.as_bytes()
        && unicode_normalization::is_nfc(path);
    clean.then_some((digest, path))
}

/// A manifest path with its `%0A`, `%0D` and `%25` decoded (RFC 8493 §2.1.3).
fn decode(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).map(|c| c.to_ascii_uppercase());
        match code.as_deref() {
            Some("0A") => out.push('\n'),
            Some("0D") => out.push('\r'),
            Some("25") => out.push('%'),
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: &[Problem]) -> Vec<&'static str> {
        v.iter().map(|p| p.code).collect()
    }

    #[test]
    fn bagit_txt_exactly_two_lines_no_bom() {
        let good = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
        assert!(bagit_txt(good).is_empty());
        let crlf = b"BagIt-Version: 1.0\r\nTag-File-Character-Encoding: UTF-8\r\n";
        assert!(bagit_txt(crlf).is_empty());
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend_from_slice(good);
        assert_eq!(codes(&bagit_txt(&bom)), ["bagit.bom"]);
        let swapped = b"Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n";
        assert_eq!(
            codes(&bagit_txt(swapped)),
            ["bagit.txt-format", "bagit.txt-format"]
        );
        let extra = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nX: y\n";
        assert_eq!(codes(&bagit_txt(extra)), ["bagit.txt-format"]);
        assert_eq!(
            codes(&bagit_txt(
                b"BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n"
            )),
            ["bagit.txt-format"]
        );
    }

    #[test]
    fn text_shape() {
        let (p, t) = text(b"a: 1\r\nb: 2\nc: 3\rd: 4");
        assert_eq!(codes(&p), ["tagfile.line-endings"]);
        assert_eq!(t.unwrap().lines().count(), 4);
        let (p, t) = text(b"a\xff\n");
        assert_eq!(codes(&p), ["tagfile.not-utf8"]);
        assert!(t.is_none());
        let (p, _) = text("Source-Organization: \u{202e}abc\n".as_bytes());
        assert_eq!(codes(&p), ["tagfile.control"]);
        assert_eq!(p[0].line, Some(1));
        // CR alone is a line ending (bagit.py reads universal newlines).
        let (p, t) = text(b"a: 1\rb: 2\r");
        assert!(p.is_empty());
        assert_eq!(t.unwrap(), "a: 1\nb: 2\n");
    }

    #[test]
    fn bag_info_lines() {
        assert!(bag_info("Payload-Oxum: 1.1\nContact-Name: A\n  continued\n").is_empty());
        let p = bag_info("Payload-Oxum: 1.1\nno colon\n: empty\npayload-oxum: 2.2\n");
        assert_eq!(
            codes(&p),
            ["bag-info.line", "bag-info.line", "bag-info.repeated"]
        );
        assert_eq!(p[2].line, Some(4));
        assert_eq!(codes(&bag_info("  orphan\n")), ["bag-info.line"]);
    }

    #[test]
    fn manifest_lines() {
        let d = "a".repeat(64);
        let good = format!("{d}  data/a.pdf\n{d} data/b%25c.pdf\n");
        assert!(manifest(&good, "sha256", true).is_empty());
        let dup = format!("{d}  data/a.pdf\n{d}  data/a.pdf\n");
        let p = manifest(&dup, "sha256", true);
        assert_eq!(codes(&p), ["manifest.duplicate"]);
        assert_eq!(p[0].line, Some(2));
        // NFC twins are one path.
        let nfc = format!("{d}  data/\u{e9}.pdf\n{d}  data/e\u{301}.pdf\n");
        assert_eq!(
            codes(&manifest(&nfc, "sha256", true)),
            ["manifest.duplicate"]
        );
        let bad = format!(
            "{}  data/a.pdf\n{d}  /etc/passwd\n{d}  data/../x\n{d}  bag-info.txt\n\n{d}\n",
            "a".repeat(63)
        );
        assert_eq!(
            codes(&manifest(&bad, "sha256", true)),
            [
                "manifest.digest",
                "manifest.path",
                "manifest.path",
                "manifest.path",
                "manifest.line",
                "manifest.line"
            ]
        );
        assert!(manifest(&format!("{d}  bag-info.txt\n"), "sha256", false).is_empty());
    }
}
