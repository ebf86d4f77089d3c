'use strict';
// Comparing an implementation's output with a case's expectation, as the
// conformance runner does (conformance/metagraph_export_conformance/compare.py):
// messages field by field in declaration order, the first difference
// reported by its path; the items of typed collections compared as the
// messages they hold, since their bytes are implementation-defined; unknown
// fields ignored (protobufjs drops them when decoding).

const protobuf = require('protobufjs');
const textformat = require('./textformat');

const TYPED_COLLECTIONS = {
  variables: 'tensorflow.VariableDef',
  trainable_variables: 'tensorflow.VariableDef',
  moving_average_variables: 'tensorflow.VariableDef',
  local_variables: 'tensorflow.VariableDef',
  model_variables: 'tensorflow.VariableDef',
  global_step: 'tensorflow.VariableDef',
  metric_variables: 'tensorflow.VariableDef',
  savers: 'tensorflow.SaverDef',
  queue_runners: 'tensorflow.QueueRunnerDef',
  cond_context: 'tensorflow.CondContextDef',
  while_context: 'tensorflow.WhileContextDef',
};

const has = (object, name) => Object.prototype.hasOwnProperty.call(object, name);

function render(value) {
  let text;
  if (value instanceof Uint8Array) {
    text = `b'${Array.from(value, (b) => (b >= 32 && b < 127 && b !== 39 && b !== 92 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}'`;
  } else if (protobuf.util.Long.isLong(value)) {
    text = value.toString();
  } else if (value !== null && typeof value === 'object') {
    text = JSON.stringify(value, (key, v) => (v && v.type === 'Buffer' ? '<bytes>' : v));
  } else {
    text = JSON.stringify(value);
  }
  return text && text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function scalarEqual(a, b) {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return true;
    return Object.is(a, b);
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (protobuf.util.Long.isLong(a) || protobuf.util.Long.isLong(b)) return String(a) === String(b);
  return a === b;
}

function defaultOf(field) {
  if (field.resolvedType instanceof protobuf.Enum) return 0;
  switch (field.type) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return protobuf.util.Long.ZERO;
    default:
      return 0;
  }
}

function valueOf(message, field) {
  if (has(message, field.name) && message[field.name] !== null && message[field.name] !== undefined) {
    return message[field.name];
  }
  if (field.map) return {};
  if (field.repeated) return [];
  if (field.resolvedType instanceof protobuf.Type) return field.resolvedType.create();
  return defaultOf(field);
}

function present(message, field) {
  return has(message, field.name) && message[field.name] !== null && message[field.name] !== undefined;
}

class Comparer {
  constructor(root) {
    this.root = root;
  }

  // The first difference between two decoded messages of `type`, or null.
  messages(type, expected, actual, path = '', collections = false) {
    for (const field of type.fieldsArray) {
      field.resolve();
      const name = path ? `${path}.${field.name}` : field.name;
      const difference = this.field(field, expected, actual, name, collections);
      if (difference !== null) return difference;
    }
    return null;
  }

  field(field, expected, actual, name, collections) {
    const isMessage = field.resolvedType instanceof protobuf.Type;
    if (field.map) {
      const a = valueOf(expected, field);
      const b = valueOf(actual, field);
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) {
        const keyName = `${name}[${JSON.stringify(key)}]`;
        if (!has(b, key)) return `${keyName}: expected ${render(a[key])}, missing`;
        if (!has(a, key)) return `${keyName}: not expected, got ${render(b[key])}`;
        if (isMessage) {
          const difference =
            collections && field.name === 'collection_def'
              ? this.collection(key, a[key], b[key], keyName)
              : this.messages(field.resolvedType, a[key], b[key], keyName);
          if (difference !== null) return difference;
        } else if (!scalarEqual(a[key], b[key])) {
          return `${keyName}: expected ${render(a[key])}, got ${render(b[key])}`;
        }
      }
      return null;
    }
    if (field.repeated) {
      const a = valueOf(expected, field);
      const b = valueOf(actual, field);
      for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
        const itemName = `${name}[${index}]`;
        if (isMessage) {
          const difference = this.messages(field.resolvedType, a[index], b[index], itemName);
          if (difference !== null) return difference;
        } else if (!scalarEqual(a[index], b[index])) {
          return `${itemName}: expected ${render(a[index])}, got ${render(b[index])}`;
        }
      }
      if (a.length !== b.length) {
        const index = Math.min(a.length, b.length);
        if (a.length > b.length) {
          return `${name}[${index}]: expected ${render(a[index])}, missing (${a.length} expected, ${b.length} present)`;
        }
        return `${name}[${index}]: not expected, got ${render(b[index])} (${a.length} expected, ${b.length} present)`;
      }
      return null;
    }
    if (field.hasPresence || isMessage) {
      const aHas = present(expected, field);
      const bHas = present(actual, field);
      if (aHas !== bHas) {
        if (aHas) return `${name}: expected ${render(expected[field.name])}, not set`;
        return `${name}: not expected, got ${render(actual[field.name])}`;
      }
    }
    const a = valueOf(expected, field);
    const b = valueOf(actual, field);
    if (isMessage) return this.messages(field.resolvedType, a, b, name);
    if (!scalarEqual(a, b)) return `${name}: expected ${render(a)}, got ${render(b)}`;
    return null;
  }

  // A CollectionDef; the items of typed collections compared as messages.
  collection(key, expected, actual, name) {
    const collectionType = this.root.lookupType('tensorflow.CollectionDef');
    const itemTypeName = TYPED_COLLECTIONS[key];
    const aItems = expected.bytes_list ? expected.bytes_list.value || [] : [];
    const bItems = actual.bytes_list ? actual.bytes_list.value || [] : [];
    if (itemTypeName !== undefined && aItems.length === bItems.length) {
      const itemType = this.root.lookupType(itemTypeName);
      const aCopy = collectionType.decode(collectionType.encode(expected).finish());
      const bCopy = collectionType.decode(collectionType.encode(actual).finish());
      // The runner's normalize() rewrites the bytes_list of every typed
      // collection, which makes an unset kind an empty bytes_list: so here.
      const BytesList = this.root.lookupType('tensorflow.CollectionDef.BytesList');
      for (const copy of [aCopy, bCopy]) {
        if (!copy.kind) copy.bytes_list = BytesList.create();
      }
      for (let index = 0; index < aItems.length; index += 1) {
        let a;
        let b;
        try {
          a = itemType.decode(aItems[index]);
          b = itemType.decode(bItems[index]);
        } catch {
          continue;
        }
        const itemName = `${name}.bytes_list.value[${index}]<${itemType.name}>`;
        const difference = this.messages(itemType, a, b, itemName);
        if (difference !== null) return difference;
        // Equal as messages: equal for the comparison of the rest.
        bCopy.bytes_list.value[index] = aCopy.bytes_list.value[index];
      }
      return this.messages(collectionType, aCopy, bCopy, name);
    }
    return this.messages(collectionType, expected, actual, name);
  }

  metaGraphs(expected, actual) {
    const type = this.root.lookupType('tensorflow.MetaGraphDef');
    return this.messages(type, expected, actual, '', true);
  }

  // A written file against its expected content (FileFormat, Comparison).
  file(expected, actual, format, normalized, path) {
    if (!normalized && Buffer.compare(expected, actual) === 0) return null;
    const types = {
      BINARY_META_GRAPH_DEF: ['tensorflow.MetaGraphDef', 'binary'],
      TEXT_META_GRAPH_DEF: ['tensorflow.MetaGraphDef', 'text'],
      BINARY_GRAPH_DEBUG_INFO: ['tensorflow.GraphDebugInfo', 'binary'],
      TEXT_GRAPH_DEBUG_INFO: ['tensorflow.GraphDebugInfo', 'text'],
    };
    if (!(format in types)) return bytesDifference(expected, actual, path);
    const [typeName, encoding] = types[format];
    const type = this.root.lookupType(typeName);
    const parse = (data) => {
      if (encoding === 'binary') return type.decode(data);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
      return textformat.parse(text, type, this.root);
    };
    let a;
    let b;
    try {
      a = parse(expected);
    } catch (error) {
      return `${path}: the expected content does not parse: ${error.message}`;
    }
    try {
      b = parse(actual);
    } catch (error) {
      return `${path}: not a valid ${typeName} (${encoding} format): ${error.message}`;
    }
    const difference =
      typeName === 'tensorflow.MetaGraphDef' ? this.metaGraphs(a, b) : this.messages(type, a, b);
    if (difference !== null) return `${path}: ${difference}`;
    if (normalized) return null;
    return `${bytesDifference(expected, actual, path)} (the same message, encoded otherwise)`;
  }
}

function bytesDifference(expected, actual, path) {
  const length = Math.min(expected.length, actual.length);
  for (let index = 0; index < length; index += 1) {
    if (expected[index] !== actual[index]) {
      return `${path}: byte ${index} differs: expected ${render(expected.subarray(index, index + 16))}, got ${render(actual.subarray(index, index + 16))}`;
    }
  }
  return `${path}: expected ${expected.length} bytes, got ${actual.length}`;
}

function diagnosticsDifference(expected, actual) {
  const show = (items) => `[${items.map(([code, subject]) => `${code}(${JSON.stringify(subject)})`).join(', ')}]`;
  if (expected.length === actual.length && expected.every((item, i) => item[0] === actual[i][0] && item[1] === actual[i][1])) {
    return null;
  }
  for (let index = 0; index < Math.min(expected.length, actual.length); index += 1) {
    const [a, b] = [expected[index], actual[index]];
    if (a[0] !== b[0] || a[1] !== b[1]) {
      return `diagnostics[${index}]: expected ${show([a]).slice(1, -1)}, got ${show([b]).slice(1, -1)} (expected ${show(expected)}, got ${show(actual)})`;
    }
  }
  return `diagnostics: expected ${show(expected)}, got ${show(actual)}`;
}

module.exports = { Comparer, diagnosticsDifference, TYPED_COLLECTIONS };
