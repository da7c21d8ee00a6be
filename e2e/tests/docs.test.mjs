// docs/API.md's examples are a test: every block fenced as ```js run runs,
// in the order of the document, as one story in one async function against
// a fresh server, so the reference cannot drift from what the server does.
//
// How a document becomes a program:
//   - First the blocks, unchanged, are compiled together as one async
//     function body: a syntax error or a name declared twice fails here,
//     with its line in docs/API.md.
//   - Then they run. Every line of code keeps its own line number (the
//     program has as many lines as the document, with the wrapper code on
//     the fence lines), so stack traces point into docs/API.md. Each block
//     runs inside try/catch and a failure does not stop the story: top-level
//     `const`/`let` (column 0) become `var`, which keeps them visible to
//     later blocks, so one failing block shows every block it breaks. The
//     test fails at the end, listing each failed block with the line that
//     threw.
//
// The names the blocks may use without declaring them are documented at the
// top of docs/API.md ("About the examples") and provided by `storyEnv`:
// URL, PocketBase, assert, waitFor, expo, skipToDeadline.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import vm from 'node:vm';

import PocketBase from 'pocketbase';

import { pbDate, waitUntil } from '../lib/circly.mjs';
import { startFakeExpo } from '../lib/fake-expo.mjs';
import { REPO_ROOT, adminClient, startServer } from '../lib/server.mjs';

/** The document, relative to the repository root (as it appears in failures). */
export const DOC = 'docs/API.md';

/** The names injected into the blocks, in the order of the function's destructuring. */
export const INJECTED = ['URL', 'PocketBase', 'assert', 'waitFor', 'expo', 'skipToDeadline'];

// how long the whole story may take before the test gives up (and names the block it was in)
const STORY_TIMEOUT_MS = 240_000;
// how long a wait for a realtime event or a push may take
const WAIT_MS = 10_000;

/**
 * The ```js run blocks of a markdown text, in order:
 * [{open, close, code: [{line, text}]}] with 1-based line numbers of the
 * fences. Other fenced blocks (```js, ```sh, …) are skipped whole, so a
 * fence inside them does not count.
 */
export function extractRunBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  let fence = null; // {marker, run, open, code}
  lines.forEach((text, i) => {
    const line = i + 1;
    if (!fence) {
      const m = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(text);
      if (!m) return;
      const words = m[3].trim().split(/\s+/);
      const run = words[0] === 'js' && words.includes('run');
      if (run && m[1] !== '') {
        throw new Error(`${DOC}:${line}: a js run block must start at column 0 (not inside a list)`);
      }
      fence = { marker: m[2], run, open: line, code: [] };
      return;
    }
    const close = new RegExp(`^\\s*${fence.marker[0]}{${fence.marker.length},}\\s*$`);
    if (close.test(text)) {
      if (fence.run) blocks.push({ open: fence.open, close: line, code: fence.code });
      fence = null;
      return;
    }
    if (fence.run) fence.code.push({ line, text });
  });
  if (fence) throw new Error(`${DOC}:${fence.open}: the code block is never closed`);
  return blocks;
}

const HEADER =
  `(async function (__env, __runner) { 'use strict'; ` +
  `const { ${INJECTED.join(', ')} } = __env; const { __enter, __failed } = __runner;`;

/**
 * The program: one async function whose lines are the document's lines.
 * `forRun` wraps each block in try/catch and turns top-level declarations
 * into `var` (same length, so columns stay right); otherwise the blocks are
 * left exactly as written (the compile check).
 */
export function buildProgram(lineCount, blocks, { forRun }) {
  if (blocks.length > 0 && blocks[0].open === 1) throw new Error(`${DOC}:1: the document cannot start with a code block`);
  const out = new Array(lineCount).fill('');
  out[0] = HEADER;
  for (const block of blocks) {
    out[block.open - 1] = forRun ? `try { __enter(${block.open});` : '';
    for (const { line, text } of block.code) {
      out[line - 1] = forRun ? hoist(text) : text;
    }
    out[block.close - 1] = forRun ? '} catch (__error) { __failed(__error); }' : '';
  }
  out.push('})');
  return out.join('\n');
}

function hoist(text) {
  return text
    .replace(/^const(\s)/, 'var  $1')
    .replace(/^let(\s)/, 'var$1')
    .replace(/^(async\s+)?function(\s*\*?\s*)([A-Za-z_$][\w$]*)/, (_, a = '', star, name) => `var ${name} = ${a}function${star}${name}`);
}

/** The first docs/API.md line in an error's stack, or undefined. */
function lineOf(error) {
  const m = /docs\/API\.md:(\d+)/.exec(String(error?.stack ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** The heading (## …) a line is under. */
function sectionOf(lines, line) {
  for (let i = line - 1; i >= 0; i--) {
    if (/^##\s/.test(lines[i])) return lines[i].replace(/^#+\s*/, '');
  }
  return '(top)';
}

function describe(error) {
  let text = error instanceof Error ? error.message : String(error);
  if (error?.response && typeof error.status === 'number') {
    text += `\n    response: ${error.status} ${JSON.stringify(error.response)}`;
  }
  return text.split('\n').slice(0, 12).join('\n    ');
}

/** One line per push the fake Expo service received: kind, poll, recipient. */
function pushSummary() {
  if (fakeExpo.messages.length === 0) return '(none)';
  return fakeExpo.messages
    .map((m) => `${m.data?.kind} poll=${m.data?.poll} to=${m.to} ${JSON.stringify(m.data)}`)
    .join('\n');
}

const markdown = readFileSync(path.join(REPO_ROOT, DOC), 'utf8');
const docLines = markdown.split('\n');

let server;
let fakeExpo;
let admin;
const clients = [];

before(async () => {
  fakeExpo = await startFakeExpo();
  server = await startServer({
    env: {
      CIRCLY_EXPO_BASE_URL: fakeExpo.url,
      CIRCLY_DISPATCH_INTERVAL: '1',
      CIRCLY_RECEIPT_DELAY: '1',
      CIRCLY_EXPO_RATE: '0',
    },
  });
  // the batch API is off by default; on here so §5 can show a vote in a batch refused
  admin = await adminClient(server);
  const settings = await admin.settings.update({ batch: { enabled: true } });
  assert.equal(settings.batch?.enabled, true, 'the batch API is on');
});

after(async () => {
  await Promise.allSettled(clients.map((pb) => pb.realtime.unsubscribe()));
  await server?.stop();
  await fakeExpo?.close();
});

/** What the blocks may use without declaring it (see docs/API.md, "About the examples"). */
function storyEnv() {
  class StoryPocketBase extends PocketBase {
    constructor(...args) {
      super(...args);
      clients.push(this);
    }
  }
  const env = {
    URL: server.url,
    PocketBase: StoryPocketBase,
    assert,
    waitFor: (check, what = 'the condition') => waitUntil(check, { timeoutMs: WAIT_MS, what }),
    expo: {
      first: (where = {}) =>
        fakeExpo.waitFor(() => fakeExpo.find(where)[0], {
          timeoutMs: WAIT_MS,
          what: `a push matching ${JSON.stringify(where)}`,
        }),
      all: (where = {}) => fakeExpo.find(where),
    },
    skipToDeadline: async (pollId) => {
      await admin.collection('polls').update(pollId, { deadline: pbDate(new Date(Date.now() - 1000)) });
    },
  };
  assert.deepEqual(Object.keys(env), INJECTED);
  return env;
}

test('docs/API.md: the js run blocks compile together as one script', () => {
  const blocks = extractRunBlocks(markdown);
  assert.ok(blocks.length > 0, `${DOC} has js run blocks`);
  try {
    new vm.Script(buildProgram(docLines.length, blocks, { forRun: false }), { filename: DOC });
  } catch (error) {
    assert.fail(`${DOC}:${lineOf(error) ?? '?'}: ${error.message}`);
  }
});

test('docs/API.md: every js run block runs, in order, against a fresh server', { timeout: STORY_TIMEOUT_MS + 30_000 }, async (t) => {
  const blocks = extractRunBlocks(markdown);
  const story = vm.runInThisContext(buildProgram(docLines.length, blocks, { forRun: true }), { filename: DOC });

  const results = new Map(); // open line → {ms, error?, line?}
  let current = null;
  let started = 0;
  const finish = () => {
    if (current !== null && !results.has(current)) results.set(current, { ms: Date.now() - started });
  };
  const runner = {
    __enter(open) {
      finish();
      current = open;
      started = Date.now();
    },
    __failed(error) {
      results.set(current, { ms: Date.now() - started, error, line: lineOf(error) ?? current });
    },
  };

  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STORY_TIMEOUT_MS);
  });
  const outcome = await Promise.race([story(storyEnv(), runner).then(() => 'done'), timedOut]);
  clearTimeout(timer);
  finish();

  const failed = [];
  for (const block of blocks) {
    const r = results.get(block.open);
    const where = `block at ${DOC}:${block.open} (${sectionOf(docLines, block.open)})`;
    if (!r) {
      t.diagnostic(`not run: ${where}`);
      continue;
    }
    t.diagnostic(`${r.error ? 'FAIL' : 'ok  '} ${where}, ${r.ms} ms`);
    if (r.error) failed.push(`${DOC}:${r.line} in the ${where}:\n    ${describe(r.error)}`);
  }
  if (outcome === 'timeout') {
    failed.push(`the story did not finish within ${STORY_TIMEOUT_MS / 1000} s; it was in the block at ${DOC}:${current}`);
  }
  if (failed.length > 0) {
    assert.fail(
      `${failed.length} of ${blocks.length} js run blocks in ${DOC} failed ` +
        '(a block after a failed one may fail because of it):\n\n' +
        `${failed.join('\n\n')}\n\nPushes received by the fake Expo service:\n${pushSummary()}` +
        `\n\nServer output (end):\n${server.output().slice(-2000)}`,
    );
  }
});
