'use strict';
// The conformance suite (conformance/cases, case schema in
// proto/metagraph_export/conformance/v1/case.proto), run against a server of
// the gRPC service, judged as the Python runner judges
// (conformance/metagraph_export_conformance/runner.py).
//
// Files: with a sandbox root (the server's --output-root, on a file system
// this process shares), each case gets a sandbox directory below it and the
// server writes there for real, so every case can run. Without one, the
// cases that write files, or need files present beforehand, are skipped.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const protobuf = require('protobufjs');
const textformat = require('./textformat');
const { Comparer, diagnosticsDifference } = require('./compare');

const PASSED = 'passed';
const FAILED = 'failed';
const SKIPPED = 'skipped';
const EXPECTED_FAILURE = 'expected failure';
const CASE_SUFFIX = '.textproto';
const SHARED_DIR = 'inputs';
const ERROR_CATEGORIES = ['INVALID_ARGUMENT', 'MALFORMED_INPUT', 'GRAPH_TOO_LARGE', 'WRITE_FAILED'];

class SuiteError extends Error {}

// --- the suite ---------------------------------------------------------------

class Case {
  constructor(message, file, root) {
    this.message = message;
    this.file = file;
    this.root = root;
  }

  get id() {
    return this.message.id;
  }

  get tags() {
    return new Set(this.message.tags || []);
  }

  resolve(relative) {
    if (!relative || relative.startsWith('/') || relative.includes('\\')) {
      throw new SuiteError(`${this.file}: ${JSON.stringify(relative)} is not a relative '/'-separated path`);
    }
    return path.resolve(path.dirname(this.file), ...relative.split('/'));
  }

  read(relative) {
    try {
      return fs.readFileSync(this.resolve(relative));
    } catch (error) {
      if (error instanceof SuiteError) throw error;
      throw new SuiteError(`${this.file}: cannot read ${JSON.stringify(relative)}: ${error.message}`);
    }
  }

  inputKind() {
    const input = this.message.input || {};
    if (Object.prototype.hasOwnProperty.call(input, 'raw_arguments') && input.raw_arguments !== null) return 'raw';
    if (input.synthesized) return 'synthesized';
    return 'arguments';
  }

  // The serialized ExportArguments: the argument files merged in order,
  // then `arguments` over them (protobuf merge: concatenated encodings).
  argumentsBytes() {
    const type = this.root.lookupType('metagraph_export.api.v1.ExportArguments');
    const parts = [];
    for (const name of this.message.input.arguments_files || []) {
      const data = this.read(name);
      if (name.endsWith('.textproto')) {
        try {
          const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
          parts.push(Buffer.from(type.encode(textformat.parse(text, type, this.root)).finish()));
        } catch (error) {
          throw new SuiteError(`${this.file}: ${name}: ${error.message}`);
        }
      } else if (name.endsWith('.binpb')) {
        parts.push(data);
      } else {
        throw new SuiteError(`${this.file}: ${name}: neither .textproto nor .binpb`);
      }
    }
    if (this.message.input.arguments) {
      parts.push(Buffer.from(type.encode(this.message.input.arguments).finish()));
    }
    return Buffer.concat(parts);
  }
}

function caseFiles(suite) {
  const files = [];
  const directories = fs
    .readdirSync(suite, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== SHARED_DIR)
    .map((entry) => entry.name)
    .sort();
  for (const directory of directories) {
    const names = fs.readdirSync(path.join(suite, directory)).filter((name) => name.endsWith(CASE_SUFFIX)).sort();
    for (const name of names) files.push(path.join(suite, directory, name));
  }
  return files;
}

function loadSuite(suite, root) {
  if (!fs.existsSync(suite) || !fs.statSync(suite).isDirectory()) {
    throw new SuiteError(`${suite}: no such suite directory`);
  }
  const type = root.lookupType('metagraph_export.conformance.v1.TestCase');
  return caseFiles(suite).map((file) => {
    try {
      return new Case(textformat.parse(fs.readFileSync(file, 'utf8'), type, root), file, root);
    } catch (error) {
      throw new SuiteError(`${file}: ${error.message}`);
    }
  });
}

// Failure lists: "CASE_ID  # reason" per line.
function loadFailureList(file) {
  const entries = new Map();
  if (!file) return entries;
  const problems = [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, index) => {
    const stripped = line.trim();
    if (!stripped || stripped.startsWith('#')) return;
    const hash = stripped.indexOf('#');
    const caseId = (hash < 0 ? stripped : stripped.slice(0, hash)).trim();
    const reason = hash < 0 ? '' : stripped.slice(hash + 1).trim();
    if (!reason) problems.push(`${file}:${index + 1}: ${JSON.stringify(caseId)} has no '# reason'`);
    else if (/\s/.test(caseId)) problems.push(`${file}:${index + 1}: ${JSON.stringify(caseId)} is not one case id`);
    else if (entries.has(caseId)) problems.push(`${file}:${index + 1}: ${caseId} is listed twice`);
    else entries.set(caseId, reason);
  });
  if (problems.length) throw new SuiteError(problems.join('\n'));
  return entries;
}

// fnmatch's glob: * ? [seq] [!seq].
function globToRegExp(pattern) {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        source += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

// --- files -------------------------------------------------------------------

// The debug file's name (spec EXP-DEBUG-2): the extension replaced by .debug.
function debugFileName(filename) {
  const slash = filename.lastIndexOf('/');
  const base = filename.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  let stem = filename;
  if (dot > 0 && /[^.]/.test(base.slice(0, dot))) stem = filename.slice(0, slash + 1 + dot);
  return `${stem}.debug`;
}

function readSandbox(sandbox) {
  const files = new Map();
  const walk = (directory) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(path.relative(sandbox, full).split(path.sep).join('/'), fs.readFileSync(full));
    }
  };
  walk(sandbox);
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function prepareSandbox(testCase, sandbox) {
  for (const entry of testCase.message.input.sandbox || []) {
    const target = path.join(sandbox, ...entry.path.split('/'));
    if (entry.kind === 'directory') {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, entry.file_content || Buffer.alloc(0));
    }
  }
  return readSandbox(sandbox);
}

// Reads a varint at `offset`; [value, next offset] or null.
function readVarint(data, offset) {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < data.length && shift < 70n; i += 1) {
    value |= BigInt(data[i] & 0x7f) << shift;
    if ((data[i] & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  return null;
}

function encodeVarint(value) {
  const out = [];
  let v = BigInt(value);
  while (v > 0x7fn) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

// Rewrites field 1 (filename) of serialized ExportArguments, keeping every
// other byte, when the top level is well formed and the filename is
// non-empty UTF-8; otherwise returns the bytes unchanged (the server then
// judges them, as the runner sends unparseable bytes as they are).
function rewriteFilename(data, rewrite) {
  const pieces = [];
  let offset = 0;
  let rewritten = false;
  while (offset < data.length) {
    const start = offset;
    const tag = readVarint(data, offset);
    if (tag === null) return data;
    const [key, afterTag] = tag;
    const fieldNumber = key >> 3n;
    const wireType = Number(key & 7n);
    let end;
    if (wireType === 0) {
      const value = readVarint(data, afterTag);
      if (value === null) return data;
      end = value[1];
    } else if (wireType === 1) end = afterTag + 8;
    else if (wireType === 5) end = afterTag + 4;
    else if (wireType === 2) {
      const length = readVarint(data, afterTag);
      if (length === null) return data;
      end = length[1] + Number(length[0]);
      if (end > data.length) return data;
      if (fieldNumber === 1n) {
        let name;
        try {
          name = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(length[1], end));
        } catch {
          return data;
        }
        if (name) {
          const bytes = Buffer.from(rewrite(name), 'utf8');
          pieces.push(Buffer.from([0x0a]), encodeVarint(bytes.length), bytes);
          rewritten = true;
          offset = end;
          continue;
        }
      }
    } else return data;
    if (fieldNumber === 0n || end > data.length) return data;
    pieces.push(data.subarray(start, end));
    offset = end;
  }
  return rewritten ? Buffer.concat(pieces) : data;
}

// Whether a case's call writes files: a non-empty filename without NUL (one
// with NUL fails before anything is written).
function writesFiles(testCase, root) {
  let data;
  try {
    data = testCase.inputKind() === 'raw' ? Buffer.from(testCase.message.input.raw_arguments) : testCase.argumentsBytes();
  } catch {
    return false;
  }
  let filename = '';
  rewriteFilename(data, (name) => {
    filename = name;
    return name;
  });
  if (!filename && testCase.inputKind() !== 'raw') {
    filename = root.lookupType('metagraph_export.api.v1.ExportArguments').decode(data).filename || '';
  }
  return filename !== '' && !filename.includes('\0');
}

// --- running -----------------------------------------------------------------

class Runner {
  // client: an ExportClient. options: sandboxRoot, includeSlow, requiredOnly,
  // patterns, timeoutSeconds, keepSandboxes.
  constructor(client, root, options = {}) {
    this.client = client;
    this.root = root;
    this.options = options;
    this.comparer = new Comparer(root);
  }

  selected(testCase) {
    const patterns = this.options.patterns || [];
    return patterns.length === 0 || patterns.some((pattern) => globToRegExp(pattern).test(testCase.id));
  }

  skipReason(testCase) {
    const tags = testCase.tags;
    if (tags.has('slow') && !this.options.includeSlow) return 'slow (run with --slow)';
    if (this.options.requiredOnly && testCase.id.startsWith('Recommended.')) return 'RECOMMENDED (--required-only)';
    const sandboxEntries = (testCase.message.input && testCase.message.input.sandbox) || [];
    if ((tags.has('filesystem') || sandboxEntries.length > 0) && !this.options.sandboxRoot) {
      return 'needs the runner\'s sandbox, which grpc does not write into (give --sandbox-root)';
    }
    if (testCase.inputKind() === 'synthesized') {
      return 'the input is larger than one message, which grpc cannot take';
    }
    if (!this.options.sandboxRoot && writesFiles(testCase, this.root)) {
      return 'writes files, which needs the server\'s output root (give --sandbox-root)';
    }
    return null;
  }

  async runAll(cases, failureList, report) {
    const results = [];
    const scratch = this.options.sandboxRoot
      ? fs.mkdtempSync(path.join(this.options.sandboxRoot, 'conformance-'))
      : fs.mkdtempSync(path.join(os.tmpdir(), 'metagraph-conformance-'));
    try {
      for (const testCase of cases) {
        if (!this.selected(testCase)) continue;
        const result = await this.judge(testCase, failureList, scratch);
        results.push(result);
        if (report) report(result);
      }
    } finally {
      if (!this.options.keepSandboxes) fs.rmSync(scratch, { recursive: true, force: true });
    }
    return results;
  }

  async judge(testCase, failureList, scratch) {
    const reason = this.skipReason(testCase);
    if (reason !== null) return { caseId: testCase.id, status: SKIPPED, message: reason, seconds: 0 };
    const started = process.hrtime.bigint();
    let problem;
    try {
      problem = await this.runCase(testCase, scratch);
    } catch (error) {
      problem = error instanceof SuiteError ? `the case cannot be read: ${error.message}` : `${error.stack || error}`;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const listed = failureList.has(testCase.id);
    if (problem === null) {
      if (listed) {
        return {
          caseId: testCase.id,
          status: FAILED,
          message: `passed, but the failure list says it fails (${failureList.get(testCase.id)}); remove it from the list`,
          seconds,
        };
      }
      return { caseId: testCase.id, status: PASSED, message: '', seconds };
    }
    return { caseId: testCase.id, status: listed ? EXPECTED_FAILURE : FAILED, message: problem, seconds };
  }

  async runCase(testCase, scratch) {
    const sandbox = fs.realpathSync(fs.mkdtempSync(path.join(scratch, 'case-')));
    const before = prepareSandbox(testCase, sandbox);
    const kind = testCase.inputKind();
    let data = kind === 'raw' ? Buffer.from(testCase.message.input.raw_arguments) : testCase.argumentsBytes();
    if (this.options.sandboxRoot) {
      // Relative to the server's output root, inside this case's sandbox.
      const prefix = path.relative(fs.realpathSync(this.options.sandboxRoot), sandbox).split(path.sep).join('/');
      data = rewriteFilename(data, (name) => (name.startsWith('/') ? name : `${prefix}/${name}`));
    }
    let outcome;
    try {
      const result = await this.client.export(data, { timeoutSeconds: this.options.timeoutSeconds });
      outcome = { kind: 'exported', result };
    } catch (error) {
      if (error.category && ERROR_CATEGORIES.includes(error.category)) {
        outcome = { kind: 'failed', category: error.category, message: error.message };
      } else {
        return `the call failed: ${error.codeName || ''} ${error.message}`.trim();
      }
    }
    return this.judgeOutcome(testCase, outcome, readSandbox(sandbox), before);
  }

  judgeOutcome(testCase, outcome, files, before) {
    const expected = testCase.message.expected;
    if (expected.error) {
      const wanted = this.categoryName(expected.error.category);
      if (outcome.kind === 'exported') return `expected an error ${wanted}, but the export succeeded`;
      if (outcome.category !== wanted) return `expected an error ${wanted}, got ${outcome.category}: ${outcome.message}`;
      const allowed = new Map((expected.error.may_leave || []).map((file) => [file.path, testCase.read(file.content_file)]));
      return sandboxUnchanged(before, files, allowed);
    }
    if (outcome.kind === 'failed') return `expected an export, got an error ${outcome.category}: ${outcome.message}`;
    return this.judgeExport(testCase, expected.export, outcome.result, files);
  }

  categoryName(value) {
    const categories = this.root.lookupEnum('metagraph_export.conformance.v1.ErrorCategory');
    return categories.valuesById[value];
  }

  judgeExport(testCase, expected, result, files) {
    const MetaGraphDef = this.root.lookupType('tensorflow.MetaGraphDef');
    const wantedGraph = expected.meta_graph_def || MetaGraphDef.create();
    let difference = this.comparer.metaGraphs(wantedGraph, result.meta_graph_def);
    if (difference !== null) return `returned MetaGraphDef: ${difference}`;
    const wantedFiles = expected.files || [];
    const wantedPaths = wantedFiles.map((file) => file.path);
    for (const wanted of wantedPaths) {
      if (!files.has(wanted)) {
        const present = [...files.keys()].sort().join(', ') || 'none';
        return `file ${wanted} was not written (files present: ${present})`;
      }
    }
    for (const present of files.keys()) {
      if (!wantedPaths.includes(present)) return `file ${present} was written, but no such file is expected`;
    }
    const formats = this.root.lookupEnum('metagraph_export.conformance.v1.FileFormat');
    const comparisons = this.root.lookupEnum('metagraph_export.conformance.v1.Comparison');
    for (const file of wantedFiles) {
      difference = this.comparer.file(
        testCase.read(file.content_file),
        files.get(file.path),
        formats.valuesById[file.format || 0],
        (file.comparison || 0) === comparisons.values.NORMALIZED_MESSAGE,
        file.path,
      );
      if (difference !== null) return difference;
    }
    return diagnosticsDifference(
      (expected.diagnostics || []).map((d) => [d.code, d.subject]),
      result.diagnostics.map((d) => [d.code, d.subject]),
    );
  }
}

function sandboxUnchanged(before, after, allowed) {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const file of paths) {
    if (allowed.has(file) && (!after.has(file) || Buffer.compare(after.get(file), allowed.get(file)) === 0)) continue;
    if (!after.has(file)) return `after the error, ${file} is gone`;
    if (!before.has(file)) return `after the error, ${file} was left behind`;
    if (Buffer.compare(before.get(file), after.get(file)) !== 0) return `after the error, ${file} was changed`;
  }
  return null;
}

function summaryLine(results) {
  const count = (status) => results.filter((result) => result.status === status).length;
  return `${count(PASSED)} passed, ${count(FAILED)} failed, ${count(SKIPPED)} skipped, ${count(EXPECTED_FAILURE)} expected failures`;
}

module.exports = {
  Runner,
  SuiteError,
  loadSuite,
  loadFailureList,
  summaryLine,
  debugFileName,
  rewriteFilename,
  globToRegExp,
  PASSED,
  FAILED,
  SKIPPED,
  EXPECTED_FAILURE,
  protobuf,
};
