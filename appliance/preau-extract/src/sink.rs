//! Where extracted text goes: whitespace-normalised and capped.

use crate::Extracted;

/// What separates the last character written from the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    Space,
    Line,
}

/// Collects text: runs of whitespace and control characters become one space, or one line
/// break when they hold one; leading and trailing whitespace is dropped; at most `max`
/// characters are kept, and trying to add one more sets `truncated`.
pub(crate) struct Sink {
    text: String,
    chars: usize,
    max: usize,
    gap: Gap,
    truncated: bool,
}

impl Sink {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            chars: 0,
            max,
            gap: Gap::None,
            truncated: false,
        }
    }

    /// Adds text; stops as soon as the cap is reached.
    pub(crate) fn push(&mut self, s: &str) {
        for c in s.chars() {
            if self.truncated {
                return;
            }
            self.push_char(c);
        }
    }

    pub(crate) fn push_char(&mut self, c: char) {
        match c {
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => self.line(),
            // Soft hyphens and zero-width characters are invisible inside words.
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            c if c.is_whitespace() || c.is_control() => self.space(),
            c => self.visible(c),
        }
    }

    /// A word boundary.
    pub(crate) fn space(&mut self) {
        self.gap = self.gap.max(Gap::Space);
    }

    /// A paragraph boundary.
    pub(crate) fn line(&mut self) {
        self.gap = Gap::Line;
    }

    fn visible(&mut self, c: char) {
        let gap = if self.text.is_empty() {
            None
        } else {
            match self.gap {
                Gap::None => None,
                Gap::Space => Some(' '),
                Gap::Line => Some('\n'),
            }
        };
        let needed = 1 + usize::from(gap.is_some());
        if self.chars + needed > self.max {
            self.truncated = true;
            return;
        }
        if let Some(g) = gap {
            self.text.push(g);
        }
        self.text.push(c);
        self.chars += needed;
        self.gap = Gap::None;
    }

    /// Whether the cap was hit: readers stop then.
    pub(crate) fn is_done(&self) -> bool {
        self.truncated
    }

    /// Whether any text was collected.
    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub(crate) fn finish(self) -> Extracted {
        Extracted {
            text: self.text,
            truncated: self.truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_whitespace() {
        let mut sink = Sink::new(100);
        sink.push("  Bonjour \t les\u{a0}élèves \r\n\r\n  de CM1  ");
        sink.line();
        sink.push("\u{0}fin");
        let out = sink.finish();
        assert_eq!(out.text, "Bonjour les élèves\nde CM1\nfin");
        assert!(!out.truncated);
    }

    #[test]
    fn caps_in_characters() {
        let mut sink = Sink::new(5);
        sink.push("éééé");
        assert!(!sink.is_done());
        sink.push("é é");
        assert!(sink.is_done());
        let out = sink.finish();
        assert_eq!(out.text, "ééééé");
        assert!(out.truncated);
    }

    #[test]
    fn exactly_full_is_not_truncated() {
        let mut sink = Sink::new(3);
        sink.push("abc   ");
        let out = sink.finish();
        assert_eq!(out.text, "abc");
        assert!(!out.truncated);
    }
}
