'use strict';
// Protocol buffer text format, parsed against protobufjs reflection.
//
// Covers what the conformance suite and the exporter's text output use:
// nested messages ({} or <>), repeated fields (one per line or [a, b]), maps
// as repeated entries, strings and bytes with C escapes (adjacent literals
// concatenated), integers (decimal, hex, octal), floats (inf, nan, f
// suffix), enums by name or number, booleans, comments, and expanded
// google.protobuf.Any values ([type.googleapis.com/pkg.Type] { ... }).
// parse() returns a protobufjs message; the caller's Root resolves Any types.

const protobuf = require('protobufjs');

class TextFormatError extends Error {}

const PUNCTUATION = new Set(['{', '}', '<', '>', '[', ']', ':', ',', ';', '/']);

function tokenize(text) {
  const tokens = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line += 1;
      i += 1;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i += 1;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i += 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c) {
        if (text[j] === '\\') j += 1;
        if (text[j] === '\n') throw new TextFormatError(`line ${line}: newline in a string`);
        j += 1;
      }
      if (j >= n) throw new TextFormatError(`line ${line}: unterminated string`);
      tokens.push({ kind: 'string', text: text.slice(i + 1, j), line });
      i = j + 1;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i += 1;
    } else {
      let j = i;
      while (j < n && /[A-Za-z0-9_.+\-]/.test(text[j])) j += 1;
      if (j === i) throw new TextFormatError(`line ${line}: unexpected character ${JSON.stringify(c)}`);
      tokens.push({ kind: 'word', text: text.slice(i, j), line });
      i = j;
    }
  }
  return tokens;
}

// The bytes a string literal's body stands for.
function unescape(body, line) {
  const out = [];
  const encoder = new TextEncoder();
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c !== '\\') {
      const code = body.codePointAt(i);
      const chunk = String.fromCodePoint(code);
      for (const b of encoder.encode(chunk)) out.push(b);
      i += chunk.length;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
    if (e in simple) {
      out.push(simple[e]);
    } else if (e >= '0' && e <= '7') {
      let digits = e;
      while (digits.length < 3 && i < body.length && body[i] >= '0' && body[i] <= '7') {
        digits += body[i];
        i += 1;
      }
      out.push(parseInt(digits, 8) & 0xff);
    } else if (e === 'x' || e === 'X') {
      let digits = '';
      while (digits.length < 2 && i < body.length && /[0-9A-Fa-f]/.test(body[i])) {
        digits += body[i];
        i += 1;
      }
      if (!digits) throw new TextFormatError(`line ${line}: \\x without digits`);
      out.push(parseInt(digits, 16));
    } else if (e === 'u' || e === 'U') {
      const length = e === 'u' ? 4 : 8;
      const digits = body.slice(i, i + length);
      if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length !== length) {
        throw new TextFormatError(`line ${line}: bad \\${e} escape`);
      }
      i += length;
      for (const b of encoder.encode(String.fromCodePoint(parseInt(digits, 16)))) out.push(b);
    } else {
      throw new TextFormatError(`line ${line}: unknown escape \\${e}`);
    }
  }
  return Buffer.from(out);
}

const INTEGER_TYPES = new Set([
  'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64',
]);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function parseInteger(word, type, line) {
  let text = word;
  let negative = false;
  if (text.startsWith('-')) {
    negative = true;
    text = text.slice(1);
  } else if (text.startsWith('+')) {
    text = text.slice(1);
  }
  let value;
  try {
    if (/^0[xX][0-9A-Fa-f]+$/.test(text)) value = BigInt(text);
    else if (/^0[0-7]+$/.test(text)) value = BigInt(`0o${text.slice(1)}`);
    else if (/^[0-9]+$/.test(text)) value = BigInt(text);
    else throw new Error();
  } catch {
    throw new TextFormatError(`line ${line}: ${JSON.stringify(word)} is not an integer`);
  }
  if (negative) value = -value;
  const unsigned = type.startsWith('uint') || type.startsWith('fixed');
  const bits = LONG_TYPES.has(type) ? 64n : 32n;
  const min = unsigned ? 0n : -(1n << (bits - 1n));
  const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
  if (value < min || value > max) {
    throw new TextFormatError(`line ${line}: ${word} is out of range for ${type}`);
  }
  if (LONG_TYPES.has(type)) return protobuf.util.Long.fromString(value.toString(), unsigned);
  return Number(value);
}

function parseFloatWord(word, line) {
  const lower = word.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const body = lower.replace(/^[-+]/, '');
  if (body === 'inf' || body === 'infinity' || body === 'inff' || body === 'infinityf') {
    return sign * Infinity;
  }
  if (body === 'nan' || body === 'nanf') return NaN;
  const text = /^[0-9.]+([eE][-+]?[0-9]+)?f$/.test(body) ? lower.slice(0, -1) : lower;
  if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text)) {
    if (/^[-+]?0[xX][0-9A-Fa-f]+$/.test(text)) return Number(BigInt(text.replace(/^[-+]/, ''))) * sign;
    throw new TextFormatError(`line ${line}: ${JSON.stringify(word)} is not a number`);
  }
  return Number(text);
}

class Parser {
  constructor(text, root) {
    this.tokens = tokenize(text);
    this.position = 0;
    this.root = root;
  }

  peek(offset = 0) {
    return this.tokens[this.position + offset];
  }

  next() {
    const token = this.tokens[this.position];
    if (token === undefined) throw new TextFormatError('unexpected end of text');
    this.position += 1;
    return token;
  }

  expect(text) {
    const token = this.next();
    if (token.text !== text || token.kind === 'string') {
      throw new TextFormatError(`line ${token.line}: expected ${text}, got ${token.text}`);
    }
    return token;
  }

  tryPunct(text) {
    const token = this.peek();
    if (token && token.kind === 'punct' && token.text === text) {
      this.position += 1;
      return true;
    }
    return false;
  }

  // Fields up to `end` (or the end of the text) into a new message of `type`.
  message(type, end) {
    const message = type.create();
    for (;;) {
      const token = this.peek();
      if (token === undefined) {
        if (end) throw new TextFormatError(`unexpected end of text, expected ${end}`);
        return message;
      }
      if (end && token.kind === 'punct' && token.text === end) {
        this.position += 1;
        return message;
      }
      this.field(type, message);
      if (!this.tryPunct(',')) this.tryPunct(';');
    }
  }

  field(type, message) {
    const token = this.next();
    if (token.kind === 'punct' && token.text === '[') {
      this.anyExpansion(type, message, token);
      return;
    }
    if (token.kind !== 'word') throw new TextFormatError(`line ${token.line}: expected a field name`);
    const field = type.fields[token.text];
    if (field === undefined) {
      throw new TextFormatError(`line ${token.line}: ${type.fullName.slice(1)} has no field ${token.text}`);
    }
    field.resolve();
    const isMessage = field.resolvedType instanceof protobuf.Type || field.map;
    if (this.tryPunct(':')) {
      // A list of values.
      if (this.tryPunct('[')) {
        if (!this.tryPunct(']')) {
          do {
            this.assign(field, message, this.value(field));
          } while (this.tryPunct(','));
          this.expect(']');
        }
        return;
      }
    } else if (!isMessage) {
      throw new TextFormatError(`line ${token.line}: expected ':' after ${token.text}`);
    }
    this.assign(field, message, this.value(field));
  }

  value(field) {
    if (field.map) {
      const entry = this.entry(field);
      return entry;
    }
    if (field.resolvedType instanceof protobuf.Type) {
      const open = this.next();
      if (open.text !== '{' && open.text !== '<') {
        throw new TextFormatError(`line ${open.line}: expected {, got ${open.text}`);
      }
      return this.message(field.resolvedType, open.text === '{' ? '}' : '>');
    }
    return this.scalar(field.type, field.resolvedType, this.next());
  }

  // A map entry { key: K value: V } as [key, value].
  entry(field) {
    const open = this.next();
    if (open.text !== '{' && open.text !== '<') {
      throw new TextFormatError(`line ${open.line}: expected {, got ${open.text}`);
    }
    const close = open.text === '{' ? '}' : '>';
    let key = defaultScalar(field.keyType);
    let value;
    const valueType = field.resolvedType;
    while (!this.tryPunct(close)) {
      const name = this.next();
      if (name.text === 'key') {
        this.expect(':');
        key = this.scalar(field.keyType, null, this.next());
      } else if (name.text === 'value') {
        if (valueType instanceof protobuf.Type) {
          this.tryPunct(':');
          const valueOpen = this.next();
          value = this.message(valueType, valueOpen.text === '{' ? '}' : '>');
        } else {
          this.expect(':');
          value = this.scalar(field.type, valueType, this.next());
        }
      } else {
        throw new TextFormatError(`line ${name.line}: a map entry has only key and value`);
      }
      if (!this.tryPunct(',')) this.tryPunct(';');
    }
    if (value === undefined) {
      value = valueType instanceof protobuf.Type ? valueType.create() : defaultScalar(field.type, valueType);
    }
    return [key, value];
  }

  scalar(type, resolvedType, token) {
    const line = token.line;
    if (resolvedType instanceof protobuf.Enum) {
      if (token.kind !== 'word') throw new TextFormatError(`line ${line}: expected an enum value`);
      if (Object.prototype.hasOwnProperty.call(resolvedType.values, token.text)) {
        return resolvedType.values[token.text];
      }
      if (/^-?[0-9]+$/.test(token.text)) return Number(token.text);
      throw new TextFormatError(`line ${line}: ${resolvedType.name} has no value ${token.text}`);
    }
    if (type === 'string' || type === 'bytes') {
      if (token.kind !== 'string') throw new TextFormatError(`line ${line}: expected a string`);
      const parts = [unescape(token.text, line)];
      while (this.peek() && this.peek().kind === 'string') parts.push(unescape(this.next().text, line));
      const bytes = Buffer.concat(parts);
      if (type === 'bytes') return bytes;
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new TextFormatError(`line ${line}: a string field holds bytes that are not UTF-8`);
      }
    }
    if (token.kind !== 'word') throw new TextFormatError(`line ${line}: expected a ${type}`);
    if (type === 'bool') {
      if (['true', 'True', 't', '1'].includes(token.text)) return true;
      if (['false', 'False', 'f', '0'].includes(token.text)) return false;
      throw new TextFormatError(`line ${line}: ${token.text} is not a bool`);
    }
    if (type === 'double') return parseFloatWord(token.text, line);
    // Stored as binary32, as protobuf runtimes store a float field.
    if (type === 'float') return Math.fround(parseFloatWord(token.text, line));
    if (INTEGER_TYPES.has(type)) return parseInteger(token.text, type, line);
    throw new TextFormatError(`line ${line}: unsupported field type ${type}`);
  }

  assign(field, message, value) {
    if (field.map) {
      const [key, entry] = value;
      if (!Object.prototype.hasOwnProperty.call(message, field.name)) message[field.name] = {};
      message[field.name][mapKey(key)] = entry;
    } else if (field.repeated) {
      if (!Object.prototype.hasOwnProperty.call(message, field.name)) message[field.name] = [];
      message[field.name].push(value);
    } else {
      message[field.name] = value;
      if (field.partOf) message[field.partOf.name] = field.name;
    }
  }

  // [type.googleapis.com/pkg.Type] { ... } inside a google.protobuf.Any.
  anyExpansion(type, message, open) {
    const parts = [];
    while (!this.tryPunct(']')) parts.push(this.next().text);
    const url = parts.join('');
    if (type.fullName !== '.google.protobuf.Any') {
      throw new TextFormatError(`line ${open.line}: [${url}] outside a google.protobuf.Any`);
    }
    const name = url.slice(url.lastIndexOf('/') + 1);
    let inner;
    try {
      inner = this.root.lookupType(name);
    } catch {
      throw new TextFormatError(`line ${open.line}: unknown type ${name} in an Any`);
    }
    this.tryPunct(':');
    const brace = this.next();
    const value = this.message(inner, brace.text === '{' ? '}' : '>');
    message.type_url = url;
    message.value = Buffer.from(inner.encode(value).finish());
  }
}

function mapKey(key) {
  if (protobuf.util.Long.isLong(key)) return key.toString();
  return String(key);
}

function defaultScalar(type, resolvedType) {
  if (resolvedType instanceof protobuf.Enum) return 0;
  if (type === 'string') return '';
  if (type === 'bytes') return Buffer.alloc(0);
  if (type === 'bool') return false;
  if (LONG_TYPES.has(type)) return protobuf.util.Long.fromNumber(0, type.startsWith('u') || type.startsWith('fixed'));
  return 0;
}

// Parses `text` as a message of `type` (a protobufjs Type of `root`).
function parse(text, type, root) {
  return new Parser(text, root).message(type, null);
}

module.exports = { parse, TextFormatError, unescape };
