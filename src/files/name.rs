//! The name a client gave a file, made safe to show and to offer as the
//! download's name. It is only ever displayed (as text, never as HTML) and
//! put in `Content-Disposition`; the stored file is named by its key.

/// The most characters a display name keeps; longer names keep their start
/// and their extension around an ellipsis.
pub const MAX_NAME_CHARS: usize = 120;
/// An extension longer than this is not kept whole when shortening.
const MAX_EXTENSION_CHARS: usize = 16;
const FALLBACK: &str = "file";

/// A sanitised file name: one line of visible text, no path, no controls,
/// no bidirectional overrides, at most `MAX_NAME_CHARS` characters, never
/// empty, never `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Makes any client-sent name (or none) into a display name. Never fails:
    /// a name with nothing left in it becomes `file`.
    pub fn sanitise(raw: &str) -> Self {
        // Only the last path part: "C:\\Users\\x\\a.png" and "../../a.png" are "a.png".
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let mut clean = String::with_capacity(last.len().min(4 * MAX_NAME_CHARS));
        for c in last.chars() {
            if is_invisible_control(c) {
                continue;
            }
            // Any other white space (tab, line breaks, NBSP) is one plain space.
            clean.push(if c.is_whitespace() { ' ' } else { c });
            // Enough for the start of a long name; its end is cut away anyway
            // except for the extension, which is taken from `last` below.
            if clean.len() > 16 * MAX_NAME_CHARS {
                break;
            }
        }
        let clean = collapse_spaces(&clean);
        // Leading dots would hide the file on download (and "..." is no name);
        // Windows drops trailing dots and spaces itself.
        let trimmed = clean
            .trim_start_matches(['.', ' '])
            .trim_end_matches(['.', ' ']);
        if trimmed.is_empty() {
            return Self(FALLBACK.to_owned());
        }
        Self(shorten(trimmed, &extension_of(last)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Characters that are dropped outright: controls (NUL, CR, LF, ESC ...),
/// bidirectional embeddings, overrides and isolates (which make
/// "invoice\u{202E}fdp.exe" look like "invoiceexe.pdf"), zero-width
/// characters, and separators that break a line.
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{0000}'..='\u{0008}' | '\u{000B}' | '\u{000C}' | '\u{000E}'..='\u{001F}'
        | '\u{007F}'..='\u{009F}'
        | '\u{061C}'            // Arabic letter mark
        | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2069}' // word joiner, invisible operators, isolates
        | '\u{FEFF}'            // byte order mark
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
    )
}

fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

/// The extension of the raw last part (".pdf"), if it is short and plain.
fn extension_of(last: &str) -> String {
    match last.rfind('.') {
        Some(dot) => {
            let ext = &last[dot..];
            let plain = ext.chars().skip(1).all(char::is_alphanumeric);
            if plain && ext.chars().count() <= MAX_EXTENSION_CHARS && ext.len() > 1 {
                ext.to_owned()
            } else {
                String::new()
            }
        }
        None => String::new(),
    }
}

/// Cuts `name` to `MAX_NAME_CHARS`, keeping its extension after an ellipsis.
fn shorten(name: &str, extension: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    // The extension comes from the raw name: a very long name was cut before
    // its end was read.
    let head_chars = MAX_NAME_CHARS - 1 - extension.chars().count();
    let head: String = name.chars().take(head_chars).collect();
    format!("{}…{extension}", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(raw: &str) -> String {
        DisplayName::sanitise(raw).into_string()
    }

    #[test]
    fn an_ordinary_name_is_kept_as_it_is() {
        assert_eq!(shown("Holiday photo (2).JPG"), "Holiday photo (2).JPG");
        assert_eq!(shown("résumé – 2024.pdf"), "résumé – 2024.pdf");
        assert_eq!(shown("日本語のファイル.txt"), "日本語のファイル.txt");
    }

    #[test]
    fn path_parts_and_dot_dot_are_gone() {
        assert_eq!(shown("../../etc/passwd"), "passwd");
        assert_eq!(shown("..\\..\\Windows\\win.ini"), "win.ini");
        assert_eq!(shown("C:\\Users\\ann\\report.docx"), "report.docx");
        assert_eq!(shown("/var/www/"), "file");
        assert_eq!(shown(".."), "file");
        assert_eq!(shown("../"), "file");
        assert_eq!(shown("...."), "file");
        assert_eq!(shown(".bashrc"), "bashrc");
    }

    #[test]
    fn nul_and_control_characters_are_removed() {
        assert_eq!(shown("evil\0.png"), "evil.png");
        assert_eq!(shown("a\u{1b}[31mred.txt"), "a[31mred.txt");
        assert_eq!(shown("\u{7f}del\u{85}.txt"), "del.txt");
    }

    #[test]
    fn line_breaks_become_one_space_so_no_header_can_be_injected() {
        assert_eq!(
            shown("a\r\nSet-Cookie: x=1\r\n.txt"),
            "a Set-Cookie: x=1 .txt"
        );
        assert_eq!(shown("tab\there.txt"), "tab here.txt");
        assert_eq!(shown("  \n  "), "file");
    }

    #[test]
    fn bidi_overrides_and_isolates_are_neutralised() {
        // Shown as "invoiceexe.pdf" by a renderer that obeys U+202E.
        assert_eq!(shown("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(
            shown("\u{2067}a\u{2069}\u{200F}b\u{061C}\u{200B}.txt"),
            "ab.txt"
        );
        // Right-to-left text itself stays: only the controls go.
        assert_eq!(shown("\u{202B}שלום.txt\u{202C}"), "שלום.txt");
    }

    #[test]
    fn a_ten_thousand_character_name_is_cut_and_keeps_its_extension() {
        let long = format!("{}.pdf", "a".repeat(10_000));
        let name = shown(&long);
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("a….pdf"), "{name}");
        // Multi-byte characters are cut on a character boundary.
        let wide = "€".repeat(10_000);
        assert_eq!(shown(&wide).chars().count(), MAX_NAME_CHARS);
        assert!(shown(&wide).ends_with('…'));
    }

    #[test]
    fn a_long_or_odd_extension_is_not_kept_whole() {
        let odd = format!("{}.{}", "b".repeat(300), "x".repeat(100));
        let name = shown(&odd);
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with('…'), "{name}");
    }

    proptest::proptest! {
        #[test]
        fn sanitising_a_sanitised_name_changes_nothing(raw in proptest::prelude::any::<String>()) {
            let once = DisplayName::sanitise(&raw);
            proptest::prop_assert_eq!(DisplayName::sanitise(once.as_str()), once);
        }
    }

    #[test]
    fn every_name_stays_in_bounds_and_free_of_controls() {
        for raw in [
            "\u{202E}\u{202E}\u{202E}",
            "\0\0\0",
            &"/".repeat(5000),
            &"\r\n".repeat(5000),
            &"x\u{200B}".repeat(20_000),
        ] {
            let name = shown(raw);
            assert!(!name.is_empty());
            assert!(name.chars().count() <= MAX_NAME_CHARS);
            assert!(!name
                .chars()
                .any(|c| c.is_control() || is_invisible_control(c)));
            assert!(!name.contains(['/', '\\']));
        }
    }
}
