//! Entry names of a zip, judged before anything is read: a name that could
//! escape the bag, hide a second file under the same visible name, or mean
//! different things to different tools is a defect of its own kind.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// Why an entry name is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameDefect {
    /// Not UTF-8 (and not flagged as such): tools would read it differently.
    NotUtf8,
    Empty,
    /// Contains NUL: C tools cut the name there.
    Nul,
    /// Other control characters (newlines would also break manifests), and
    /// bidirectional-text controls that make a name display as another.
    Control,
    /// `\` separators: a Windows path, or a way around `/` checks.
    Backslash,
    /// `/x`, or a drive `C:`.
    Absolute,
    /// A `..` part: it would climb out of the bag.
    Traversal,
    /// `.` or empty parts (`a//b`, `a/./b`): not one canonical name.
    NotCanonical,
}

impl NameDefect {
    /// A stable code: `traversal`, `absolute`, `backslash`…
    pub fn code(&self) -> &'static str {
        match self {
            NameDefect::NotUtf8 => "not-utf8",
            NameDefect::Empty => "empty",
            NameDefect::Nul => "nul",
            NameDefect::Control => "control",
            NameDefect::Backslash => "backslash",
            NameDefect::Absolute => "absolute",
            NameDefect::Traversal => "traversal",
            NameDefect::NotCanonical => "not-canonical",
        }
    }

    pub fn zh(&self) -> &'static str {
        match self {
            NameDefect::NotUtf8 => "文件名不是 UTF-8 编码",
            NameDefect::Empty => "文件名为空",
            NameDefect::Nul => "文件名含 NUL 字符",
            NameDefect::Control => "文件名含控制字符",
            NameDefect::Backslash => "文件名含反斜杠",
            NameDefect::Absolute => "文件名是绝对路径",
            NameDefect::Traversal => "文件名含 ..（路径穿越）",
            NameDefect::NotCanonical => "文件名含空的或 . 路径段",
        }
    }
}

/// Checks one raw entry name; returns it as a string when acceptable. A name
/// ending in `/` is a directory entry and is allowed that one trailing slash.
pub fn check(raw: &[u8]) -> Result<String, NameDefect> {
    let name = std::str::from_utf8(raw).map_err(|_| NameDefect::NotUtf8)?;
    if name.is_empty() {
        return Err(NameDefect::Empty);
    }
    if name.contains('\0') {
        return Err(NameDefect::Nul);
    }
    if name.chars().any(|c| c.is_control() || is_bidi(c)) {
        return Err(NameDefect::Control);
    }
    if name.contains('\\') {
        return Err(NameDefect::Backslash);
    }
    let b = name.as_bytes();
    if name.starts_with('/') || (b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic()) {
        return Err(NameDefect::Absolute);
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    for part in body.split('/') {
        match part {
            ".." => return Err(NameDefect::Traversal),
            "" | "." => return Err(NameDefect::NotCanonical),
            _ => {}
        }
    }
    Ok(name.to_string())
}

/// Bidirectional-text controls: they make `案卷\u{202E}fdp.exe` show as `案卷exe.pdf`.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Names that are the same after Unicode NFC normalisation (BagIt compares
/// names that way): each group of two or more, in order of first appearance.
pub fn nfc_collisions<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Vec<String>> {
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for n in names {
        let key: String = n.nfc().collect();
        let g = groups.entry(key.clone()).or_default();
        if g.is_empty() {
            order.push(key);
        }
        // Exact duplicates are another finding; twins differ in their bytes.
        if !g.iter().any(|x| x == n) {
            g.push(n.to_string());
        }
    }
    order
        .into_iter()
        .filter_map(|k| groups.remove(&k).filter(|g| g.len() > 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_each_have_their_defect() {
        let cases: &[(&[u8], NameDefect)] = &[
            (b"../etc/passwd", NameDefect::Traversal),
            (b"bag/data/../../x", NameDefect::Traversal),
            (b"/etc/passwd", NameDefect::Absolute),
            (b"C:/Windows/x", NameDefect::Absolute),
            (b"bag\\data\\x.pdf", NameDefect::Backslash),
            (b"bag/data/x.pdf\0.txt", NameDefect::Nul),
            (b"bag/data/a\nb", NameDefect::Control),
            (
                "bag/data/案卷\u{202E}fdp.exe".as_bytes(),
                NameDefect::Control,
            ),
            (b"bag//data", NameDefect::NotCanonical),
            (b"bag/./data", NameDefect::NotCanonical),
            (b"", NameDefect::Empty),
            (b"bag/\xff\xfe.pdf", NameDefect::NotUtf8),
        ];
        for (raw, want) in cases {
            assert_eq!(
                check(raw).as_ref(),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
        assert_eq!(
            check("bag/data/案卷封面.pdf".as_bytes()).unwrap(),
            "bag/data/案卷封面.pdf"
        );
        assert!(check(b"bag/data/").is_ok(), "directory entries are fine");
        assert!(
            check(b"bag/data/..x.pdf").is_ok(),
            "dots inside a name are fine"
        );
    }

    #[test]
    fn nfc_twins_are_found() {
        let nfc = "bag/data/Caf\u{e9}.pdf";
        let nfd = "bag/data/Cafe\u{301}.pdf";
        let g = nfc_collisions([nfc, "bag/data/other.pdf", nfd]);
        assert_eq!(g, vec![vec![nfc.to_string(), nfd.to_string()]]);
        assert!(nfc_collisions(["a", "b"]).is_empty());
        assert!(
            nfc_collisions(["a", "a"]).is_empty(),
            "duplicates are not twins"
        );
    }
}
