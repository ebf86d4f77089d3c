//! Name-scope arithmetic, exactly as TensorFlow 2.21 does it (spec EXP-SCOPE-1
//! to EXP-SCOPE-7), for portable scopes.
//!
//! TensorFlow tests membership with a plain string prefix but strips and
//! prepends with regular expressions built from the unescaped scope. For a
//! portable scope (EXP-SCOPE-4: literals, `.` and escapes of non-alphanumerics)
//! those expressions reduce to the token matching of EXP-SCOPE-5 and the
//! template of EXP-SCOPE-6; any other scope is declined before the export
//! starts (EXP-SCOPE-7), since only Python's `re` defines it.

use crate::error::{ExportError, Failure};

pub const UNBOUND_INPUT_PREFIX: &str = "$unbound_inputs_";

const SPECIAL: &str = "\\.^$*+?{}[]|()";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    Wildcard,
}

/// What prepend puts before a name: either the text of `L(S′)`, or an octal
/// character that swallows the name's own `^` / `loc:@` (EXP-SCOPE-6).
#[derive(Debug, Clone)]
enum Template {
    Plain(String),
    Octal(String),
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct Scope {
    text: Option<String>,
    tokens: Vec<Token>,
    template: Template,
}

impl Scope {
    /// The scope of an export; `Unsupported` for a non-portable one.
    pub fn new(text: Option<String>) -> Result<Scope, Failure> {
        let mut scope = Scope {
            text,
            tokens: Vec::new(),
            template: Template::Plain(String::new()),
        };
        let Some(text) = scope.text.as_deref().filter(|t| !t.is_empty()) else {
            return Ok(scope);
        };
        let trimmed = text.strip_suffix('/').unwrap_or(text);
        let (tokens, literal) = tokenize(trimmed).ok_or_else(|| {
            Failure::Unsupported(format!(
                "export_scope {} is not portable (spec EXP-SCOPE-4): its meaning depends on \
                 Python's regular expressions",
                crate::error::py_repr(text)
            ))
        })?;
        scope.tokens = tokens;
        let mut chars = trimmed.chars();
        scope.template = match (chars.next(), chars.next()) {
            (Some(d0 @ '0'..='7'), Some(d1 @ '0'..='7')) => {
                let code = 64 + 8 * (d0 as u32 - '0' as u32) + (d1 as u32 - '0' as u32);
                let rest: String = trimmed.chars().skip(2).collect();
                let (_, rest_literal) = tokenize(&rest).expect("a suffix of a portable scope");
                let mut out = String::new();
                out.push(char::from_u32(code).expect("an ASCII code point"));
                out.push_str(&rest_literal);
                Template::Octal(out)
            }
            (Some(d0 @ '0'..='9'), _) => {
                Template::Invalid(format!("invalid group reference 1{d0}"))
            }
            _ => Template::Plain(literal),
        };
        Ok(scope)
    }

    /// The scope text S as given (None when absent).
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// S is non-empty.
    pub fn is_set(&self) -> bool {
        self.text.as_deref().is_some_and(|t| !t.is_empty())
    }

    /// S is given, possibly empty.
    pub fn is_given(&self) -> bool {
        self.text.is_some()
    }

    /// The inclusion test's prefix part: no scope includes everything (EXP-SCOPE-2).
    pub fn contains(&self, name: &str) -> bool {
        match self.text.as_deref() {
            None => true,
            Some(text) => name.starts_with(text),
        }
    }

    /// `name.startswith(S)` with S given; true when S is absent.
    pub fn prefix_of(&self, name: &str) -> bool {
        self.contains(name)
    }

    /// TensorFlow's `strip_name_scope` (EXP-SCOPE-3, EXP-SCOPE-5).
    pub fn strip(&self, name: &str) -> String {
        if !self.is_set() {
            return name.to_string();
        }
        let bytes = name.as_bytes();
        for p in 0..=bytes.len() {
            if bytes.get(p) == Some(&b'^') {
                if let Some(r) = self.match_at(name, p + 1) {
                    return [&name[..p], "^", &name[r..]].concat();
                }
            }
            if bytes[p..].starts_with(b"loc:@") {
                if let Some(r) = self.match_at(name, p + 5) {
                    return [&name[..p], "loc:@", &name[r..]].concat();
                }
            }
            if p == 0 {
                if let Some(r) = self.match_at(name, 0) {
                    return name[r..].to_string();
                }
            }
        }
        name.to_string()
    }

    /// The tokens of S′ match `name[q..]`, followed by a run of `/`: the end of that run.
    fn match_at(&self, name: &str, q: usize) -> Option<usize> {
        let mut chars = name[q..].char_indices();
        for token in &self.tokens {
            let (_, ch) = chars.next()?;
            let ok = match token {
                Token::Literal(c) => *c == ch,
                Token::Wildcard => ch != '\n',
            };
            if !ok {
                return None;
            }
        }
        let rest_start = chars.next().map(|(i, c)| (q + i, c));
        let (slash, ch) = rest_start?;
        if ch != '/' {
            return None;
        }
        let after = &name[slash..];
        Some(slash + (after.len() - after.trim_start_matches('/').len()))
    }

    /// TensorFlow's `prepend_name_scope` with this scope (EXP-SCOPE-6).
    pub fn prepend(&self, name: &str) -> Result<String, ExportError> {
        if !self.is_set() {
            return Ok(name.to_string());
        }
        match &self.template {
            Template::Invalid(reason) => Err(ExportError::invalid(
                "export_scope",
                format!("is used as a regular expression and is not a valid one ({reason})"),
            )),
            Template::Plain(literal) => Ok(substitute_lines(name, true, |group, rest| {
                format!("{group}{literal}/{rest}")
            })),
            Template::Octal(prefix) => Ok(substitute_lines(name, true, |_, rest| {
                format!("{prefix}/{rest}")
            })),
        }
    }
}

/// S′ as tokens and as `L(S′)`, or None if it is not portable (EXP-SCOPE-4).
fn tokenize(text: &str) -> Option<(Vec<Token>, String)> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            let escaped = chars.next()?;
            if escaped.is_ascii_alphanumeric() {
                return None;
            }
            tokens.push(Token::Literal(escaped));
            // Template syntax: only `\\` collapses (EXP-SCOPE-6).
            if escaped == '\\' {
                literal.push('\\');
            } else {
                literal.push('\\');
                literal.push(escaped);
            }
        } else if ch == '.' {
            tokens.push(Token::Wildcard);
            literal.push('.');
        } else if SPECIAL.contains(ch) {
            return None;
        } else {
            tokens.push(Token::Literal(ch));
            literal.push(ch);
        }
    }
    Some((tokens, literal))
}

/// Python's `re.sub(r"([\^]|loc:@|^)(.*)", f, name)` (with `loc`; else
/// `(\^|^)([^\n]*)`): the first match at the start, then one at each later
/// `^` (or `loc:@`) beyond a line break; each match runs to the line's end.
fn substitute_lines(name: &str, loc: bool, f: impl Fn(&str, &str) -> String) -> String {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len() + 16);
    let mut pos = 0;
    let mut search = 0;
    let mut first = true;
    while search <= bytes.len() {
        let group_len = if bytes.get(search) == Some(&b'^') {
            Some(1)
        } else if loc && bytes[search..].starts_with(b"loc:@") {
            Some(5)
        } else if first && search == 0 {
            Some(0)
        } else {
            None
        };
        let Some(group_len) = group_len else {
            search += 1;
            continue;
        };
        first = false;
        let group_end = search + group_len;
        let end = name[group_end..]
            .find('\n')
            .map_or(bytes.len(), |i| group_end + i);
        out.push_str(&name[pos..search]);
        out.push_str(&f(&name[search..group_end], &name[group_end..end]));
        pos = end;
        search = if end == search { end + 1 } else { end };
    }
    out.push_str(&name[pos..]);
    out
}

/// Marks an input that leaves the scope (EXP-SCOPE-10).
pub fn mark_unbound(name: &str) -> String {
    if !name.contains('\n') {
        return match name.strip_prefix('^') {
            Some(rest) => ["^", UNBOUND_INPUT_PREFIX, rest].concat(),
            None => [UNBOUND_INPUT_PREFIX, name].concat(),
        };
    }
    substitute_lines(name, false, |group, rest| {
        format!("{group}{UNBOUND_INPUT_PREFIX}{rest}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(text: &str) -> Scope {
        Scope::new(Some(text.to_string())).unwrap()
    }

    #[test]
    fn strip_examples_of_the_spec() {
        assert_eq!(scope("a.b").strip("aXb/c"), "c");
        assert_eq!(scope("s/").strip("s//x"), "x");
        assert_eq!(scope("s").strip("s"), "s");
        assert_eq!(scope("s").strip("x^s/y"), "x^y");
        assert_eq!(scope("s").strip("loc:@s/y"), "loc:@y");
        assert_eq!(scope("s").strip("s_1/x"), "s_1/x");
        assert_eq!(scope("m").strip("^m/y"), "^y");
        assert_eq!(scope("/").strip("/x"), "x");
        assert_eq!(scope("/").strip("//x"), "//x".trim_start_matches('/'));
    }

    #[test]
    fn prepend_examples_of_the_spec() {
        assert_eq!(scope("m/").prepend("a").unwrap(), "m/a");
        assert!(scope("0abc").prepend("a").is_err());
        assert_eq!(scope("00x").prepend("y").unwrap(), "@x/y");
        assert_eq!(scope("m").prepend("^a").unwrap(), "^m/a");
        assert_eq!(scope("m").prepend("loc:@a").unwrap(), "loc:@m/a");
        assert_eq!(scope("a\\\\b").prepend("x").unwrap(), "a\\b/x");
        assert_eq!(scope("a\\-b").prepend("x").unwrap(), "a\\-b/x");
    }

    #[test]
    fn unbound_marks() {
        assert_eq!(mark_unbound("o/x"), "$unbound_inputs_o/x");
        assert_eq!(mark_unbound("^o/y"), "^$unbound_inputs_o/y");
        assert_eq!(mark_unbound("^^o"), "^$unbound_inputs_^o");
        assert_eq!(
            mark_unbound("a\nb^c"),
            "$unbound_inputs_a\nb^$unbound_inputs_c"
        );
    }

    #[test]
    fn non_portable_scopes_are_declined() {
        for text in ["a(", "a\\d", "x*", "a\\"] {
            assert!(matches!(
                Scope::new(Some(text.to_string())),
                Err(Failure::Unsupported(_))
            ));
        }
        assert!(Scope::new(Some("a\\.b/".to_string())).is_ok());
    }
}
