//! Text format, as Python protobuf 7.36's `text_format.MessageToString` prints
//! it (spec EXP-ENC-7 to EXP-ENC-16): two-space indentation, `as_utf8`
//! strings, Python's `repr` for doubles, the shortest round-tripping `%g`
//! for floats, and packed `Any` messages of known types expanded.

use std::fmt;

use crate::canon::Canon;

/// An `Any` whose value does not decode as its type (spec EXP-ERR-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub type_url: String,
    pub reason: String,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an Any of type {:?} holds a value that does not decode: {}",
            self.type_url, self.reason
        )
    }
}

#[derive(Default)]
pub struct Printer {
    out: Vec<u8>,
    indent: usize,
}

impl Printer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    fn start(&mut self, name: &str) {
        self.out.resize(self.out.len() + self.indent, b' ');
        self.out.extend_from_slice(name.as_bytes());
    }

    fn scalar(&mut self, name: &str, value: &str) {
        self.start(name);
        self.out.extend_from_slice(b": ");
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'\n');
    }

    pub fn open(&mut self, name: &str) {
        self.start(name);
        self.out.extend_from_slice(b" {\n");
        self.indent += 2;
    }

    pub fn close(&mut self) {
        self.indent -= 2;
        self.out.resize(self.out.len() + self.indent, b' ');
        self.out.extend_from_slice(b"}\n");
    }

    pub fn int(&mut self, name: &str, value: i64) {
        self.scalar(name, &value.to_string());
    }

    pub fn uint(&mut self, name: &str, value: u64) {
        self.scalar(name, &value.to_string());
    }

    pub fn boolean(&mut self, name: &str, value: bool) {
        self.scalar(name, if value { "true" } else { "false" });
    }

    pub fn float(&mut self, name: &str, value: f32) {
        self.scalar(name, &format_float(value));
    }

    pub fn double(&mut self, name: &str, value: f64) {
        self.scalar(name, &format_double(value));
    }

    pub fn enumeration(&mut self, name: &str, value: i32, names: fn(i32) -> Option<&'static str>) {
        match names(value) {
            Some(label) => self.scalar(name, label),
            None => self.int(name, value as i64),
        }
    }

    pub fn string(&mut self, name: &str, value: &str) {
        self.start(name);
        self.out.extend_from_slice(b": \"");
        for ch in value.chars() {
            match ch {
                '\n' => self.out.extend_from_slice(b"\\n"),
                '\r' => self.out.extend_from_slice(b"\\r"),
                '\t' => self.out.extend_from_slice(b"\\t"),
                '"' => self.out.extend_from_slice(b"\\\""),
                '\'' => self.out.extend_from_slice(b"\\'"),
                '\\' => self.out.extend_from_slice(b"\\\\"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => octal(&mut self.out, c as u8),
                c => {
                    let mut utf8 = [0u8; 4];
                    self.out
                        .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
        }
        self.out.extend_from_slice(b"\"\n");
    }

    pub fn bytes(&mut self, name: &str, value: &[u8]) {
        self.start(name);
        self.out.extend_from_slice(b": \"");
        for &byte in value {
            match byte {
                b'\n' => self.out.extend_from_slice(b"\\n"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\'' => self.out.extend_from_slice(b"\\'"),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                0x20..=0x7e => self.out.push(byte),
                _ => octal(&mut self.out, byte),
            }
        }
        self.out.extend_from_slice(b"\"\n");
    }
}

fn octal(out: &mut Vec<u8>, byte: u8) {
    out.extend_from_slice(&[
        b'\\',
        b'0' + (byte >> 6),
        b'0' + ((byte >> 3) & 7),
        b'0' + (byte & 7),
    ]);
}

/// The text format of a whole message.
pub fn to_text<M: Canon + ?Sized>(message: &M) -> Result<Vec<u8>, TextError> {
    let mut printer = Printer::new();
    message.text(&mut printer)?;
    Ok(printer.finish())
}

/// Prints an `Any` expanded when its type is known; false when it is not
/// (then its own fields are printed).
pub fn print_any(type_url: &str, value: &[u8], p: &mut Printer) -> Result<bool, TextError> {
    let Some((_, type_name)) = type_url.rsplit_once('/') else {
        return Ok(false);
    };
    let mut inner = Printer {
        out: Vec::new(),
        indent: p.indent + 2,
    };
    match crate::gen_canon::print_packed(type_name, value, &mut inner) {
        None => Ok(false),
        Some(Err(mut error)) => {
            if error.type_url.is_empty() {
                error.type_url = type_url.to_string();
            }
            Err(error)
        }
        Some(Ok(())) => {
            p.start(&format!("[{type_url}]"));
            p.out.extend_from_slice(b" {\n");
            p.out.extend_from_slice(&inner.out);
            p.out.resize(p.out.len() + p.indent, b' ');
            p.out.extend_from_slice(b"}\n");
            Ok(true)
        }
    }
}

/// Decodes `value` as `M` and prints it.
pub fn print_decoded<M: prost::Message + Default + Canon>(
    value: &[u8],
    p: &mut Printer,
) -> Result<(), TextError> {
    let message = M::decode(value).map_err(|error| TextError {
        type_url: String::new(),
        reason: error.to_string(),
    })?;
    message.text(p)
}

/// Python's `repr` of a float (spec EXP-ENC-12).
pub fn format_double(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits.
    layout(&format!("{value:e}"))
}

/// Protobuf's float printing: the fewest significant digits, from 6 on, that
/// survive a round trip through binary64 then binary32 (spec EXP-ENC-13).
pub fn format_float(value: f32) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let wide = value as f64;
    for precision in 6..=17 {
        let text = format!("{:.*e}", precision - 1, wide);
        let parsed: f64 = text.parse().unwrap_or(f64::NAN);
        if parsed as f32 == value {
            return layout(&text);
        }
    }
    layout(&format!("{wide:e}"))
}

/// Lays out `d.ddde±x` as Python's `repr` and `%g` do: positional for
/// exponents from -4 to 15, scientific otherwise; trailing zeros dropped.
fn layout(scientific: &str) -> String {
    let (mantissa, exponent) = scientific.split_once('e').expect("scientific notation");
    let exponent: i32 = exponent.parse().expect("exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::from(sign);
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let point = exponent as usize + 1;
            if digits.len() <= point {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_as_python_repr() {
        for (value, text) in [
            (123456789.0, "123456789.0"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e-5, "1e-05"),
            (5e-324, "5e-324"),
            (1.2345678901234568e16, "1.2345678901234568e+16"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (100.0, "100.0"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(format_double(value), text);
        }
    }

    #[test]
    fn floats_as_protobuf() {
        for (value, text) in [
            (0.1f32, "0.1"),
            (1e-7, "1e-07"),
            (3.0, "3.0"),
            (1.0 / 3.0, "0.33333334"),
            (123456789.0, "123456790.0"),
            (1.1805916e21, "1.1805916e+21"),
            (f32::MAX, "3.4028235e+38"),
            (f32::INFINITY, "inf"),
            (-0.0, "-0.0"),
        ] {
            assert_eq!(format_float(value), text);
        }
    }

    #[test]
    fn escapes() {
        let mut p = Printer::new();
        p.string("s", "a\n\"'\\\u{1}\u{7f}ß");
        p.bytes("b", "é\u{1}".as_bytes());
        assert_eq!(
            String::from_utf8(p.finish()).unwrap(),
            "s: \"a\\n\\\"\\'\\\\\\001\\177ß\"\nb: \"\\303\\251\\001\"\n"
        );
    }
}
