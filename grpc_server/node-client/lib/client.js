'use strict';
// A client of metagraph_export.service.v1.ExportService.
//
// The service's definition comes from @grpc/proto-loader; the large payloads
// (the ExportRequest, the ExportResponse) are encoded and decoded with
// protobufjs directly, so that requests can be sent as given bytes (a
// serialized ExportArguments, malformed on purpose or not) and int64 fields
// come back as Long values. Requests up to a quarter of the message limit go
// through Export, larger ones through ExportStream, in chunks.

const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');
const { loadService, loadRoot, RPC_ROOT, DEFAULT_PROTO_ROOT } = require('./protos');

const SERVICE = 'metagraph_export.service.v1.ExportService';
const DOMAIN = 'metagraph-export';
const DEFAULT_MAX_MESSAGE_BYTES = 4 << 20;
const CHUNK_SIZE = 1 << 20;

// The error of a call that failed with a status of the service.
class ExportServiceError extends Error {
  constructor(serviceError, info) {
    super(serviceError.details || serviceError.message);
    this.code = serviceError.code;
    this.codeName = grpc.status[serviceError.code];
    // The specification's error category (INVALID_ARGUMENT, MALFORMED_INPUT,
    // GRAPH_TOO_LARGE, WRITE_FAILED), when the status carries one.
    this.category = null;
    this.reason = null;
    this.metadata = {};
    if (info) {
      this.reason = info.reason;
      this.metadata = info.metadata || {};
      this.category = this.metadata.category || null;
    }
  }
}

function varint(value) {
  const out = [];
  let v = BigInt(value);
  while (v > 0x7fn) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

// A serialized ExportRequest holding these serialized ExportArguments.
function exportRequestBytes(argumentsBytes) {
  return Buffer.concat([Buffer.from([0x0a]), varint(argumentsBytes.length), argumentsBytes]);
}

// The payloads of a length-delimited field of a serialized message, joined:
// a message field given more than once is their merge.
function fieldBytes(message, number) {
  const reader = protobuf.Reader.create(message);
  const parts = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === number && (tag & 7) === 2) parts.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return Buffer.concat(parts);
}

function errorInfo(serviceError) {
  const values = serviceError.metadata ? serviceError.metadata.get('grpc-status-details-bin') : [];
  if (!values || values.length === 0) return null;
  const Status = RPC_ROOT.lookupType('google.rpc.Status');
  const ErrorInfo = RPC_ROOT.lookupType('google.rpc.ErrorInfo');
  try {
    const status = Status.decode(values[0]);
    for (const detail of status.details) {
      if (detail.type_url === 'type.googleapis.com/google.rpc.ErrorInfo') {
        const info = ErrorInfo.decode(detail.value);
        if (info.domain === DOMAIN) return info;
      }
    }
  } catch {
    return null;
  }
  return null;
}

function wrapError(error) {
  if (error instanceof ExportServiceError || error.code === undefined) return error;
  return new ExportServiceError(error, errorInfo(error));
}

class ExportClient {
  // target: "host:port" or any gRPC target. options: credentials
  // (grpc.ChannelCredentials), token (bearer), maxMessageBytes (the server's
  // limit, as GetInfo reports it), chunkSize, protoRoot, channelOptions.
  constructor(target, options = {}) {
    const protoRoot = options.protoRoot || DEFAULT_PROTO_ROOT;
    this.root = options.root || loadRoot(protoRoot);
    const definition = loadService(protoRoot);
    const Service = grpc.loadPackageDefinition(definition).metagraph_export.service.v1.ExportService;
    this.client = new Service(target, options.credentials || grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      ...(options.channelOptions || {}),
    });
    this.token = options.token;
    this.maxMessageBytes = options.maxMessageBytes || DEFAULT_MAX_MESSAGE_BYTES;
    this.chunkSize = options.chunkSize || CHUNK_SIZE;
    this.types = {
      ExportArguments: this.root.lookupType('metagraph_export.api.v1.ExportArguments'),
      ExportResponse: this.root.lookupType('metagraph_export.service.v1.ExportResponse'),
      ExportStreamRequest: this.root.lookupType('metagraph_export.service.v1.ExportStreamRequest'),
      ExportStreamResponse: this.root.lookupType('metagraph_export.service.v1.ExportStreamResponse'),
      MetaGraphDef: this.root.lookupType('tensorflow.MetaGraphDef'),
      GraphDebugInfo: this.root.lookupType('tensorflow.GraphDebugInfo'),
    };
  }

  metadata() {
    const metadata = new grpc.Metadata();
    if (this.token !== undefined && this.token !== null) metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  static deadline(timeoutSeconds) {
    return timeoutSeconds ? new Date(Date.now() + timeoutSeconds * 1000) : Infinity;
  }

  close() {
    this.client.close();
  }

  getInfo(timeoutSeconds) {
    return new Promise((resolve, reject) => {
      this.client.GetInfo({}, this.metadata(), { deadline: ExportClient.deadline(timeoutSeconds) }, (error, response) => {
        if (error) reject(wrapError(error));
        else resolve(response);
      });
    });
  }

  // Exports the arguments (an ExportArguments message or plain object, or
  // its serialized bytes). Resolves to { meta_graph_def, meta_graph_def_wire,
  // meta_graph_bytes, debug_info, debug_info_bytes, diagnostics, files };
  // rejects with an ExportServiceError. `stream` true or false forces
  // ExportStream or Export; by default the request's size chooses.
  async export(args, { timeoutSeconds, stream } = {}) {
    let argumentsBytes = args;
    if (!Buffer.isBuffer(args) && !(args instanceof Uint8Array)) {
      const type = this.types.ExportArguments;
      const message = args instanceof type.ctor ? args : type.fromObject(args);
      argumentsBytes = Buffer.from(type.encode(message).finish());
    }
    const request = exportRequestBytes(Buffer.from(argumentsBytes));
    const useStream = stream === undefined ? request.length > this.maxMessageBytes / 4 : stream;
    try {
      if (useStream) return await this.exportStream(request, timeoutSeconds);
      return await this.exportUnary(request, timeoutSeconds);
    } catch (error) {
      const wrapped = wrapError(error);
      const tooLarge =
        wrapped.code === grpc.status.RESOURCE_EXHAUSTED &&
        (wrapped.reason === null || wrapped.reason === 'RESPONSE_TOO_LARGE');
      if (stream === undefined && !useStream && tooLarge) {
        return this.exportStream(request, timeoutSeconds).catch((e) => {
          throw wrapError(e);
        });
      }
      throw wrapped;
    }
  }

  exportUnary(request, timeoutSeconds) {
    const path = `/${SERVICE}/Export`;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        (bytes) => bytes,
        (bytes) => bytes,
        request,
        this.metadata(),
        { deadline: ExportClient.deadline(timeoutSeconds) },
        (error, response) => {
          if (error) {
            reject(error);
            return;
          }
          const decoded = this.types.ExportResponse.decode(response);
          resolve(this.result(decoded, fieldBytes(response, 1), decoded.meta_graph_bytes, decoded.debug_info_bytes));
        },
      );
    });
  }

  exportStream(request, timeoutSeconds) {
    const path = `/${SERVICE}/ExportStream`;
    const { ExportStreamRequest, ExportStreamResponse } = this.types;
    return new Promise((resolve, reject) => {
      const call = this.client.makeBidiStreamRequest(
        path,
        (message) => Buffer.from(ExportStreamRequest.encode(message).finish()),
        (bytes) => ExportStreamResponse.decode(bytes),
        this.metadata(),
        { deadline: ExportClient.deadline(timeoutSeconds) },
      );
      let head = null;
      const fields = new Map();
      call.on('data', (response) => {
        if (response.part === 'head' || (response.head && !response.chunk)) {
          head = response.head;
        } else if (response.chunk) {
          const parts = fields.get(response.chunk.field) || [];
          parts.push(Buffer.from(response.chunk.data));
          fields.set(response.chunk.field, parts);
        }
      });
      call.on('error', reject);
      call.on('end', () => {
        if (head === null) {
          reject(new Error('the stream ended without a response'));
          return;
        }
        const field = (number) => (fields.has(number) ? Buffer.concat(fields.get(number)) : null);
        const metaGraphWire = field(1) || Buffer.alloc(0);
        head.meta_graph_def = this.types.MetaGraphDef.decode(metaGraphWire);
        const debugWire = field(3);
        if (debugWire !== null) head.debug_info = this.types.GraphDebugInfo.decode(debugWire);
        const debugBytes = field(4);
        resolve(
          this.result(head, metaGraphWire, field(2) || Buffer.alloc(0), debugWire !== null ? debugBytes || Buffer.alloc(0) : null),
        );
      });
      // Send the request in chunks, respecting flow control.
      let offset = 0;
      const writeMore = () => {
        while (offset < request.length || offset === 0) {
          const chunk = request.subarray(offset, offset + this.chunkSize);
          const message = { chunk };
          if (offset === 0) message.total_size = request.length;
          offset += Math.max(chunk.length, 1);
          if (!call.write(message)) {
            call.once('drain', writeMore);
            return;
          }
        }
        call.end();
      };
      writeMore();
    });
  }

  // meta_graph_def_wire is the serialized MetaGraphDef exactly as the
  // server sent it (unknown fields included), for a caller that passes it on.
  result(response, metaGraphWire, metaGraphBytes, debugInfoBytes) {
    const hasDebugInfo = response.debug_info !== null && response.debug_info !== undefined;
    return {
      meta_graph_def: response.meta_graph_def || this.types.MetaGraphDef.create(),
      meta_graph_def_wire: Buffer.from(metaGraphWire),
      meta_graph_bytes: Buffer.from(metaGraphBytes || []),
      debug_info: hasDebugInfo ? response.debug_info : null,
      debug_info_bytes: hasDebugInfo ? Buffer.from(debugInfoBytes || []) : null,
      diagnostics: (response.diagnostics || []).map((d) => ({
        code: d.code,
        severity: d.severity,
        subject: d.subject,
        message: d.message,
      })),
      files: [...(response.files || [])],
    };
  }
}

module.exports = { ExportClient, ExportServiceError, errorInfo, exportRequestBytes, fieldBytes, SERVICE };
