'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadRoot } = require('../lib/protos');
const { parse } = require('../lib/textformat');
const { Comparer, diagnosticsDifference } = require('../lib/compare');
const { debugFileName, rewriteFilename, globToRegExp, summaryLine } = require('../lib/conformance');

const root = loadRoot();
const MetaGraphDef = root.lookupType('tensorflow.MetaGraphDef');
const comparer = new Comparer(root);
const meta = (text) => MetaGraphDef.decode(MetaGraphDef.encode(parse(text, MetaGraphDef, root)).finish());

test('equal messages have no difference', () => {
  const text = 'graph_def { node { name: "a" op: "NoOp" } } collection_def { key: "k" value { node_list { value: "a" } } }';
  assert.strictEqual(comparer.metaGraphs(meta(text), meta(text)), null);
});

test('the first difference is named by its path', () => {
  const a = meta('graph_def { node { name: "a" attr { key: "x" value { f: 1 } } } }');
  const b = meta('graph_def { node { name: "a" attr { key: "x" value { f: -0.0 } } } }');
  assert.match(comparer.metaGraphs(a, b), /^graph_def\.node\[0\]\.attr\["x"\]\.f: expected 1, got -?0/);
  const c = meta('graph_def { node { name: "a" } node { name: "b" } }');
  assert.match(comparer.metaGraphs(meta('graph_def { node { name: "a" } }'), c), /graph_def\.node\[1\]: not expected/);
  assert.match(comparer.metaGraphs(meta('saver_def { }'), meta('')), /^saver_def: expected .*, not set/);
  const nan = meta('graph_def { node { attr { key: "x" value { f: nan } } } }');
  assert.strictEqual(comparer.metaGraphs(nan, nan), null);
});

test('typed collection items are compared as messages', () => {
  const VariableDef = root.lookupType('tensorflow.VariableDef');
  const item = (name) => Buffer.from(VariableDef.encode(VariableDef.create({ variable_name: name })).finish());
  const Collection = root.lookupType('tensorflow.CollectionDef');
  const withItems = (key, items) => {
    const message = MetaGraphDef.create();
    message.collection_def = { [key]: Collection.fromObject({ bytes_list: { value: items } }) };
    return MetaGraphDef.decode(MetaGraphDef.encode(message).finish());
  };
  // The same VariableDef, its bytes with an unknown field appended.
  const padded = Buffer.concat([item('v:0'), Buffer.from([0xf8, 0x07, 0x01])]);
  assert.strictEqual(comparer.metaGraphs(withItems('variables', [item('v:0')]), withItems('variables', [padded])), null);
  assert.match(
    comparer.metaGraphs(withItems('variables', [item('v:0')]), withItems('variables', [item('w:0')])),
    /<VariableDef>\.variable_name: expected "v:0", got "w:0"/,
  );
  // In a plain collection, bytes are bytes.
  assert.notStrictEqual(comparer.metaGraphs(withItems('plain', [item('v:0')]), withItems('plain', [padded])), null);
});

test('files', () => {
  const bytes = Buffer.from(MetaGraphDef.encode(parse('graph_def { node { name: "a" } }', MetaGraphDef, root)).finish());
  assert.strictEqual(comparer.file(bytes, bytes, 'BINARY_META_GRAPH_DEF', false, 'm.meta'), null);
  const other = Buffer.from(MetaGraphDef.encode(parse('graph_def { node { name: "b" } }', MetaGraphDef, root)).finish());
  assert.match(comparer.file(bytes, other, 'BINARY_META_GRAPH_DEF', false, 'm.meta'), /^m\.meta: graph_def\.node\[0\]\.name/);
  const text = Buffer.from('graph_def {\n  node {\n    name: "a"\n  }\n}\n');
  assert.strictEqual(comparer.file(text, Buffer.from('graph_def { node { name: "a" } }'), 'TEXT_META_GRAPH_DEF', true, 't'), null);
  assert.match(comparer.file(text, Buffer.from('graph_def { node { name: "a" } }'), 'TEXT_META_GRAPH_DEF', false, 't'), /encoded otherwise/);
  assert.match(comparer.file(Buffer.from('ab'), Buffer.from('ac'), 'OTHER', false, 'x'), /byte 1 differs/);
});

test('diagnostics, names, globs, summary', () => {
  assert.strictEqual(diagnosticsDifference([['A', 'x']], [['A', 'x']]), null);
  assert.match(diagnosticsDifference([['A', 'x']], [['A', 'y']]), /^diagnostics\[0\]/);
  assert.strictEqual(debugFileName('model.meta'), 'model.debug');
  assert.strictEqual(debugFileName('out/m.tar.meta'), 'out/m.tar.debug');
  assert.strictEqual(debugFileName('t.b/model'), 't.b/model.debug');
  assert.strictEqual(debugFileName('.meta'), '.meta.debug');
  assert.strictEqual(debugFileName('model.'), 'model.debug');
  assert.strictEqual(debugFileName('..x'), '..x.debug');
  assert.ok(globToRegExp('Required.Scope.*').test('Required.Scope.A.B'));
  assert.ok(!globToRegExp('Required.Scope.?').test('Required.Scope.AB'));
  assert.ok(globToRegExp('*[!x]').test('ab'));
  assert.strictEqual(
    summaryLine([{ status: 'passed' }, { status: 'failed' }, { status: 'skipped' }, { status: 'expected failure' }]),
    '1 passed, 1 failed, 1 skipped, 1 expected failures',
  );
});

test('filenames are rewritten, other bytes kept', () => {
  // filename "m" (field 1), then unknown field 99 = 1.
  const data = Buffer.from([0x0a, 0x01, 0x6d, 0x98, 0x06, 0x01]);
  assert.deepStrictEqual([...rewriteFilename(data, (name) => `d/${name}`)], [0x0a, 0x03, 0x64, 0x2f, 0x6d, 0x98, 0x06, 0x01]);
  const notUtf8 = Buffer.from([0x0a, 0x01, 0xff]);
  assert.strictEqual(rewriteFilename(notUtf8, () => 'x'), notUtf8);
  const truncated = Buffer.from([0x0a, 0x05, 0x6d]);
  assert.strictEqual(rewriteFilename(truncated, () => 'x'), truncated);
});
