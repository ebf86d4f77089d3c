//! Generates `canon.rs`: for every message, `impl Canon` with the canonical
//! binary encoding (spec EXP-ENC-1 to EXP-ENC-6) and the text format
//! (EXP-ENC-7 to EXP-ENC-16), walking the prost structs field by field.

use std::collections::BTreeMap;
use std::fmt::Write;

use heck::{ToSnakeCase, ToUpperCamelCase};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet};

struct MessageInfo<'a> {
    rust_path: String,
    descriptor: &'a DescriptorProto,
    proto3: bool,
}

struct Index<'a> {
    messages: BTreeMap<String, MessageInfo<'a>>,
    enums: BTreeMap<String, &'a EnumDescriptorProto>,
}

// Rust's keywords, which prost-build escapes as raw identifiers, and those it
// cannot, which get a trailing underscore.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];
const UNRAW: &[&str] = &["self", "super", "crate", "extern"];

fn snake(name: &str) -> String {
    let ident = name.to_snake_case();
    if UNRAW.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

fn camel(name: &str) -> String {
    let ident = name.to_upper_camel_case();
    if ident == "Self" {
        "Self_".to_string()
    } else {
        ident
    }
}

fn module_path(package: &str) -> String {
    let mut path = String::from("crate::gen");
    for part in package.split('.').filter(|p| !p.is_empty()) {
        path.push_str("::");
        path.push_str(&snake(part));
    }
    path
}

fn index(set: &FileDescriptorSet) -> Index<'_> {
    let mut index = Index {
        messages: BTreeMap::new(),
        enums: BTreeMap::new(),
    };
    for file in &set.file {
        let package = file.package();
        let proto3 = file.syntax() == "proto3";
        let module = module_path(package);
        let prefix = if package.is_empty() {
            String::new()
        } else {
            format!(".{package}")
        };
        for message in &file.message_type {
            add_message(&mut index, message, &prefix, &module, proto3);
        }
        for enumeration in &file.enum_type {
            index
                .enums
                .insert(format!("{prefix}.{}", enumeration.name()), enumeration);
        }
    }
    index
}

fn add_message<'a>(
    index: &mut Index<'a>,
    message: &'a DescriptorProto,
    prefix: &str,
    module: &str,
    proto3: bool,
) {
    let full = format!("{prefix}.{}", message.name());
    let rust_path = format!("{module}::{}", camel(message.name()));
    let inner = format!("{module}::{}", snake(message.name()));
    for nested in &message.nested_type {
        add_message(index, nested, &full, &inner, proto3);
    }
    for enumeration in &message.enum_type {
        index
            .enums
            .insert(format!("{full}.{}", enumeration.name()), enumeration);
    }
    index.messages.insert(
        full,
        MessageInfo {
            rust_path,
            descriptor: message,
            proto3,
        },
    );
}

fn is_map_entry(message: &DescriptorProto) -> bool {
    message.options.as_ref().is_some_and(|o| o.map_entry())
}

fn enum_fn(full: &str) -> String {
    format!("enum_name{}", full.replace('.', "_"))
}

fn tag(number: i32, wire: u32) -> Vec<u8> {
    let mut value = ((number as u64) << 3) | wire as u64;
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

fn tag_literal(number: i32, wire: u32) -> String {
    let bytes = tag(number, wire);
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b}")).collect();
    format!("&[{}]", parts.join(", "))
}

fn wire_type(ty: Type) -> u32 {
    match ty {
        Type::Double | Type::Fixed64 | Type::Sfixed64 => 1,
        Type::Float | Type::Fixed32 | Type::Sfixed32 => 5,
        Type::String | Type::Bytes | Type::Message | Type::Group => 2,
        _ => 0,
    }
}

/// The encoded length of the scalar `*v` (v a reference), without its tag.
fn scalar_len(ty: Type, v: &str) -> String {
    match ty {
        Type::Int32 | Type::Enum => format!("vlen(*{v} as i64 as u64)"),
        Type::Int64 => format!("vlen(*{v} as u64)"),
        Type::Uint32 => format!("vlen(*{v} as u64)"),
        Type::Uint64 => format!("vlen(*{v})"),
        Type::Sint32 => format!("vlen(zigzag(*{v} as i64))"),
        Type::Sint64 => format!("vlen(zigzag(*{v}))"),
        Type::Bool => "1".to_string(),
        Type::Fixed32 | Type::Sfixed32 | Type::Float => "4".to_string(),
        Type::Fixed64 | Type::Sfixed64 | Type::Double => "8".to_string(),
        Type::String | Type::Bytes => format!("ldlen({v}.len() as u64)"),
        Type::Message | Type::Group => unreachable!(),
    }
}

fn scalar_put(ty: Type, v: &str) -> String {
    match ty {
        Type::Int32 | Type::Enum => format!("put_varint(b, *{v} as i64 as u64);"),
        Type::Int64 => format!("put_varint(b, *{v} as u64);"),
        Type::Uint32 => format!("put_varint(b, *{v} as u64);"),
        Type::Uint64 => format!("put_varint(b, *{v});"),
        Type::Sint32 => format!("put_varint(b, zigzag(*{v} as i64));"),
        Type::Sint64 => format!("put_varint(b, zigzag(*{v}));"),
        Type::Bool => format!("b.push(*{v} as u8);"),
        Type::Fixed32
        | Type::Sfixed32
        | Type::Float
        | Type::Fixed64
        | Type::Sfixed64
        | Type::Double => format!("b.extend_from_slice(&{v}.to_le_bytes());"),
        Type::String => {
            format!("put_varint(b, {v}.len() as u64); b.extend_from_slice({v}.as_bytes());")
        }
        Type::Bytes => format!("put_varint(b, {v}.len() as u64); b.extend_from_slice({v});"),
        Type::Message | Type::Group => unreachable!(),
    }
}

/// Whether the proto3 implicit-presence scalar `*v` differs from its default;
/// floats by their bits, so -0.0 is written (as upb does).
fn nonzero(ty: Type, v: &str) -> String {
    match ty {
        Type::Bool => format!("*{v}"),
        Type::Float | Type::Double => format!("{v}.to_bits() != 0"),
        Type::String | Type::Bytes => format!("!{v}.is_empty()"),
        _ => format!("*{v} != 0"),
    }
}

fn text_call(index: &Index, field: &FieldDescriptorProto, name: &str, v: &str) -> String {
    match field.r#type() {
        Type::Int32
        | Type::Sint32
        | Type::Sfixed32
        | Type::Int64
        | Type::Sint64
        | Type::Sfixed64 => {
            format!("p.int({name:?}, *{v} as i64);")
        }
        Type::Uint32 | Type::Fixed32 | Type::Uint64 | Type::Fixed64 => {
            format!("p.uint({name:?}, *{v} as u64);")
        }
        Type::Bool => format!("p.boolean({name:?}, *{v});"),
        Type::Float => format!("p.float({name:?}, *{v});"),
        Type::Double => format!("p.double({name:?}, *{v});"),
        Type::String => format!("p.string({name:?}, {v});"),
        Type::Bytes => format!("p.bytes({name:?}, {v});"),
        Type::Enum => {
            let full = field.type_name();
            assert!(index.enums.contains_key(full), "unknown enum {full}");
            format!("p.enumeration({name:?}, *{v}, {});", enum_fn(full))
        }
        Type::Message | Type::Group => {
            format!("p.open({name:?}); {v}.text(p)?; p.close();")
        }
    }
}

struct Field<'a> {
    descriptor: &'a FieldDescriptorProto,
    /// The oneof's Rust enum and variant, for a member of a real oneof.
    oneof: Option<(String, String, String)>,
}

pub fn generate(set: &FileDescriptorSet) -> String {
    let index = index(set);
    let mut out = String::new();
    out.push_str(
        "// @generated by `cargo run -p xtask -- codegen` from proto/; do not edit.\n\
         // The canonical binary encoding and the text format of every message.\n\
         #![allow(clippy::all, clippy::pedantic, unused_variables, unused_mut, deprecated, non_snake_case)]\n\n\
         use crate::canon::{Canon, Sink, put_varint, vlen, ldlen, zigzag, sorted_string_map, ascending_string_map, upb_order};\n\
         use crate::text::{Printer, TextError};\n\n",
    );
    for (full, enumeration) in &index.enums {
        let _ = writeln!(
            out,
            "fn {}(value: i32) -> Option<&'static str> {{",
            enum_fn(full)
        );
        out.push_str("    match value {\n");
        let mut seen = std::collections::BTreeSet::new();
        for value in &enumeration.value {
            if seen.insert(value.number()) {
                let _ = writeln!(
                    out,
                    "        {} => Some({:?}),",
                    value.number(),
                    value.name()
                );
            }
        }
        out.push_str("        _ => None,\n    }\n}\n\n");
    }
    for (full, info) in &index.messages {
        if is_map_entry(info.descriptor) {
            continue;
        }
        generate_message(&index, full, info, &mut out);
    }
    // Any expansion: the known types by full name (spec EXP-ENC-16).
    out.push_str(
        "/// Prints `value` decoded as the message type `type_name`, if that type is known.\n\
         pub fn print_packed(type_name: &str, value: &[u8], p: &mut Printer) -> Option<Result<(), TextError>> {\n    match type_name {\n",
    );
    for (full, info) in &index.messages {
        if is_map_entry(info.descriptor) {
            continue;
        }
        let _ = writeln!(
            out,
            "        {:?} => Some(crate::text::print_decoded::<{}>(value, p)),",
            &full[1..],
            info.rust_path
        );
    }
    out.push_str("        _ => None,\n    }\n}\n");
    out
}

fn generate_message(index: &Index, full: &str, info: &MessageInfo, out: &mut String) {
    let message = info.descriptor;
    let mut fields: Vec<Field> = Vec::new();
    let module = {
        let (module, _) = info.rust_path.rsplit_once("::").unwrap();
        format!("{module}::{}", snake(message.name()))
    };
    for field in &message.field {
        let oneof = match field.oneof_index {
            Some(i) if !field.proto3_optional() => {
                let decl = &message.oneof_decl[i as usize];
                Some((
                    snake(decl.name()),
                    format!("{module}::{}", camel(decl.name())),
                    camel(field.name()),
                ))
            }
            _ => None,
        };
        fields.push(Field {
            descriptor: field,
            oneof,
        });
    }
    fields.sort_by_key(|f| f.descriptor.number());

    let mut len = String::new();
    let mut enc = String::new();
    let mut txt = String::new();
    if full == ".google.protobuf.Any" {
        // A packed message of a known type is printed expanded (EXP-ENC-16).
        txt.push_str("        if crate::text::print_any(&self.type_url, &self.value, p)? { return Ok(()); }\n");
    }
    for field in &fields {
        emit_field(index, full, info, field, &mut len, &mut enc, &mut txt);
    }
    let _ = write!(
        out,
        "impl Canon for {path} {{\n\
         \x20   fn canon_len(&self, s: &mut Vec<u32>) -> u64 {{\n\
         \x20       let slot = s.len();\n\
         \x20       s.push(0);\n\
         \x20       let mut n: u64 = 0;\n{len}\
         \x20       s[slot] = n.min(u32::MAX as u64) as u32;\n\
         \x20       n\n\
         \x20   }}\n\
         \x20   fn canon_encode(&self, s: &[u32], c: &mut usize, b: &mut Sink<'_>) {{\n\
         \x20       *c += 1;\n{enc}\
         \x20   }}\n\
         \x20   fn text(&self, p: &mut Printer) -> Result<(), TextError> {{\n{txt}\
         \x20       Ok(())\n\
         \x20   }}\n\
         }}\n\n",
        path = info.rust_path
    );
}

fn emit_field(
    index: &Index,
    full: &str,
    info: &MessageInfo,
    field: &Field,
    len: &mut String,
    enc: &mut String,
    txt: &mut String,
) {
    let d = field.descriptor;
    let name = d.name();
    let ty = d.r#type();
    let number = d.number();
    let access = format!("self.{}", snake(name));
    let repeated = d.label() == Label::Repeated;
    let is_message = matches!(ty, Type::Message | Type::Group);

    // Maps.
    if repeated && is_message {
        if let Some(entry) = index.messages.get(d.type_name()) {
            if is_map_entry(entry.descriptor) {
                emit_map(index, info, entry, d, &access, len, enc, txt);
                return;
            }
        }
    }
    let tag_bytes = tag_literal(number, wire_type(ty));
    let tag_len = tag(number, wire_type(ty)).len();
    if repeated {
        let packed = !is_message
            && ty != Type::String
            && ty != Type::Bytes
            && d.options
                .as_ref()
                .and_then(|o| o.packed)
                .unwrap_or(info.proto3);
        if packed {
            let ptag = tag_literal(number, 2);
            let ptag_len = tag(number, 2).len();
            let body = match ty {
                Type::Bool => format!("{access}.len() as u64"),
                Type::Fixed32 | Type::Sfixed32 | Type::Float => {
                    format!("{access}.len() as u64 * 4")
                }
                Type::Fixed64 | Type::Sfixed64 | Type::Double => {
                    format!("{access}.len() as u64 * 8")
                }
                _ => format!(
                    "{access}.iter().map(|v| {}).sum::<u64>()",
                    scalar_len(ty, "v")
                ),
            };
            let _ = writeln!(
                len,
                "        if !{access}.is_empty() {{ let body = {body}; n += {ptag_len} + ldlen(body); }}"
            );
            let _ = writeln!(
                enc,
                "        if !{access}.is_empty() {{ let body = {body}; b.extend_from_slice({ptag}); put_varint(b, body); for v in &{access} {{ {} }} }}",
                scalar_put(ty, "v")
            );
        } else if is_message {
            let _ = writeln!(
                len,
                "        for v in &{access} {{ n += {tag_len} + ldlen(v.canon_len(s)); }}"
            );
            let _ = writeln!(
                enc,
                "        for v in &{access} {{ b.extend_from_slice({tag_bytes}); put_varint(b, s[*c] as u64); v.canon_encode(s, c, b); }}"
            );
        } else {
            let _ = writeln!(
                len,
                "        for v in &{access} {{ n += {tag_len} + {}; }}",
                scalar_len(ty, "v")
            );
            let _ = writeln!(
                enc,
                "        for v in &{access} {{ b.extend_from_slice({tag_bytes}); {} }}",
                scalar_put(ty, "v")
            );
        }
        let _ = writeln!(
            txt,
            "        for v in &{access} {{ {} }}",
            text_call(index, d, name, "v")
        );
        return;
    }

    // Singular: how to bind `v` (a reference) when the field is present.
    let binding = if let Some((oneof_field, oneof_enum, variant)) = &field.oneof {
        format!("if let Some({oneof_enum}::{variant}(v)) = &self.{oneof_field}")
    } else if is_message || d.proto3_optional() || (!info.proto3 && d.label() == Label::Optional) {
        format!("if let Some(v) = &{access}")
    } else if !info.proto3 && d.label() == Label::Required {
        format!("if let Some(v) = Some(&{access})")
    } else {
        format!("let v = &{access}; if {}", nonzero(ty, "v"))
    };
    let _ = full;
    if is_message {
        let _ = writeln!(
            len,
            "        {binding} {{ n += {tag_len} + ldlen(v.canon_len(s)); }}"
        );
        let _ = writeln!(
            enc,
            "        {binding} {{ b.extend_from_slice({tag_bytes}); put_varint(b, s[*c] as u64); v.canon_encode(s, c, b); }}"
        );
    } else {
        let _ = writeln!(
            len,
            "        {binding} {{ n += {tag_len} + {}; }}",
            scalar_len(ty, "v")
        );
        let _ = writeln!(
            enc,
            "        {binding} {{ b.extend_from_slice({tag_bytes}); {} }}",
            scalar_put(ty, "v")
        );
    }
    let _ = writeln!(
        txt,
        "        {binding} {{ {} }}",
        text_call(index, d, name, "v")
    );
}

#[allow(clippy::too_many_arguments)]
fn emit_map(
    index: &Index,
    info: &MessageInfo,
    entry: &MessageInfo,
    d: &FieldDescriptorProto,
    access: &str,
    len: &mut String,
    enc: &mut String,
    txt: &mut String,
) {
    let key = entry
        .descriptor
        .field
        .iter()
        .find(|f| f.number() == 1)
        .unwrap();
    let value = entry
        .descriptor
        .field
        .iter()
        .find(|f| f.number() == 2)
        .unwrap();
    let kt = key.r#type();
    let vt = value.r#type();
    let tag_bytes = tag_literal(d.number(), 2);
    let tag_len = tag(d.number(), 2).len();
    // upb's deterministic order: string keys by bytes, a prefix after the
    // longer key; integer keys descending (spec EXP-ENC-5).
    let hashed = d.type_name().starts_with(".metagraph_export.snapshot.")
        || d.type_name() == ".tensorflow.NodeDef.AttrEntry";
    let iter = if kt == Type::String && hashed {
        format!("sorted_string_map(&{access})")
    } else if kt == Type::String {
        format!("upb_order(&{access})")
    } else {
        format!("{access}.iter().rev()")
    };
    let key_len = format!("1 + {}", scalar_len(kt, "k"));
    let value_is_message = matches!(vt, Type::Message | Type::Group);
    let value_len = if value_is_message {
        "1 + ldlen(v.canon_len(s))".to_string()
    } else {
        format!("1 + {}", scalar_len(vt, "v"))
    };
    let _ = writeln!(
        len,
        "        for (k, v) in {iter} {{ let e = {key_len} + {value_len}; n += {tag_len} + ldlen(e); }}"
    );
    // The entry's length needs the value's, which the first pass cached.
    let value_put = if value_is_message {
        "b.push(18); put_varint(b, s[*c] as u64); v.canon_encode(s, c, b);".to_string()
    } else {
        format!(
            "b.extend_from_slice({}); {}",
            tag_literal(2, wire_type(vt)),
            scalar_put(vt, "v")
        )
    };
    let value_entry_len = if value_is_message {
        "1 + ldlen(s[*c] as u64)".to_string()
    } else {
        format!("1 + {}", scalar_len(vt, "v"))
    };
    let _ = writeln!(
        enc,
        "        for (k, v) in {iter} {{ let e = {key_len} + {value_entry_len}; b.extend_from_slice({tag_bytes}); put_varint(b, e); b.extend_from_slice({}); {} {value_put} }}",
        tag_literal(1, wire_type(kt)),
        scalar_put(kt, "k"),
    );
    // Text: ascending keys; proto3 entries omit default scalars (EXP-ENC-10).
    let name = d.name();
    let key_print = text_call(index, key, "key", "k");
    let value_print = text_call(index, value, "value", "v");
    let (key_stmt, value_stmt) = if info.proto3 {
        let key_stmt = format!("if {} {{ {key_print} }}", nonzero(kt, "k"));
        let value_stmt = if value_is_message {
            value_print
        } else {
            format!("if {} {{ {value_print} }}", nonzero(vt, "v"))
        };
        (key_stmt, value_stmt)
    } else {
        (key_print, value_print)
    };
    // A BTreeMap iterates in ascending order already.
    let text_iter = if kt == Type::String && hashed {
        format!("ascending_string_map(&{access})")
    } else {
        format!("{access}.iter()")
    };
    let _ = writeln!(
        txt,
        "        for (k, v) in {text_iter} {{ p.open({name:?}); {key_stmt} {value_stmt} p.close(); }}"
    );
}
