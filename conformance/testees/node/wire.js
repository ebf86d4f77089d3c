'use strict';
// The protobuf wire format, as far as the testee needs it: a message is a list
// of fields { number, type, value } in the order read. Varints are BigInts,
// fixed-width values and length-delimited payloads are Buffers.

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

class MalformedError extends Error {}

function readVarint(buffer, offset) {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (offset >= buffer.length) throw new MalformedError('a varint ends early');
    const byte = buffer[offset++];
    value |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [BigInt.asUintN(64, value), offset];
    shift += 7n;
  }
  throw new MalformedError('a varint is longer than 10 bytes');
}

// Parses a message into fields; groups are kept as raw bytes (type 3).
function decode(buffer) {
  const fields = [];
  let offset = 0;
  while (offset < buffer.length) {
    const start = offset;
    let tag;
    [tag, offset] = readVarint(buffer, offset);
    const number = Number(tag >> 3n);
    const type = Number(tag & 7n);
    if (number === 0 || tag >> 3n > 0x1fffffffn) throw new MalformedError('invalid field number');
    let value;
    switch (type) {
      case VARINT:
        [value, offset] = readVarint(buffer, offset);
        break;
      case FIXED64:
        if (offset + 8 > buffer.length) throw new MalformedError('a fixed64 ends early');
        value = buffer.subarray(offset, offset + 8);
        offset += 8;
        break;
      case FIXED32:
        if (offset + 4 > buffer.length) throw new MalformedError('a fixed32 ends early');
        value = buffer.subarray(offset, offset + 4);
        offset += 4;
        break;
      case LEN: {
        let length;
        [length, offset] = readVarint(buffer, offset);
        if (length > BigInt(buffer.length - offset)) {
          throw new MalformedError('a length-delimited field ends early');
        }
        value = buffer.subarray(offset, offset + Number(length));
        offset += Number(length);
        break;
      }
      case START_GROUP:
        offset = skipGroup(buffer, offset, number);
        value = buffer.subarray(start, offset);
        break;
      default:
        throw new MalformedError(`wire type ${type} where none is allowed`);
    }
    fields.push({ number, type, value });
  }
  return fields;
}

function skipGroup(buffer, offset, number) {
  for (;;) {
    if (offset >= buffer.length) throw new MalformedError('a group ends early');
    let tag;
    [tag, offset] = readVarint(buffer, offset);
    const type = Number(tag & 7n);
    const inner = Number(tag >> 3n);
    if (type === END_GROUP) {
      if (inner !== number) throw new MalformedError('a group ends with another number');
      return offset;
    }
    if (type === VARINT) [, offset] = readVarint(buffer, offset);
    else if (type === FIXED64) offset += 8;
    else if (type === FIXED32) offset += 4;
    else if (type === LEN) {
      let length;
      [length, offset] = readVarint(buffer, offset);
      offset += Number(length);
    } else if (type === START_GROUP) offset = skipGroup(buffer, offset, inner);
    else throw new MalformedError(`wire type ${type} in a group`);
    if (offset > buffer.length) throw new MalformedError('a group ends early');
  }
}

function writeVarint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    bytes.push(byte);
  } while (v);
  return Buffer.from(bytes);
}

function encodeField(number, type, value) {
  const tag = writeVarint((BigInt(number) << 3n) | BigInt(type));
  switch (type) {
    case VARINT:
      return Buffer.concat([tag, writeVarint(value)]);
    case LEN:
      return Buffer.concat([tag, writeVarint(value.length), value]);
    case START_GROUP:
      return value; // kept as read, tag included
    default:
      return Buffer.concat([tag, value]);
  }
}

function encode(fields) {
  return Buffer.concat(fields.map((f) => encodeField(f.number, f.type, f.value)));
}

// Builders.
const bytesField = (number, buffer) => ({ number, type: LEN, value: Buffer.from(buffer) });
const stringField = (number, text) => bytesField(number, Buffer.from(text, 'utf8'));
const messageField = (number, fields) => bytesField(number, encode(fields));
const varintField = (number, value) => ({ number, type: VARINT, value: BigInt(value) });

// Readers.
const all = (fields, number) => fields.filter((f) => f.number === number);
function last(fields, number) {
  const found = all(fields, number);
  return found.length ? found[found.length - 1] : undefined;
}
const has = (fields, number) => fields.some((f) => f.number === number);

const utf8 = new TextDecoder('utf-8', { fatal: true });
function text(buffer) {
  try {
    return utf8.decode(buffer);
  } catch {
    throw new MalformedError('a string field is not UTF-8');
  }
}
function lenValue(field) {
  if (field.type !== LEN) return undefined; // a wrong wire type is an unknown field
  return field.value;
}
// A singular message field: protobuf merges repeated occurrences.
function message(fields, number) {
  const parts = all(fields, number).map(lenValue).filter((v) => v !== undefined);
  if (!parts.length) return undefined;
  return decode(Buffer.concat(parts));
}
function string(fields, number) {
  const field = all(fields, number).filter((f) => f.type === LEN).pop();
  return field === undefined ? undefined : text(field.value);
}
function strings(fields, number) {
  return all(fields, number).filter((f) => f.type === LEN).map((f) => text(f.value));
}
function bool(fields, number) {
  const field = all(fields, number).filter((f) => f.type === VARINT).pop();
  return field !== undefined && field.value !== 0n;
}
function messages(fields, number) {
  return all(fields, number).filter((f) => f.type === LEN).map((f) => decode(f.value));
}

// A map field: key (1) and value (2) of each entry; a later key replaces.
function mapEntries(fields, number, keyIsString = true) {
  const entries = new Map();
  for (const field of all(fields, number)) {
    if (field.type !== LEN) continue;
    const entry = decode(field.value);
    const keyField = last(entry, 1);
    const key = keyField === undefined ? '' : keyIsString ? text(keyField.value) : keyField.value;
    const valueParts = all(entry, 2).filter((f) => f.type === LEN).map((f) => f.value);
    entries.set(key, { field, value: Buffer.concat(valueParts) });
  }
  return entries;
}
function mapEntry(number, key, valueBuffer) {
  return messageField(number, [stringField(1, key), bytesField(2, valueBuffer)]);
}

module.exports = {
  VARINT,
  FIXED64,
  LEN,
  FIXED32,
  MalformedError,
  decode,
  encode,
  writeVarint,
  bytesField,
  stringField,
  messageField,
  varintField,
  all,
  last,
  has,
  text,
  message,
  messages,
  string,
  strings,
  bool,
  mapEntries,
  mapEntry,
};
