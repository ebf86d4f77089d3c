'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadRoot } = require('../lib/protos');
const { parse, TextFormatError } = require('../lib/textformat');

const root = loadRoot();
const MetaGraphDef = root.lookupType('tensorflow.MetaGraphDef');
const ExportArguments = root.lookupType('metagraph_export.api.v1.ExportArguments');

test('scalars, escapes, maps, lists and Any', () => {
  const text = `
    # a comment
    meta_info_def {
      tags: ["serve", 'train']
      any_info { [type.googleapis.com/tensorflow.SaverDef] { max_to_keep: 3 version: V2 } }
    }
    graph_def <
      node { name: "a\\303\\251\\x41" op: "Const" attr { key: "f" value { f: 0.1 } } }
      node { name: "b" attr { key: "i" value { i: -9223372036854775808 } } attr { key: "s" value { s: "\\000\\377" "x" } } }
      versions { producer: 0x10 }
    >
    collection_def { key: "k" value { float_list { value: [inf, -inf, nan, 1e-5, 2.5f] } } }
  `;
  const message = parse(text, MetaGraphDef, root);
  assert.deepStrictEqual(message.meta_info_def.tags, ['serve', 'train']);
  assert.strictEqual(message.meta_info_def.any_info.type_url, 'type.googleapis.com/tensorflow.SaverDef');
  const saver = root.lookupType('tensorflow.SaverDef').decode(message.meta_info_def.any_info.value);
  assert.strictEqual(saver.max_to_keep, 3);
  assert.strictEqual(message.graph_def.node[0].name, 'aéA');
  assert.strictEqual(message.graph_def.node[0].attr.f.f, Math.fround(0.1));
  assert.strictEqual(message.graph_def.node[1].attr.i.i.toString(), '-9223372036854775808');
  assert.deepStrictEqual([...message.graph_def.node[1].attr.s.s], [0, 255, 120]);
  assert.strictEqual(message.graph_def.versions.producer, 16);
  const floats = message.collection_def.k.float_list.value;
  assert.strictEqual(floats[0], Infinity);
  assert.strictEqual(floats[1], -Infinity);
  assert.ok(Number.isNaN(floats[2]));
  assert.strictEqual(floats[4], 2.5);
  // Round trip through the wire format.
  const again = MetaGraphDef.decode(MetaGraphDef.encode(message).finish());
  assert.strictEqual(again.graph_def.node[0].name, 'aéA');
});

test('optional fields have presence', () => {
  const message = parse('filename: "" export_scope: "s"', ExportArguments, root);
  assert.ok(Object.prototype.hasOwnProperty.call(message, 'filename'));
  const decoded = ExportArguments.decode(ExportArguments.encode(message).finish());
  assert.ok(Object.prototype.hasOwnProperty.call(decoded, 'filename'));
  assert.strictEqual(decoded.export_scope, 's');
});

test('errors name the line', () => {
  assert.throws(() => parse('graph_def {\n  nodes {}\n}', MetaGraphDef, root), /line 2: .*has no field nodes/);
  assert.throws(() => parse('graph_def { node { name: "x } }', MetaGraphDef, root), TextFormatError);
  assert.throws(() => parse('graph_def { versions { producer: 1.5 } }', MetaGraphDef, root), /not an integer/);
  assert.throws(() => parse('meta_info_def { tags: "\\xff" }', MetaGraphDef, root), /not UTF-8/);
});
