#!/usr/bin/env node
'use strict';
// Runs the conformance suite against a metagraph-export gRPC server and
// prints what the Python runner prints: each failure, then
//   N passed, N failed, N skipped, N expected failures  [T s]
// Exit status: 0 when no case failed, 1 otherwise, 2 for a wrong command
// line or a server that cannot be reached.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const { ExportClient } = require('../lib/client');
const { DEFAULT_PROTO_ROOT, loadRoot } = require('../lib/protos');
const { Runner, SuiteError, loadSuite, loadFailureList, summaryLine, FAILED, EXPECTED_FAILURE } = require('../lib/conformance');

const PROG = 'metagraph-export-conformance-node';
const DEFAULT_SUITE = path.resolve(__dirname, '..', '..', '..', 'conformance', 'cases');
const USAGE = `usage: ${PROG} --target HOST:PORT [options]

Runs the conformance cases against a server of metagraph_export.service.v1.ExportService.

  --target HOST:PORT      the server (any gRPC target)
  --sandbox-root DIR      the server's --output-root, shared with this process:
                          cases write there for real (else cases that need a
                          file system are skipped and files are taken from the
                          response's bytes)
  --case PATTERN          only cases whose id matches this glob (repeatable)
  --failure-list FILE     the known failures
  --slow                  also run cases tagged slow
  --required-only         skip RECOMMENDED cases
  --timeout SECONDS       per case (default 60)
  --token TOKEN           bearer token (or env METAGRAPH_EXPORT_TOKEN)
  --tls-ca PEM            use TLS, trusting these CAs
  --tls-cert PEM, --tls-key PEM   client certificate for mutual TLS
  --suite DIR             the cases (default: ${path.relative(process.cwd(), DEFAULT_SUITE) || '.'})
  --proto-root DIR        the .proto files (default: the repository's proto/)
  --keep-sandboxes        keep the case directories
  -v, --verbose           print every case
`;

function fail(message) {
  process.stderr.write(`${PROG}: error: ${message}\n`);
  process.exit(2);
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        target: { type: 'string' },
        'sandbox-root': { type: 'string' },
        case: { type: 'string', multiple: true, default: [] },
        'failure-list': { type: 'string' },
        slow: { type: 'boolean', default: false },
        'required-only': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '60' },
        token: { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        suite: { type: 'string', default: DEFAULT_SUITE },
        'proto-root': { type: 'string', default: DEFAULT_PROTO_ROOT },
        'keep-sandboxes': { type: 'boolean', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(error.message);
  }
  const options = parsed.values;
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!options.target) fail('--target is required');
  const timeoutSeconds = Number(options.timeout);
  if (!(timeoutSeconds > 0)) fail('--timeout must be a positive number of seconds');
  if ((options['tls-cert'] === undefined) !== (options['tls-key'] === undefined)) {
    fail('--tls-cert and --tls-key go together');
  }
  if (options['sandbox-root'] && !fs.existsSync(options['sandbox-root'])) {
    fail(`--sandbox-root ${options['sandbox-root']}: no such directory`);
  }
  let credentials;
  try {
    if (options['tls-ca'] || options['tls-cert']) {
      credentials = grpc.credentials.createSsl(
        options['tls-ca'] ? fs.readFileSync(options['tls-ca']) : null,
        options['tls-key'] ? fs.readFileSync(options['tls-key']) : null,
        options['tls-cert'] ? fs.readFileSync(options['tls-cert']) : null,
      );
    }
  } catch (error) {
    fail(error.message);
  }

  const root = loadRoot(options['proto-root']);
  let cases;
  let failureList;
  try {
    cases = loadSuite(options.suite, root);
    failureList = loadFailureList(options['failure-list']);
  } catch (error) {
    process.stderr.write(`${PROG}: error: ${error.message}\n`);
    return 1;
  }
  const known = new Set(cases.map((testCase) => testCase.id));
  const stale = [...failureList.keys()].filter((caseId) => !known.has(caseId)).sort();
  if (stale.length) {
    for (const caseId of stale) process.stderr.write(`failure list: ${caseId} is not a case of the suite\n`);
    return 1;
  }

  const client = new ExportClient(options.target, {
    root,
    protoRoot: options['proto-root'],
    credentials,
    token: options.token || process.env.METAGRAPH_EXPORT_TOKEN,
  });
  const runner = new Runner(client, root, {
    sandboxRoot: options['sandbox-root'],
    includeSlow: options.slow,
    requiredOnly: options['required-only'],
    patterns: options.case,
    timeoutSeconds,
    keepSandboxes: options['keep-sandboxes'],
  });
  if (!cases.some((testCase) => runner.selected(testCase))) {
    process.stderr.write('no case matches\n');
    return 1;
  }
  const started = process.hrtime.bigint();
  let info;
  try {
    info = await client.getInfo(Math.min(timeoutSeconds, 30));
  } catch (error) {
    client.close();
    fail(`cannot reach ${options.target}: ${error.message}`);
  }
  client.maxMessageBytes = Number(info.limits.max_message_bytes);
  console.log(`backend: grpc://${options.target} (${info.implementation} ${info.version}, spec ${info.spec_version})`);

  const report = (result) => {
    if (result.status === FAILED) {
      console.log(`FAIL ${result.caseId}\n  ${result.message.replace(/\n/g, '\n  ')}`);
    } else if (options.verbose) {
      const label = result.status === EXPECTED_FAILURE ? 'XFAIL' : result.status.toUpperCase();
      let line = `${label.padEnd(8)} ${result.caseId}`;
      if (result.message && result.status !== 'passed') line += `  (${result.message.split('\n')[0].slice(0, 160)})`;
      console.log(line);
    }
  };
  let results;
  try {
    results = await runner.runAll(cases, failureList, report);
  } finally {
    client.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${summaryLine(results)}  [${seconds.toFixed(1)} s]`);
  return results.some((result) => result.status === FAILED) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    process.stderr.write(`${PROG}: ${error instanceof SuiteError ? 'error: ' : ''}${error.stack || error}\n`);
    process.exitCode = 2;
  },
);
