#!/usr/bin/env node
'use strict';
// The conformance protocol (proto/metagraph_export/conformance/v1/protocol.proto)
// over stdin and stdout: 4-byte little-endian length, then the message.

const w = require('./wire');
const { ExportError, NotImplementedError, exportMetaGraph } = require('./exporter');

const PROTOCOL_VERSION = 1;
const CATEGORIES = { INVALID_ARGUMENT: 1, MALFORMED_INPUT: 2, GRAPH_TOO_LARGE: 3, WRITE_FAILED: 4 };
const SEVERITIES = {
  COLLECTION_DROPPED: 'warning',
  COLLECTION_KEY_NOT_STRING: 'info',
  OP_NOT_REGISTERED: 'warning',
  DEBUG_INFO_NOT_WRITTEN: 'warning',
  SCOPE_MATCHES_NOTHING: 'warning',
  COLLECTION_NOT_FOUND: 'warning',
};

function frame(fields) {
  const body = w.encode(fields);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

function answer(request) {
  const fields = w.decode(request);
  const hello = w.message(fields, 1);
  if (hello !== undefined) {
    // TesteeResponse.hello: HelloReply { protocol_version, implementation }
    return [w.messageField(1, [
      w.varintField(1, PROTOCOL_VERSION),
      w.stringField(2, 'metagraph-export-node 0.1.0 (subset)'),
    ])];
  }
  const run = w.message(fields, 2);
  if (run === undefined) throw new Error('a request that is neither hello nor run');
  const argumentsField = w.last(run, 2);
  const argumentsBytes = argumentsField === undefined ? Buffer.alloc(0) : argumentsField.value;
  let result;
  try {
    const { metaGraphDef, diagnostics } = exportMetaGraph(argumentsBytes);
    const exported = [w.bytesField(1, metaGraphDef)];
    for (const [code, subject] of diagnostics) {
      exported.push(w.messageField(2, [
        w.stringField(1, code),
        w.stringField(2, SEVERITIES[code]),
        w.stringField(3, subject),
        w.stringField(4, `${code}: ${subject}`),
      ]));
    }
    result = [w.messageField(1, exported)];
  } catch (error) {
    if (error instanceof w.MalformedError) {
      result = [w.messageField(2, [w.varintField(1, CATEGORIES.MALFORMED_INPUT),
        w.stringField(2, error.message)])];
    } else if (error instanceof ExportError) {
      result = [w.messageField(2, [w.varintField(1, CATEGORIES[error.category]),
        w.stringField(2, error.message)])];
    } else if (error instanceof NotImplementedError) {
      result = [w.stringField(3, `not implemented: ${error.message}`)];
    } else {
      result = [w.stringField(3, String(error && error.stack ? error.stack : error))];
    }
  }
  return [w.messageField(2, result)];
}

let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4) {
    const length = pending.readUInt32LE(0);
    if (pending.length < 4 + length) break;
    const request = pending.subarray(4, 4 + length);
    pending = pending.subarray(4 + length);
    process.stdout.write(frame(answer(request)));
  }
});
process.stdin.on('end', () => process.exit(0));
