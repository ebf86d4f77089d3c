'use strict';
// The client as a program under test of the conformance runner
// (`metagraph-export conformance run --backend exec:...`): the protocol of
// proto/metagraph_export/conformance/v1/protocol.proto over stdin and stdout,
// each case forwarded to a server through ExportClient.
//
// Files: the runner gives each case a sandbox and a `filename` absolute inside
// it; the server takes a filename relative to its output root. With the
// sandboxes below the output root (the testee's --sandbox-root), the filename
// is sent relative to the root, so the server writes into the sandbox for
// real and the runner judges what it finds there.
//
// Errors: the category is the `reason` of the status's google.rpc.ErrorInfo
// (domain metagraph-export); without an ErrorInfo, the category of the status
// code where the specification's table (EXP-ERR-6) reads back to one. Any
// other failure of the call is a runtime error: the case fails with it.

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');

const PROTOCOL_VERSION = 1;
const IMPLEMENTATION = 'metagraph-export-node-client 0.1.0';
const HEADER_BYTES = 4;
const FILENAME_FIELD = 1; // ExportArguments.filename
const CATEGORIES = new Set(['INVALID_ARGUMENT', 'MALFORMED_INPUT', 'GRAPH_TOO_LARGE', 'WRITE_FAILED']);
// The specification's table read backwards, where a code has one category.
const CATEGORY_BY_CODE = new Map([
  [grpc.status.INVALID_ARGUMENT, 'INVALID_ARGUMENT'],
  [grpc.status.RESOURCE_EXHAUSTED, 'GRAPH_TOO_LARGE'],
]);

// A case the testee cannot forward as it is; the case fails with the message.
class CannotForward extends Error {}

// A message of the protocol: its 4-byte little-endian length, then it.
function frame(message) {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(message.length, 0);
  return Buffer.concat([header, message]);
}

// The messages of a stream of frames, one at a time; an error if it ends
// inside one. Chunks are joined only once a whole message is there.
async function* frames(stream) {
  let chunks = [];
  let buffered = 0;
  const joined = () => {
    const all = Buffer.concat(chunks, buffered);
    chunks = [all];
    return all;
  };
  for await (const chunk of stream) {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= HEADER_BYTES) {
      const head = chunks[0].length >= HEADER_BYTES ? chunks[0] : joined();
      const end = HEADER_BYTES + head.readUInt32LE(0);
      if (buffered < end) break;
      const all = joined();
      yield all.subarray(HEADER_BYTES, end);
      chunks = [all.subarray(end)];
      buffered -= end;
    }
  }
  if (buffered > 0) throw new Error(`the input ended inside a message (${buffered} bytes left)`);
}

// The filename the server is sent for one the runner gave: inside the case's
// sandbox, relative to the root; anything else unchanged (the server judges it).
function serverFilename(filename, sandbox, sandboxRoot) {
  if (!filename.startsWith(`${sandbox}/`)) return filename;
  const inside = filename.slice(sandbox.length + 1);
  if (sandboxRoot === null) {
    throw new CannotForward(
      'the case writes a file, which needs the server to write into the case\'s sandbox: give ' +
        '--sandbox-root, the server\'s --output-root, and run the runner with its temporary directory below it',
    );
  }
  const relative = path.relative(sandboxRoot, sandbox);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new CannotForward(
      `the case's sandbox ${sandbox} is not below --sandbox-root ${sandboxRoot}, where the server writes: ` +
        `run the runner with its temporary directory there (TMPDIR=${sandboxRoot})`,
    );
  }
  return relative === '' ? inside : `${relative.split(path.sep).join('/')}/${inside}`;
}

// Serialized ExportArguments with each filename replaced by rewrite(name),
// every other byte kept (unknown fields, malformed ones included). Bytes
// whose top level does not parse, or whose filename is not UTF-8, are
// returned as they are: the server judges them.
function rewriteFilename(data, rewrite) {
  const reader = protobuf.Reader.create(data);
  const pieces = [];
  try {
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const tag = reader.uint32();
      if (tag >>> 3 === 0) return data;
      if (tag >>> 3 === FILENAME_FIELD && (tag & 7) === 2) {
        const name = new TextDecoder('utf-8', { fatal: true }).decode(reader.bytes());
        const writer = protobuf.Writer.create();
        writer.uint32(tag).string(rewrite(name));
        pieces.push(Buffer.from(writer.finish()));
      } else {
        reader.skipType(tag & 7);
        pieces.push(data.subarray(start, reader.pos));
      }
    }
  } catch (error) {
    if (error instanceof CannotForward) throw error;
    return data;
  }
  return Buffer.concat(pieces);
}

// The protocol's Failed category of a failed call, or null when the failure
// is not an error of the specification.
function failedCategory(error) {
  if (error.reason !== null && error.reason !== undefined) return CATEGORIES.has(error.reason) ? error.reason : null;
  return CATEGORY_BY_CODE.get(error.code) || null;
}

// A failed call's status, message and ErrorInfo reason, for a person.
function describe(error) {
  const status = error.codeName ? `${error.codeName}: ` : '';
  const reason = error.reason ? ` (reason ${error.reason})` : '';
  return `${status}${error.message}${reason}`;
}

class Testee {
  // client: an ExportClient. options: sandboxRoot (a real path, or null),
  // stream (true, false or undefined: ExportStream, Export or by size),
  // timeoutSeconds (the deadline of each call, or undefined).
  constructor(client, root, options = {}) {
    this.client = client;
    this.sandboxRoot = options.sandboxRoot || null;
    this.stream = options.stream;
    this.timeoutSeconds = options.timeoutSeconds;
    this.server = null;
    this.types = {
      TesteeRequest: root.lookupType('metagraph_export.conformance.v1.TesteeRequest'),
      TesteeResponse: root.lookupType('metagraph_export.conformance.v1.TesteeResponse'),
      Diagnostic: root.lookupType('metagraph_export.api.v1.Diagnostic'),
      ErrorCategory: root.lookupEnum('metagraph_export.conformance.v1.ErrorCategory'),
    };
  }

  // Asks the server what it is, once; rejects when it cannot be reached or
  // cannot take the cases as configured.
  async connect() {
    const info = await this.client.getInfo(30);
    const maxMessageBytes = Number(info.limits.max_message_bytes);
    if (maxMessageBytes > 0) this.client.maxMessageBytes = maxMessageBytes;
    if (this.sandboxRoot !== null && !info.limits.filename_writing_enabled) {
      throw new Error('the server writes no files (it has no --output-root), but --sandbox-root was given');
    }
    this.server = `${info.implementation} ${info.version}, spec ${info.spec_version}`;
  }

  // The serialized TesteeResponse to a serialized TesteeRequest.
  async answer(requestBytes) {
    const request = this.types.TesteeRequest.decode(requestBytes);
    if (request.hello) {
      const where = this.sandboxRoot === null ? 'no sandbox root' : `sandbox root ${this.sandboxRoot}`;
      return this.types.TesteeResponse.encode({
        hello: { protocol_version: PROTOCOL_VERSION, implementation: `${IMPLEMENTATION}; server: ${this.server}; ${where}` },
      }).finish();
    }
    if (!request.run) throw new Error('a request that is neither hello nor run');
    let result;
    try {
      result = await this.run(request.run);
    } catch (error) {
      result = this.types.TesteeResponse.encode({
        result: { runtime_error: error instanceof CannotForward ? error.message : `${error.stack || error}` },
      }).finish();
    }
    return result;
  }

  async run(runCase) {
    const sandbox = runCase.sandbox;
    const argumentsBytes = rewriteFilename(Buffer.from(runCase.arguments), (name) =>
      serverFilename(name, sandbox, this.sandboxRoot),
    );
    let exported;
    try {
      exported = await this.client.export(argumentsBytes, { timeoutSeconds: this.timeoutSeconds, stream: this.stream });
    } catch (error) {
      if (error.code === undefined) throw error;
      const category = failedCategory(error);
      if (category === null) throw new CannotForward(`the call failed: ${describe(error)}`);
      return this.types.TesteeResponse.encode({
        result: { failed: { category: this.types.ErrorCategory.values[category], message: error.message } },
      }).finish();
    }
    return this.exportedResponse(exported);
  }

  // TesteeResponse{result: CaseResult{exported: Exported}}, assembled field by
  // field so that the MetaGraphDef goes on as the server's bytes.
  exportedResponse(exported) {
    const writer = protobuf.Writer.create();
    writer.uint32((1 << 3) | 2).bytes(exported.meta_graph_def_wire);
    for (const diagnostic of exported.diagnostics) {
      writer.uint32((2 << 3) | 2).bytes(this.types.Diagnostic.encode(diagnostic).finish());
    }
    const caseResult = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(writer.finish()).finish();
    return protobuf.Writer.create().uint32((2 << 3) | 2).bytes(caseResult).finish();
  }
}

module.exports = { Testee, CannotForward, describe, frame, frames, serverFilename, rewriteFilename, failedCategory };
