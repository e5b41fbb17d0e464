//! Escaping text for Typst, so that text from a case record always prints
//! literally and can never run Typst code.
//!
//! Two contexts: markup (the default for every `{{ value }}` in a template) and
//! string literals (the `str` filter, for `#set document(title: …)` and the like).

/// Runs of letters and digits longer than this get an invisible break opportunity
/// (U+200B) so that a long unbroken word wraps instead of running off the page.
pub const MAX_UNBROKEN: usize = 24;

/// Escapes text for Typst markup: every ASCII punctuation character is
/// backslash-escaped (so `#`, `[`, `$`, `*`, `_`, `<`, `@`, `/`, `\`, `=`, `-`, `+`,
/// `.`, `'`, `"`, `~`, `:` mean nothing), newlines become line breaks, and very
/// long words get break opportunities.
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut run = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\\n");
                }
                run = 0;
            }
            '\n' => {
                // `\` at the end of a line is a forced line break in Typst markup.
                out.push_str("\\\n");
                run = 0;
            }
            '\t' => {
                out.push(' ');
                run = 0;
            }
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
                // A hyphen before a letter is a line-break opportunity already
                // (UAX #14), so codes like `X012-WS·2026-D30-XFB-0001` need no
                // invisible break (which would end up in copied text).
                if c == '-' && chars.peek().is_some_and(|n| n.is_alphabetic()) {
                    run = 0;
                } else {
                    run += 1;
                }
            }
            c if c.is_whitespace() => {
                out.push(' ');
                run = 0;
            }
            c if c.is_control() => {
                // Other control characters have no printed form.
            }
            c => {
                if c.is_ascii() || !is_breakable(c) {
                    run += 1;
                } else {
                    run = 0;
                }
                out.push(c);
            }
        }
        if run >= MAX_UNBROKEN {
            out.push('\u{200B}');
            run = 0;
        }
    }
    out
}

/// CJK ideographs and similar break anywhere already.
fn is_breakable(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF | 0xFF00..=0xFFEF)
}

/// A Typst string literal, quoted: `"…"` with `\` `"` and control characters escaped.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escapes_every_special_character() {
        assert_eq!(markup("#set [x] $y$"), "\\#set \\[x\\] \\$y\\$");
        assert_eq!(markup("a // b /* c"), "a \\/\\/ b \\/\\* c");
        assert_eq!(markup("C:\\dir"), "C\\:\\\\dir");
        assert_eq!(markup("第1行\n第2行"), "第1行\\\n第2行");
        assert_eq!(markup("王喆"), "王喆");
    }

    #[test]
    fn long_words_get_break_opportunities() {
        let long = "a".repeat(60);
        let out = markup(&long);
        assert_eq!(out.matches('\u{200B}').count(), 2);
        assert_eq!(out.replace('\u{200B}', ""), long);
        assert!(!markup(&"汉".repeat(60)).contains('\u{200B}'));
    }

    #[test]
    fn string_literals() {
        assert_eq!(string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
