'use strict';
// The project's .proto files, loaded twice: by @grpc/proto-loader for the
// service's client, and by protobufjs for the messages themselves (requests,
// responses, the conformance protocol). Field names keep their .proto spelling.

const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');
const protoLoader = require('@grpc/proto-loader');

const DEFAULT_PROTO_ROOT = path.resolve(__dirname, '..', '..', '..', 'proto');
const SERVICE_PROTO = 'metagraph_export/service/v1/service.proto';

function protoFiles(protoRoot) {
  const found = [];
  const walk = (directory) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.proto')) found.push(path.relative(protoRoot, full).split(path.sep).join('/'));
    }
  };
  walk(protoRoot);
  return found.sort();
}

// Every message of proto/ (and the well-known types), by full name.
function loadRoot(protoRoot = DEFAULT_PROTO_ROOT) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (target.startsWith('google/protobuf/')) return target;
    return path.join(protoRoot, target);
  };
  root.loadSync(protoFiles(protoRoot), { keepCase: true });
  root.resolveAll();
  return root;
}

// The ExportService client constructor, through @grpc/proto-loader.
function loadService(protoRoot = DEFAULT_PROTO_ROOT) {
  const definition = protoLoader.loadSync(SERVICE_PROTO, {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
  });
  return definition;
}

// google.rpc.Status and the details the service sends, which are not among
// the project's .proto files.
const RPC_ROOT = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 },
              },
            },
            BadRequest: {
              fields: {
                field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 },
              },
              nested: {
                FieldViolation: {
                  fields: {
                    field: { type: 'string', id: 1 },
                    description: { type: 'string', id: 2 },
                  },
                },
              },
            },
          },
        },
        protobuf: {
          nested: {
            Any: {
              fields: {
                type_url: { type: 'string', id: 1 },
                value: { type: 'bytes', id: 2 },
              },
            },
          },
        },
      },
    },
  },
});

module.exports = { DEFAULT_PROTO_ROOT, SERVICE_PROTO, loadRoot, loadService, RPC_ROOT, protoFiles };
