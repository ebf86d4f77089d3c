'use strict';
// A small, independent implementation of part of the specification
// (spec/export.md): exports without a scope, with or without clear_devices,
// with any collection_list, from a snapshot or a given graph_def. It writes no
// files and has no export_scope, clear_extraneous_savers, strip_default_attrs
// or op_defs: those raise NotImplementedError, which the testee reports as a
// runtime error (see failures.txt).

const fs = require('fs');
const path = require('path');
const w = require('./wire');

class ExportError extends Error {
  constructor(category, message) {
    super(message);
    this.category = category;
  }
}
class NotImplementedError extends Error {}

const REGISTRY_FILE = path.join(
  __dirname, '..', '..', '..', 'spec', 'registry', 'op_registry.binpb');

let registry;
function loadRegistry() {
  if (registry) return registry;
  const fields = w.decode(fs.readFileSync(REGISTRY_FILE));
  const ops = new Map();
  for (const op of w.messages(w.message(fields, 3) || [], 1)) {
    ops.set(w.string(op, 1) || '', w.encode(op));
  }
  registry = {
    version: w.string(fields, 1) || '',
    gitVersion: w.string(fields, 2) || '',
    ops,
  };
  return registry;
}

const TYPED = new Map([
  ['variables', 7], ['trainable_variables', 7], ['moving_average_variables', 7],
  ['local_variables', 7], ['model_variables', 7], ['global_step', 7], ['metric_variables', 7],
  ['savers', 8], ['queue_runners', 9], ['cond_context', 10], ['while_context', 11],
]);
const CALL_OPS = new Set(['PartitionedCall', 'StatefulPartitionedCall']);

// ExportArguments (proto/metagraph_export/api/v1/export.proto).
function readArguments(buffer) {
  const f = w.decode(buffer);
  const optionalString = (n) => (w.all(f, n).some((x) => x.type === w.LEN) ? w.string(f, n) : null);
  const list = w.message(f, 5);
  return {
    filename: optionalString(1),
    metaInfoDef: w.message(f, 2),
    graphDef: w.message(f, 3),
    saverDef: w.message(f, 4),
    collectionList: list === undefined ? null : w.strings(list, 1),
    asText: w.bool(f, 6),
    graph: w.message(f, 7),
    exportScope: optionalString(8),
    clearDevices: w.bool(f, 9),
    clearExtraneousSavers: w.bool(f, 10),
    stripDefaultAttrs: w.bool(f, 11),
    saveDebugInfo: w.bool(f, 12),
    unboundInputsColName: optionalString(13) === null ? 'unbound_inputs' : optionalString(13),
    opDefs: w.message(f, 14),
  };
}

// Checks the strings of a graph (names, ops, inputs, devices, attribute keys).
function checkGraphStrings(graph) {
  for (const node of w.messages(graph, 1)) {
    w.string(node, 1); w.string(node, 2); w.strings(node, 3); w.string(node, 4);
    w.mapEntries(node, 5);
  }
}

function exportMetaGraph(buffer) {
  const a = readArguments(buffer);
  const diagnostics = [];
  // Step 1: arguments.
  if (a.filename !== null && a.filename.includes('\u0000')) {
    throw new ExportError('INVALID_ARGUMENT', 'filename contains a NUL character');
  }
  if (a.graph === undefined && a.graphDef === undefined) {
    throw new ExportError('INVALID_ARGUMENT', 'neither graph nor graph_def is given');
  }
  if (a.exportScope) throw new NotImplementedError('export_scope');
  if (a.clearExtraneousSavers) throw new NotImplementedError('clear_extraneous_savers');
  if (a.stripDefaultAttrs) throw new NotImplementedError('strip_default_attrs');
  if (a.opDefs !== undefined) throw new NotImplementedError('op_defs');
  if (a.filename) throw new NotImplementedError('writing files');
  const snapshot = a.graph || [];
  const snapshotGraph = w.message(snapshot, 1) || [];
  checkGraphStrings(snapshotGraph);
  if (a.graphDef) checkGraphStrings(a.graphDef);

  // Step 2: collections (SNAP-9: the last occurrence of a key, at its first place).
  const collections = new Map();
  for (const collection of w.messages(snapshot, 5)) {
    collections.set(w.string(collection, 1) || '', w.messages(collection, 2));
  }
  for (const key of w.strings(snapshot, 7)) diagnostics.push(['COLLECTION_KEY_NOT_STRING', key]);

  // Steps 3 and 6: the exported graph.
  const rewriting = Boolean(a.clearDevices); // no scope, no savers here (EXP-GRAPH-1)
  let graphFields;
  if (rewriting) {
    graphFields = rewrittenGraph(a, snapshot, snapshotGraph);
    if (a.unboundInputsColName) collections.delete(a.unboundInputsColName); // EXP-UNBOUND-3
  } else if (a.graphDef !== undefined) {
    graphFields = a.graphDef.slice();
  } else {
    graphFields = graphWithShapes(snapshot, snapshotGraph);
  }

  // Steps 5 and 7: meta_info_def and the op list.
  const reg = loadRegistry();
  const given = a.metaInfoDef || [];
  const givenOps = w.message(given, 2);
  const info = given.filter((f) => f.number !== 5 && f.number !== 6 && f.number !== 2);
  info.push(w.stringField(5, reg.version), w.stringField(6, reg.gitVersion));
  if (givenOps !== undefined && w.all(givenOps, 1).length > 0) {
    info.push(w.messageField(2, givenOps));
  } else {
    const [ops, missing] = strippedOpList(graphFields, reg);
    info.push(w.messageField(2, ops.map((op) => w.bytesField(1, op))));
    for (const name of missing) diagnostics.push(['OP_NOT_REGISTERED', name]);
  }

  const out = [w.messageField(1, info), w.messageField(2, graphFields)];
  if (a.saverDef !== undefined) out.push(w.messageField(3, a.saverDef)); // EXP-INFO-4

  // Step 10: collections.
  const keys = a.collectionList !== null ? a.collectionList : [...collections.keys()];
  const entries = new Map();
  for (const key of keys) {
    if (a.collectionList !== null && !collections.has(key)) {
      diagnostics.push(['COLLECTION_NOT_FOUND', key]); // EXP-DIAG-7
    }
    const dropped = addCollection(entries, key, collections.get(key) || [], a.exportScope);
    if (dropped) diagnostics.push(['COLLECTION_DROPPED', key]);
  }
  for (const [key, entry] of entries) {
    const collection = entry.kind === null ? [] : [w.messageField(entry.kind, entry.encode())];
    out.push(w.mapEntry(4, key, w.encode(collection)));
  }
  if (a.saveDebugInfo) diagnostics.push(['DEBUG_INFO_NOT_WRITTEN', '']);
  return { metaGraphDef: w.encode(out), diagnostics };
}

// EXP-GRAPH-4: snapshot.graph_def with the output shapes appended.
function graphWithShapes(snapshot, graph) {
  const shapes = w.mapEntries(snapshot, 2);
  const out = [];
  for (const field of graph) {
    if (field.number === 1 && field.type === w.LEN) {
      const node = w.decode(field.value);
      out.push(w.messageField(1, withOutputShapes(node, shapes, false)));
    } else if (field.number !== 2) {
      out.push(field);
    }
  }
  const library = w.has(snapshot, 3) ? w.message(snapshot, 3) : w.message(graph, 2);
  if (library !== undefined) out.push(w.messageField(2, library));
  return out;
}

function outputShapes(shapes, name) {
  const entry = shapes.get(name);
  if (entry === undefined) return [];
  return w.messages(w.decode(entry.value), 1).map((shape) => w.encode(shape));
}

function withOutputShapes(node, shapes, strict) {
  const name = w.string(node, 1) || '';
  const list = outputShapes(shapes, name);
  if (!list.length) return node;
  const attrs = w.mapEntries(node, 5);
  const existing = attrs.get('_output_shapes');
  if (existing !== undefined && strict) {
    throw new ExportError('INVALID_ARGUMENT', `node ${name} already has _output_shapes`);
  }
  let previous = [];
  if (existing !== undefined) {
    const listValue = w.message(w.decode(existing.value), 1) || [];
    previous = w.all(listValue, 7).map((f) => f.value);
  }
  const value = w.encode([w.messageField(1, [...previous, ...list].map((s) => w.bytesField(7, s)))]);
  const kept = node.filter((f) => !(existing !== undefined && f === existing.field));
  return [...kept, w.mapEntry(5, '_output_shapes', value)];
}

// EXP-GRAPH-5 to EXP-GRAPH-8 without a scope: every node, devices cleared.
function rewrittenGraph(a, snapshot, snapshotGraph) {
  const source = a.graphDef !== undefined ? a.graphDef : snapshotGraph;
  const fromSnapshot = a.graphDef === undefined;
  const shapes = w.mapEntries(snapshot, 2);
  const operationInputs = w.mapEntries(snapshot, 8);
  const out = [w.messageField(4, w.message(source, 4) || [])];
  for (const nodeFields of w.messages(source, 1)) {
    let node = nodeFields;
    const name = w.string(node, 1) || '';
    if (fromSnapshot && operationInputs.has(name)) {
      const inputs = w.strings(w.decode(operationInputs.get(name).value), 1);
      node = [...node.filter((f) => f.number !== 3), ...inputs.map((i) => w.stringField(3, i))];
    }
    node = rewriteNode(node);
    if (fromSnapshot) node = withOutputShapes(node, shapes, true);
    out.push(w.messageField(1, node));
  }
  if (fromSnapshot) {
    const library = w.has(snapshot, 4) ? w.message(snapshot, 4) : w.message(snapshotGraph, 2) || [];
    const copied = [...w.all(library, 1), ...w.all(library, 2)];
    if (copied.length) out.push(w.messageField(2, copied));
  } else {
    out.push(w.messageField(2, w.message(source, 2) || []));
  }
  return out;
}

// EXP-SCOPE-8 to EXP-SCOPE-13 with no scope, and EXP-DEV-1.
function rewriteNode(node) {
  const op = w.string(node, 2) || '';
  const attrs = w.mapEntries(node, 5);
  const out = [];
  for (const field of node) {
    if (field.number === 4) continue; // device, cleared
    out.push(field);
  }
  const replace = (key, valueFields) => {
    const entry = attrs.get(key);
    const index = out.indexOf(entry.field);
    out.splice(index, 1, w.mapEntry(5, key, w.encode(valueFields)));
  };
  if (attrs.has('_class')) {
    const list = w.message(w.decode(attrs.get('_class').value), 1) || [];
    replace('_class', [w.messageField(1, w.all(list, 2))]);
  }
  if ((op === 'Enter' || op === 'RefEnter') && attrs.has('frame_name')) {
    const s = w.last(w.decode(attrs.get('frame_name').value), 2);
    replace('frame_name', [w.bytesField(2, s === undefined ? Buffer.alloc(0) : s.value)]);
  }
  return out;
}

// EXP-OPS-2 to EXP-OPS-4: the op list; inserts an empty f where needed.
function strippedOpList(graphFields, reg) {
  const libraryField = graphFields.find((f) => f.number === 2);
  const library = libraryField === undefined ? [] : w.decode(libraryField.value);
  const functions = new Map();
  const functionFields = w.all(library, 1);
  for (const field of functionFields) {
    const fn = w.decode(field.value);
    const name = w.string(w.message(fn, 1) || [], 1) || '';
    if (!functions.has(name)) functions.set(name, { field, fn });
  }
  const used = new Set();
  const queue = [];
  const mark = (name) => {
    if (!used.has(name) && functions.has(name)) queue.push(functions.get(name));
    used.add(name);
  };
  const visit = (node) => {
    const op = w.string(node, 2) || '';
    mark(op);
    if (!CALL_OPS.has(op)) return node;
    const attrs = w.mapEntries(node, 5);
    if (!attrs.has('f')) {
      node = [...node, w.mapEntry(5, 'f', Buffer.alloc(0))];
      mark('');
      return node;
    }
    const func = w.message(w.decode(attrs.get('f').value), 10) || [];
    mark(w.string(func, 1) || '');
    return node;
  };
  // Top-level nodes, then the bodies of the functions reached.
  for (let i = 0; i < graphFields.length; i++) {
    const field = graphFields[i];
    if (field.number === 1 && field.type === w.LEN) {
      graphFields[i] = w.messageField(1, visit(w.decode(field.value)));
    }
  }
  const changed = new Map();
  while (queue.length) {
    const { field, fn } = queue.pop();
    const body = fn.map((f) =>
      f.number === 3 && f.type === w.LEN ? w.messageField(3, visit(w.decode(f.value))) : f);
    changed.set(field, body);
  }
  if (changed.size && libraryField !== undefined) {
    const newLibrary = library.map((f) => (changed.has(f) ? w.messageField(1, changed.get(f)) : f));
    graphFields[graphFields.indexOf(libraryField)] = w.messageField(2, newLibrary);
  }
  const ops = [];
  const missing = [];
  const names = [...used].filter((name) => !functions.has(name)).sort(byCodePoint);
  for (const name of names) {
    if (reg.ops.has(name)) ops.push(reg.ops.get(name));
    else missing.push(name);
  }
  return [ops, missing];
}

function byCodePoint(a, b) {
  const x = [...a].map((c) => c.codePointAt(0));
  const y = [...b].map((c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// EXP-COLL for a scope that is absent or empty. Returns true if dropped.
function addCollection(entries, key, items, scope) {
  if (!items.length) return false; // EXP-COLL-6
  const entry = entries.get(key) || { kind: null, values: [], encode: null };
  const drop = () => { entries.delete(key); return true; };
  const kindOf = (item) => {
    const set = item.filter((f) => f.number >= 1 && f.number <= 15);
    return set.length ? set[set.length - 1] : undefined;
  };
  if (TYPED.has(key)) {
    const wanted = TYPED.get(key);
    for (const item of items) {
      const kind = kindOf(item);
      if (kind !== undefined && kind.number === 15) {
        if (scope !== null) return drop(); // EXP-COLL-8: no_proto with a scope given
        continue;
      }
      if (kind === undefined || kind.number !== wanted) return drop();
      setKind(entry, 2);
      entry.values.push(kind.value); // to_proto without a scope: the message itself
    }
    entries.set(key, entry);
    return false;
  }
  const first = kindOf(items[0]);
  const listKind = plainKind(first === undefined ? 12 : first.number);
  setKind(entry, listKind);
  for (const item of items) {
    const kind = kindOf(item);
    const value = plainValue(listKind, kind);
    if (value === null) return drop();
    entry.values.push(value);
  }
  entries.set(key, entry);
  return false;
}

function setKind(entry, kind) {
  entry.kind = kind;
  entry.encode = () => {
    if (kind === 3) { // int64_list, packed
      return [w.bytesField(1, Buffer.concat(entry.values.map((v) => w.writeVarint(v))))];
    }
    if (kind === 4) { // float_list, packed
      const buffer = Buffer.alloc(4 * entry.values.length);
      entry.values.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
      return [w.bytesField(1, buffer)];
    }
    return entry.values.map((v) => w.bytesField(1, v));
  };
}

// EXP-COLL-15: the list kind (CollectionDef field number) of the first item.
function plainKind(number) {
  if (number === 2 || number === 3) return 2; // bytes_list
  if (number === 4 || number === 13 || number === 14) return 3; // int64_list
  if (number === 5) return 4; // float_list
  if (number === 6) return 5; // any_list
  return 1; // node_list
}

// EXP-COLL-16 and EXP-COLL-17: the value an item adds, or null to drop.
function plainValue(listKind, kind) {
  const number = kind === undefined ? 12 : kind.number;
  switch (listKind) {
    case 2:
      if (number === 2) { w.text(kind.value); return kind.value; }
      return number === 3 ? kind.value : null;
    case 3:
      return number === 4 ? kind.value : null;
    case 4: {
      let value;
      if (number === 5) value = kind.value.readDoubleLE(0);
      else if (number === 4) value = Number(BigInt.asIntN(64, kind.value));
      else if (number === 13) value = kind.value ? 1 : 0;
      else if (number === 14) {
        const textValue = w.text(kind.value);
        if (!/^-?[0-9]+$/.test(textValue)) return null;
        value = Number(BigInt(textValue));
        if (!Number.isFinite(value)) return null;
      } else return null;
      return Math.fround(value);
    }
    case 5:
      return number === 6 ? kind.value : null;
    default: {
      // node_list: names of name, variable, queue_runner and context items.
      if (number === 1) return Buffer.from(w.text(kind.value), 'utf8');
      const nameField = { 7: 1, 9: 1, 10: 1, 11: 1 }[number];
      if (nameField === undefined) return null;
      const name = w.string(w.decode(kind.value), nameField);
      return Buffer.from(name || '', 'utf8');
    }
  }
}

module.exports = { ExportError, NotImplementedError, exportMetaGraph };
