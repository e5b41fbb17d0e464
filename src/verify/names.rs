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
    /// Longer than any file system takes: a part over 255 bytes or the whole
    /// over 4,095 (NAME_MAX, PATH_MAX); extractors fail or cut it differently.
    TooLong,
    /// A Windows device name as a part (`CON`, `nul.txt`, `COM1.pdf`): opening
    /// it on Windows opens the device, not a file.
    Reserved,
    /// A part ending in `.` or a space: Windows drops them, so `a.pdf.` is `a.pdf`.
    TrailingDotSpace,
    /// `:` — on NTFS `a.pdf:x` writes a hidden alternate data stream of `a.pdf`.
    Colon,
}

/// Longest part and whole name accepted, in bytes (NAME_MAX, PATH_MAX - 1).
pub const MAX_PART: usize = 255;
pub const MAX_NAME: usize = 4095;

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
            NameDefect::TooLong => "too-long",
            NameDefect::Reserved => "reserved",
            NameDefect::TrailingDotSpace => "trailing-dot-space",
            NameDefect::Colon => "colon",
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
            NameDefect::TooLong => {
                "文件名过长 (name too long)：某段超过 255 字节或全长超过 4095 字节"
            }
            NameDefect::Reserved => {
                "文件名含 Windows 保留设备名 (reserved name: CON, PRN, AUX, NUL, COM1–9, LPT1–9)"
            }
            NameDefect::TrailingDotSpace => {
                "文件名某段以点或空格结尾，Windows 会将其去掉 (trailing dot or space)"
            }
            NameDefect::Colon => "文件名含冒号，NTFS 视为备用数据流 (colon: alternate data stream)",
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
    if name.len() > MAX_NAME || body.split('/').any(|p| p.len() > MAX_PART) {
        return Err(NameDefect::TooLong);
    }
    if name.contains(':') {
        return Err(NameDefect::Colon);
    }
    for part in body.split('/') {
        if is_reserved(part) {
            return Err(NameDefect::Reserved);
        }
        if part.ends_with('.') || part.ends_with(' ') {
            return Err(NameDefect::TrailingDotSpace);
        }
    }
    Ok(name.to_string())
}

/// A Windows device name: the part before its first dot, without trailing
/// spaces, is CON, PRN, AUX, NUL, COM1–9 or LPT1–9 (also with ¹²³, which
/// Windows treats as digits there), in any case and with any extension.
pub fn is_reserved(part: &str) -> bool {
    let stem = part.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL") {
        return true;
    }
    let Some(n) = upper
        .strip_prefix("COM")
        .or_else(|| upper.strip_prefix("LPT"))
    else {
        return false;
    };
    let mut c = n.chars();
    matches!(
        (c.next(), c.next()),
        (Some('1'..='9' | '\u{B9}' | '\u{B2}' | '\u{B3}'), None)
    )
}

/// Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt,
/// Unicode 15): characters that render as nothing — zero-width space and
/// joiners, word joiner, soft hyphen, BOM, variation selectors, tag characters,
/// Hangul fillers, the bidi controls…
pub fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Bidirectional-text controls: they make `案卷\u{202E}fdp.exe` show as `案卷exe.pdf`.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Names that are the same after Unicode NFC normalisation (BagIt compares
/// names that way): each group of two or more, in order of first appearance.
pub fn nfc_collisions<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Vec<String>> {
    let names: Vec<&str> = names.into_iter().collect();
    let nfc = |n: &str| n.nfc().collect::<String>();
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for n in candidates(&names, nfc, str::to_string) {
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

/// How two or more entry names collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clash {
    /// The same but for letter case (`A.pdf` / `a.pdf`): one file on Windows and macOS.
    Case,
    /// The same once default-ignorable characters (zero-width space, joiners,
    /// soft hyphen, variation selectors…) are removed: they look identical.
    Ignorable,
    /// A file `x` and other entries under `x/`: `x` is both a file and a folder.
    FileAndFolder,
    /// A folder entry `x/` and a file `x`.
    FolderShadowsFile,
    /// The same Unicode TR 39 skeleton (`paypal` / `pаypal` with a Cyrillic а):
    /// look-alikes, a warning only.
    Confusable,
}

/// The key for case twins: NFC, then lower case (full Unicode mappings).
fn fold(n: &str) -> String {
    n.nfc().collect::<String>().to_lowercase()
}

fn strip_ignorable(n: &str) -> String {
    n.nfc().filter(|c| !is_default_ignorable(*c)).collect()
}

/// The names that may share their `key` with a name of another `distinct`
/// value, in their order: the first pass over all names keeps 64-bit
/// fingerprints only (keyed afresh each run, so names cannot be made to
/// collide), not a string per name; the groups are then made exactly from
/// these few. A fingerprint collision only adds a name to look at again.
fn candidates<'a>(
    names: &[&'a str],
    key: impl Fn(&str) -> String,
    distinct: impl Fn(&str) -> String,
) -> Vec<&'a str> {
    use std::hash::BuildHasher as _;
    let st = std::hash::RandomState::new();
    // Key fingerprint → (the first name's distinct fingerprint, another differs).
    let mut seen: HashMap<u64, (u64, bool)> = HashMap::new();
    let keys: Vec<u64> = names
        .iter()
        .map(|n| {
            let k = st.hash_one(key(n));
            let d = st.hash_one(distinct(n));
            let e = seen.entry(k).or_insert((d, false));
            e.1 |= e.0 != d;
            k
        })
        .collect();
    names
        .iter()
        .zip(keys)
        .filter(|(_, k)| seen.get(k).is_some_and(|e| e.1))
        .map(|(n, _)| *n)
        .collect()
}

/// Groups of names with the same `key` and two or more different `distinct`
/// values, in order of first appearance; each group lists one name per
/// `distinct` value. Only the [`candidates`] are grouped (the order of first
/// appearance among them is the order among all).
fn groups<'a>(
    names: &[&'a str],
    key: impl Fn(&str) -> String,
    distinct: impl Fn(&str) -> String,
) -> Vec<Vec<String>> {
    /// A group: where it first appeared, and (distinct value, name) pairs.
    type Group<'a> = (usize, Vec<(String, &'a str)>);
    let names = candidates(names, &key, &distinct);
    let mut by: HashMap<String, Group<'a>> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        let g = by.entry(key(n)).or_insert((i, Vec::new()));
        let d = distinct(n);
        if !g.1.iter().any(|(x, _)| *x == d) {
            g.1.push((d, n));
        }
    }
    let mut out: Vec<(usize, Vec<String>)> = by
        .into_values()
        .filter(|(_, g)| g.len() > 1)
        .map(|(i, g)| (i, g.into_iter().map(|(_, n)| n.to_string()).collect()))
        .collect();
    out.sort();
    out.into_iter().map(|(_, g)| g).collect()
}

/// The collisions among a set of names (each already passed [`check`]; a
/// folder entry ends in `/`), beyond exact duplicates and NFC twins, which
/// are found elsewhere. Each clash is reported once: names that differ only
/// by case are not also reported as confusable, and so on.
pub fn clashes(names: &[&str]) -> Vec<(Clash, Vec<String>)> {
    let nfc = |n: &str| n.nfc().collect::<String>();
    let mut out = Vec::new();
    for g in groups(names, fold, nfc) {
        out.push((Clash::Case, g));
    }
    for g in groups(names, strip_ignorable, nfc) {
        out.push((Clash::Ignorable, g));
    }
    // Look-alikes not already explained by case or invisible characters.
    let plain = |n: &str| strip_ignorable(&fold(n));
    let skeleton = |n: &str| unicode_security::skeleton(n).collect::<String>();
    for g in groups(names, skeleton, plain) {
        out.push((Clash::Confusable, g));
    }
    // Files against folders, compared as Windows would (case folded).
    let mut folders: HashMap<String, &str> = HashMap::new();
    let mut dir_entries: HashMap<String, &str> = HashMap::new();
    for n in names {
        let f = fold(n);
        if let Some(d) = f.strip_suffix('/') {
            dir_entries.entry(d.to_string()).or_insert(n);
        }
        let body = f.strip_suffix('/').unwrap_or(&f);
        for (i, _) in body.match_indices('/') {
            folders.entry(body[..i].to_string()).or_insert(n);
        }
    }
    for n in names.iter().filter(|n| !n.ends_with('/')) {
        let f = fold(n);
        if let Some(d) = dir_entries.get(&f) {
            out.push((Clash::FolderShadowsFile, vec![n.to_string(), d.to_string()]));
        } else if let Some(under) = folders.get(&f) {
            out.push((Clash::FileAndFolder, vec![n.to_string(), under.to_string()]));
        }
    }
    out
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
    fn windows_hazards_each_have_their_defect() {
        let cases: &[(&str, NameDefect)] = &[
            ("bag/data/CON", NameDefect::Reserved),
            ("bag/data/con.pdf", NameDefect::Reserved),
            ("bag/data/Nul.tar.gz", NameDefect::Reserved),
            ("bag/AUX/a.pdf", NameDefect::Reserved),
            ("bag/data/COM1.txt", NameDefect::Reserved),
            ("bag/data/lpt9", NameDefect::Reserved),
            ("bag/data/COM\u{B9}.pdf", NameDefect::Reserved),
            ("bag/data/PRN .txt", NameDefect::Reserved),
            ("bag/data/a.pdf.", NameDefect::TrailingDotSpace),
            ("bag/data/a.pdf ", NameDefect::TrailingDotSpace),
            ("bag/data. /a.pdf", NameDefect::TrailingDotSpace),
            ("bag/data/a.pdf:hidden", NameDefect::Colon),
            ("bag/data/12:00.pdf", NameDefect::Colon),
        ];
        for (n, want) in cases {
            assert_eq!(check(n.as_bytes()).as_ref(), Err(want), "{n:?}");
        }
        for ok in [
            "bag/data/CONTRACT.pdf",
            "bag/data/COM10.pdf",
            "bag/data/COM0.pdf",
            "bag/data/console.txt",
            "bag/data/.hidden",
            "bag/data/",
        ] {
            assert!(check(ok.as_bytes()).is_ok(), "{ok:?}");
        }
        let long_part = format!("bag/{}.pdf", "案".repeat(86)); // 258 bytes
        assert_eq!(check(long_part.as_bytes()), Err(NameDefect::TooLong));
        let long = format!("bag/{}", "a/".repeat(2100));
        assert_eq!(
            check(long.trim_end_matches('/').as_bytes()),
            Err(NameDefect::TooLong)
        );
        assert!(check(format!("bag/{}.pdf", "案".repeat(80)).as_bytes()).is_ok());
    }

    fn kinds(names: &[&str]) -> Vec<(Clash, Vec<String>)> {
        clashes(names)
    }

    /// Among thousands of names (grouped by fingerprints first), the few
    /// twins are found exactly, in order of first appearance.
    #[test]
    fn twins_among_many_names_are_found_in_order() {
        let mut owned: Vec<String> = (0..5000)
            .map(|i| format!("bag/data/c{}/f{i}.pdf", i % 50))
            .collect();
        owned.insert(100, "bag/data/c7/f1007\u{200B}.pdf".into());
        owned.push("bag/data/C7/f7.pdf".into());
        owned.push("bag/data/c3/fe\u{301}.pdf".into());
        owned.push("bag/data/c3/fe\u{301}.pdf".into());
        let names: Vec<&str> = owned.iter().map(String::as_str).collect();
        let s = |x: &str| x.to_string();
        assert_eq!(
            clashes(&names),
            vec![
                (
                    Clash::Case,
                    vec![s("bag/data/c7/f7.pdf"), s("bag/data/C7/f7.pdf")]
                ),
                (
                    Clash::Ignorable,
                    vec![
                        s("bag/data/c7/f1007\u{200B}.pdf"),
                        s("bag/data/c7/f1007.pdf")
                    ]
                ),
            ]
        );
        let nfd = "bag/data/c3/fe\u{301}.pdf";
        let nfc: String = nfd.nfc().collect();
        let mut with_nfc = names.clone();
        with_nfc.insert(10, &nfc);
        assert_eq!(
            nfc_collisions(with_nfc.iter().copied()),
            vec![vec![nfc.clone(), nfd.to_string()]]
        );
        assert!(nfc_collisions(names.iter().copied()).is_empty());
    }

    #[test]
    fn clashes_are_found_once_each() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            kinds(&["bag/data/A.pdf", "bag/data/b.pdf", "bag/data/a.pdf"]),
            vec![(Clash::Case, v(&["bag/data/A.pdf", "bag/data/a.pdf"]))]
        );
        // Full Unicode case mappings, not ASCII only; folders fold too.
        assert_eq!(
            kinds(&["bag/ДЕЛО/x.pdf", "bag/дело/x.pdf"]),
            vec![(Clash::Case, v(&["bag/ДЕЛО/x.pdf", "bag/дело/x.pdf"]))]
        );
        for inv in [
            '\u{200B}',
            '\u{200D}',
            '\u{2060}',
            '\u{AD}',
            '\u{FEFF}',
            '\u{FE0F}',
            '\u{E0041}',
        ] {
            let twin = format!("bag/data/a{inv}.pdf");
            assert_eq!(
                kinds(&["bag/data/a.pdf", &twin]),
                vec![(Clash::Ignorable, v(&["bag/data/a.pdf", &twin]))],
                "U+{:04X}",
                inv as u32
            );
        }
        assert_eq!(
            kinds(&["bag/data/x", "bag/data/x/y.pdf"]),
            vec![(Clash::FileAndFolder, v(&["bag/data/x", "bag/data/x/y.pdf"]))]
        );
        assert_eq!(
            kinds(&["bag/data/x/", "bag/data/X"]),
            vec![(Clash::FolderShadowsFile, v(&["bag/data/X", "bag/data/x/"]))]
        );
        // A Cyrillic а in place of the Latin a.
        assert_eq!(
            kinds(&["bag/data/paypal.pdf", "bag/data/p\u{430}ypal.pdf"]),
            vec![(
                Clash::Confusable,
                v(&["bag/data/paypal.pdf", "bag/data/p\u{430}ypal.pdf"])
            )]
        );
        assert!(kinds(&["bag/data/", "bag/data/a.pdf", "bag/data/b/c.pdf"]).is_empty());
    }

    #[test]
    fn the_names_of_a_real_bundle_do_not_clash() {
        let mut names = vec![
            "X012-WS-2026-XFB/".to_string(),
            "X012-WS-2026-XFB/bagit.txt".into(),
            "X012-WS-2026-XFB/bag-info.txt".into(),
            "X012-WS-2026-XFB/manifest-sha256.txt".into(),
            "X012-WS-2026-XFB/tagmanifest-sha256.txt".into(),
            "X012-WS-2026-XFB/data/".into(),
        ];
        let docs = [
            "案卷封面.pdf",
            "卷内目录.pdf",
            "备考表.pdf",
            "01-受理告知书.pdf",
            "02-不予受理告知书.pdf",
            "03-处理意见书.pdf",
            "04-复查意见书.pdf",
            "05-复核意见书.pdf",
            "06-答复意见书.pdf",
            "07-转送函.pdf",
            "08-交办单.pdf",
            "09-督办函.pdf",
            "10-送达回证.pdf",
            "11-听证笔录.pdf",
            "12-来信登记表.pdf",
            "13-来访登记表.pdf",
            "案卷信息.json",
            "案卷信息.json.minisig",
        ];
        for case in [
            "X012-XF-2026-000001",
            "X012-XF-2026-000011",
            "X012-XF-2026-000101",
        ] {
            names.push(format!("X012-WS-2026-XFB/data/{case}/"));
            for d in docs {
                names.push(format!("X012-WS-2026-XFB/data/{case}/{d}"));
            }
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert!(clashes(&refs).is_empty(), "{:?}", clashes(&refs));
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
