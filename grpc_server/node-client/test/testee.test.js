'use strict';
// The testee's framing, filename mapping and error categories; the whole
// suite runs through it against a real server in tests/test_grpc_node_client.py.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');
const { ExportClient } = require('../lib/client');
const { loadRoot } = require('../lib/protos');
const { Testee, CannotForward, frame, frames, serverFilename, rewriteFilename, failedCategory } = require('../lib/testee');

const root = loadRoot();
const ExportArguments = root.lookupType('metagraph_export.api.v1.ExportArguments');
const TesteeRequest = root.lookupType('metagraph_export.conformance.v1.TesteeRequest');
const TesteeResponse = root.lookupType('metagraph_export.conformance.v1.TesteeResponse');

async function collect(chunks) {
  const out = [];
  for await (const message of frames(Readable.from(chunks))) out.push(Buffer.from(message).toString());
  return out;
}

test('frames are read whatever the chunks', async () => {
  const stream = Buffer.concat([frame(Buffer.from('hello')), frame(Buffer.alloc(0)), frame(Buffer.from('run'))]);
  assert.deepEqual(await collect([stream]), ['hello', '', 'run']);
  const bytes = [...stream].map((byte) => Buffer.from([byte]));
  assert.deepEqual(await collect(bytes), ['hello', '', 'run']);
  await assert.rejects(collect([stream.subarray(0, stream.length - 1)]), /ended inside a message/);
  const large = Buffer.alloc(1 << 20, 'x');
  const framed = Buffer.concat([frame(large), frame(Buffer.from('next'))]);
  const pieces = [];
  for (let start = 0; start < framed.length; start += 1000) pieces.push(framed.subarray(start, start + 1000));
  assert.deepEqual(await collect(pieces), [large.toString(), 'next']);
});

test('a filename in the sandbox is sent relative to the sandbox root', () => {
  assert.equal(serverFilename('/r/run/case-1/m.meta', '/r/run/case-1', '/r'), 'run/case-1/m.meta');
  assert.equal(serverFilename('/r/run/case-1/a/../b/', '/r/run/case-1', '/r'), 'run/case-1/a/../b/');
  assert.equal(serverFilename('/r/m.meta', '/r', '/r'), 'm.meta');
  assert.equal(serverFilename('/r/..c/m.meta', '/r/..c', '/r'), '..c/m.meta');
  // Not in the sandbox: the server judges it as it is.
  assert.equal(serverFilename('/elsewhere/m.meta', '/r/case-1', '/r'), '/elsewhere/m.meta');
  assert.equal(serverFilename('m.meta', '/r/case-1', '/r'), 'm.meta');
  assert.throws(() => serverFilename('/tmp/case-1/m.meta', '/tmp/case-1', '/r'), (error) => {
    assert.ok(error instanceof CannotForward);
    assert.match(error.message, /not below --sandbox-root \/r/);
    return true;
  });
  assert.throws(() => serverFilename('/r/case-1/m.meta', '/r/case-1', null), /give --sandbox-root/);
  assert.throws(() => serverFilename('/root2/c/m', '/root2/c', '/root'), CannotForward);
});

test('rewriting the filename keeps every other byte', () => {
  const known = Buffer.from(ExportArguments.encode({ filename: '/s/m.meta', as_text: true }).finish());
  const unknown = protobuf.Writer.create().uint32((999 << 3) | 0).uint64(5).finish();
  const data = Buffer.concat([known, unknown]);
  const rewritten = rewriteFilename(data, (name) => `x${name}`);
  const decoded = ExportArguments.decode(rewritten);
  assert.equal(decoded.filename, 'x/s/m.meta');
  assert.equal(decoded.as_text, true);
  assert.ok(rewritten.subarray(rewritten.length - unknown.length).equals(Buffer.from(unknown)));
  // Bytes that do not parse, or a filename that is not UTF-8, go as they are.
  for (const malformed of [Buffer.from([0x0a, 0x05, 0x61]), Buffer.from([0x0a, 0x01, 0xff]), Buffer.from([0x0c])]) {
    assert.equal(rewriteFilename(malformed, () => 'changed'), malformed);
  }
});

test("a status's ErrorInfo reason, else its code, gives the category", () => {
  const error = (code, reason) => ({ code, reason });
  assert.equal(failedCategory(error(grpc.status.INVALID_ARGUMENT, 'MALFORMED_INPUT')), 'MALFORMED_INPUT');
  assert.equal(failedCategory(error(grpc.status.INTERNAL, 'WRITE_FAILED')), 'WRITE_FAILED');
  assert.equal(failedCategory(error(grpc.status.INVALID_ARGUMENT, null)), 'INVALID_ARGUMENT');
  assert.equal(failedCategory(error(grpc.status.RESOURCE_EXHAUSTED, null)), 'GRAPH_TOO_LARGE');
  // The service's own refusals and failures of the call are no category.
  assert.equal(failedCategory(error(grpc.status.INVALID_ARGUMENT, 'FILENAME_REFUSED')), null);
  assert.equal(failedCategory(error(grpc.status.RESOURCE_EXHAUSTED, 'REQUEST_TOO_LARGE')), null);
  assert.equal(failedCategory(error(grpc.status.INTERNAL, null)), null);
  assert.equal(failedCategory(error(grpc.status.UNAVAILABLE, null)), null);
});

test('a case the testee cannot forward is a runtime error', async () => {
  const client = new ExportClient('127.0.0.1:1');
  const testee = new Testee(client, root, {});
  try {
    const arguments_ = ExportArguments.encode({ filename: '/s/m.meta' }).finish();
    const writes = TesteeRequest.encode({ run: { case_id: 'c', arguments: arguments_, sandbox: '/s' } }).finish();
    let response = TesteeResponse.decode(await testee.answer(writes));
    assert.match(response.result.runtime_error, /give --sandbox-root/);
    const call = TesteeRequest.encode({ run: { case_id: 'c', arguments: Buffer.alloc(0), sandbox: '/s' } }).finish();
    response = TesteeResponse.decode(await testee.answer(call));
    assert.match(response.result.runtime_error, /^the call failed: UNAVAILABLE/);
  } finally {
    client.close();
  }
});
