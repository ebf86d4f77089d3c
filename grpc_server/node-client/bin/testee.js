#!/usr/bin/env node
'use strict';
// The Node.js client as a program under test of the conformance runner:
//   metagraph-export conformance run --backend "exec:node bin/testee.js --target HOST:PORT ..."
// It speaks the protocol of proto/metagraph_export/conformance/v1/protocol.proto
// on stdin and stdout and forwards each case to the server (lib/testee.js).
// Exit status: 0 when stdin closes, 2 for a wrong command line or a server
// that cannot be reached, 1 for a broken protocol stream.

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const { ExportClient } = require('../lib/client');
const { DEFAULT_PROTO_ROOT, loadRoot } = require('../lib/protos');
const { Testee, describe, frame, frames } = require('../lib/testee');

const PROG = 'metagraph-export-node-testee';
const USAGE = `usage: ${PROG} --target HOST:PORT [options]

Speaks the conformance runner's stdin/stdout protocol and forwards each case
to a server of metagraph_export.service.v1.ExportService.

  --target HOST:PORT      the server (any gRPC target)
  --sandbox-root DIR      the server's --output-root; the runner's sandboxes
                          must be below it (run the runner with TMPDIR=DIR).
                          Without it, a case that writes a file fails
  --method METHOD         export, stream or auto (default: auto, by size)
  --timeout SECONDS       deadline of each call (default: none)
  --token TOKEN           bearer token (or env METAGRAPH_EXPORT_TOKEN)
  --tls-ca PEM            use TLS, trusting these CAs
  --tls-cert PEM, --tls-key PEM   client certificate for mutual TLS
  --proto-root DIR        the .proto files (default: the repository's proto/)
`;
const METHODS = { auto: undefined, export: false, stream: true };

function fail(message) {
  process.stderr.write(`${PROG}: error: ${message}\n`);
  process.exit(2);
}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        target: { type: 'string' },
        'sandbox-root': { type: 'string' },
        method: { type: 'string', default: 'auto' },
        timeout: { type: 'string' },
        token: { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'proto-root': { type: 'string', default: DEFAULT_PROTO_ROOT },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(error.message);
  }
  const values = parsed.values;
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (!values.target) fail('--target is required');
  if (!Object.hasOwn(METHODS, values.method)) fail(`--method must be export, stream or auto, not ${values.method}`);
  if (values.timeout !== undefined && !(Number(values.timeout) > 0)) {
    fail('--timeout must be a positive number of seconds');
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    fail('--tls-cert and --tls-key go together');
  }
  if (values['sandbox-root'] !== undefined) {
    try {
      values['sandbox-root'] = fs.realpathSync(values['sandbox-root']);
    } catch (error) {
      fail(`--sandbox-root: ${error.message}`);
    }
    if (!fs.statSync(values['sandbox-root']).isDirectory()) fail(`--sandbox-root ${values['sandbox-root']} is not a directory`);
  }
  return values;
}

function credentials(values) {
  if (!values['tls-ca'] && !values['tls-cert']) return undefined;
  try {
    const read = (name) => (values[name] ? fs.readFileSync(values[name]) : null);
    return grpc.credentials.createSsl(read('tls-ca'), read('tls-key'), read('tls-cert'));
  } catch (error) {
    return fail(error.message);
  }
}

async function main(argv) {
  const values = options(argv);
  const root = loadRoot(values['proto-root']);
  const client = new ExportClient(values.target, {
    root,
    protoRoot: values['proto-root'],
    credentials: credentials(values),
    token: values.token || process.env.METAGRAPH_EXPORT_TOKEN,
  });
  const testee = new Testee(client, root, {
    sandboxRoot: values['sandbox-root'],
    stream: METHODS[values.method],
    timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout),
  });
  try {
    await testee.connect();
  } catch (error) {
    client.close();
    fail(`cannot use ${values.target}: ${describe(error)}`);
  }
  try {
    for await (const request of frames(process.stdin)) {
      process.stdout.write(frame(await testee.answer(request)));
    }
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${PROG}: ${error.stack || error}\n`);
  process.exitCode = 1;
});
