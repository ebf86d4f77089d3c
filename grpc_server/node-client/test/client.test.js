'use strict';
// The client's wire helpers and error decoding; the calls themselves run
// against a real server in tests/test_grpc_node_client.py.

const test = require('node:test');
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');
const { ExportClient, ExportServiceError, errorInfo, exportRequestBytes, fieldBytes } = require('../lib/client');
const { loadRoot, RPC_ROOT } = require('../lib/protos');

const root = loadRoot();
const ExportRequest = root.lookupType('metagraph_export.service.v1.ExportRequest');
const ExportArguments = root.lookupType('metagraph_export.api.v1.ExportArguments');

test('an ExportRequest carries the arguments as given, malformed or not', () => {
  const valid = Buffer.from(ExportArguments.encode({ filename: 'm.meta', clear_devices: true }).finish());
  const large = Buffer.alloc(300, 0x41);
  for (const argumentsBytes of [valid, Buffer.from([0xff, 0xff]), Buffer.alloc(0), large]) {
    const request = exportRequestBytes(argumentsBytes);
    assert.deepEqual(fieldBytes(request, 1), argumentsBytes);
  }
  const decoded = ExportRequest.decode(exportRequestBytes(valid));
  assert.equal(decoded.arguments.filename, 'm.meta');
  assert.equal(decoded.arguments.clear_devices, true);
});

test('fieldBytes joins every occurrence of a field and skips the others', () => {
  const writer = protobuf.Writer.create();
  writer.uint32((1 << 3) | 2).bytes(Buffer.from('ab'));
  writer.uint32((2 << 3) | 0).uint64(300);
  writer.uint32((3 << 3) | 5).fixed32(7);
  writer.uint32((1 << 3) | 2).bytes(Buffer.from('cd'));
  const message = writer.finish();
  assert.deepEqual(fieldBytes(message, 1), Buffer.from('abcd'));
  assert.deepEqual(fieldBytes(message, 4), Buffer.alloc(0));
});

// A call's error as @grpc/grpc-js reports it, with these ErrorInfo details.
function callError(code, infos) {
  const Status = RPC_ROOT.lookupType('google.rpc.Status');
  const ErrorInfo = RPC_ROOT.lookupType('google.rpc.ErrorInfo');
  const details = infos.map((info) => ({
    type_url: 'type.googleapis.com/google.rpc.ErrorInfo',
    value: ErrorInfo.encode(info).finish(),
  }));
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message: 'm', details }).finish()));
  return { code, details: 'what went wrong', metadata };
}

test("an ExportServiceError reads the ErrorInfo of the service's domain", () => {
  const raw = callError(grpc.status.INVALID_ARGUMENT, [
    { reason: 'ELSEWHERE', domain: 'another-domain', metadata: {} },
    { reason: 'MALFORMED_INPUT', domain: 'metagraph-export', metadata: { category: 'MALFORMED_INPUT', what: 'graph' } },
  ]);
  const error = new ExportServiceError(raw, errorInfo(raw));
  assert.equal(error.message, 'what went wrong');
  assert.equal(error.codeName, 'INVALID_ARGUMENT');
  assert.equal(error.reason, 'MALFORMED_INPUT');
  assert.equal(error.category, 'MALFORMED_INPUT');
  assert.equal(error.metadata.what, 'graph');
});

test('a status without details has no reason or category', () => {
  const raw = { code: grpc.status.UNAVAILABLE, details: 'down', metadata: new grpc.Metadata() };
  const error = new ExportServiceError(raw, errorInfo(raw));
  assert.equal(error.reason, null);
  assert.equal(error.category, null);
});

test('an unreachable server rejects with an ExportServiceError', async () => {
  const client = new ExportClient('127.0.0.1:1');
  try {
    await assert.rejects(client.export({}, { timeoutSeconds: 5 }), (error) => {
      assert.ok(error instanceof ExportServiceError);
      assert.equal(error.codeName, 'UNAVAILABLE');
      return true;
    });
  } finally {
    client.close();
  }
});
