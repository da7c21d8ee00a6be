// §12 Metrics: after a short story (a poll, votes, pushes to a fake Expo),
// a Prometheus scrape shows that story's votes and pushes, with a
// superuser's token and with a `circly metrics-token` token; that token
// opens nothing else, and --revoke-all ends it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { fixture, waitUntil } from '../lib/circly.mjs';
import { PUSH_TIMEOUT_MS, circleWithTokens, pushServer, pushesTo } from '../lib/push.mjs';
import { CIRCLY_BIN, REPO_ROOT, adminClient } from '../lib/server.mjs';

let server;
let expo;
const test = pushServer((s, e) => {
  server = s;
  expo = e;
});

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

/** Parses the text format 0.0.4 strictly enough: HELP and TYPE before each family, then `name{labels} value` lines. */
function parseMetrics(text) {
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  const series = new Map();
  const types = new Map();
  let family = null;
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line))) {
      family = m[1];
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary)$/.exec(line))) {
      assert.equal(m[1], family, `TYPE follows its HELP: ${line}`);
      types.set(m[1], m[2]);
    } else {
      m = SAMPLE.exec(line);
      assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
      assert.ok(m[1] === family || m[1] === `${family}_sum` || m[1] === `${family}_count`, `${m[1]} inside ${family}`);
      const key = m[1] + (m[2] || '');
      assert.ok(!series.has(key), `${key} once`);
      series.set(key, Number(m[4]));
    }
  }
  return { series, types, value: (key) => series.get(key) };
}

async function scrape(token) {
  const res = await fetch(`${server.url}/api/circly/metrics`, { headers: token ? { Authorization: token } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function metricsOf(token) {
  const res = await scrape(token);
  assert.equal(res.status, 200, res.text);
  assert.match(res.type, /^text\/plain; version=0\.0\.4/);
  return { ...parseMetrics(res.text), text: res.text };
}

/** Runs `circly metrics-token ARGS --dir <the server's data dir>` and returns its stdout. */
function metricsTokenCommand(...args) {
  const run = spawnSync(CIRCLY_BIN, ['metrics-token', ...args, '--dir', server.dataDir, '--dev=false'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, `circly metrics-token ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return run.stdout.trim();
}

test('a scrape shows the votes and pushes of a story, with a superuser token and a metrics token', async (t) => {
  const admin = await adminClient(server);
  const suToken = admin.authStore.token;
  const token = metricsTokenCommand();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'one JWT on stdout');

  const before = await metricsOf(suToken);
  for (const name of ['circly_votes_total', 'circly_push_sent_total', 'circly_push_failed_total']) {
    assert.equal(before.types.get(name), 'counter', name);
  }
  for (const name of ['circly_polls_open', 'circly_outbox_pending', 'circly_ballot_queue_depth']) {
    assert.equal(before.types.get(name), 'gauge', name);
  }

  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호']);
  const [a, b, c, d] = people;
  expo.deadAtSend(d.token);
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  await world.vote(a.pb, poll, options, '서준');
  await world.vote(b.pb, poll, options, '하윤');
  await world.vote(c.pb, poll, options, '서준');
  await pushesTo(expo, [b, c, d], { kind: 'poll_started', poll: poll.id });

  const delta = (after, key) => after.value(key) - before.value(key);
  // the dispatcher records its outcomes right after Expo answers
  const after = await waitUntil(async () => {
    const m = await metricsOf(suToken);
    return delta(m, 'circly_push_sent_total') >= 2 && delta(m, 'circly_push_failed_total') >= 1 ? m : null;
  }, { timeoutMs: PUSH_TIMEOUT_MS, what: 'the pushes to show in the metrics' });

  assert.equal(delta(after, 'circly_votes_total'), 3, 'three votes');
  assert.equal(delta(after, 'circly_push_sent_total'), 2, 'two announcements accepted');
  assert.equal(delta(after, 'circly_push_failed_total'), 1, 'one to a dead device');
  assert.equal(delta(after, 'circly_expo_errors_total{class="device_not_registered"}'), 1);
  assert.equal(delta(after, 'circly_push_tokens_cleared_total'), 1);
  assert.ok(after.value('circly_polls_open') >= 1, 'the poll is open');
  assert.ok(delta(after, 'circly_dispatch_run_duration_seconds_count') >= 1, 'the dispatcher ran');
  for (const id of [poll.id, circle.id, ...people.map((p) => p.pb.authStore.record.id), ...people.map((p) => p.token)]) {
    assert.ok(!after.text.includes(id), `the metrics do not name ${id}`);
  }

  // the metrics token reads the same counters
  const viaToken = await metricsOf(token);
  assert.equal(viaToken.value('circly_votes_total'), after.value('circly_votes_total'));
  assert.equal(viaToken.value('circly_push_sent_total'), after.value('circly_push_sent_total'));
});

test('a metrics token opens nothing else, and --revoke-all ends it', async () => {
  const token = metricsTokenCommand();
  assert.equal((await scrape(token)).status, 200);
  assert.equal((await scrape('')).status, 401, 'no token');

  const call = async (method, path, auth) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: auth ? { Authorization: auth } : {} });
    return { status: res.status, body: await res.text() };
  };
  for (const [method, path] of [
    ['GET', '/api/collections/users/records'],
    ['GET', '/api/collections/notifications/records'],
    ['GET', '/api/collections/_superusers/records'],
    ['GET', '/api/circly/feed'],
    ['GET', '/api/circly/me/picks'],
    ['POST', '/api/files/token'],
    ['POST', '/api/collections/users/auth-refresh'],
    ['GET', '/api/settings'],
  ]) {
    const anonymous = await call(method, path, '');
    const withToken = await call(method, path, token);
    assert.deepEqual(withToken, anonymous, `${method} ${path} answers the metrics token as it answers no token`);
    if (withToken.status === 200) assert.ok(!withToken.body.includes('"items":[{'), `${method} ${path} lists nothing`);
  }

  assert.equal(metricsTokenCommand('--revoke-all'), '', '--revoke-all prints no token');
  assert.equal((await scrape(token)).status, 401, 'the revoked token');
  assert.equal((await scrape(metricsTokenCommand())).status, 200, 'a token issued after the revocation');
});
