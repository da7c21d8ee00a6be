// Circly helpers for the API tests: dates, expected failures, waiting, and a
// per-test fixture that makes device users, circles and polls the way the app
// does (PocketBase JS SDK) and removes them all when the test ends.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ClientResponseError } from 'pocketbase';

import { adminClient, deviceLogin, newClient, startServer } from './server.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Date as a PocketBase datetime ("2026-11-27 14:30:00.000Z"). */
export function pbDate(date) {
  return date.toISOString().replace('T', ' ');
}

/** A PocketBase datetime as a Date. */
export function parsePbDate(text) {
  return new Date(text.replace(' ', 'T'));
}

/** The PocketBase datetime `minutes` from now (negative: in the past). */
export function minutesFromNow(minutes) {
  return pbDate(new Date(Date.now() + minutes * 60_000));
}

/** Invite codes: 6 of A–Z and 2–9 without the look-alikes 0 O 1 I. */
export const INVITE_CODE = /^[A-HJ-NP-Z2-9]{6}$/;

/** Invite link ids: at least 22 URL-safe characters. */
export const INVITE_LINK_ID = /^[A-Za-z0-9_-]{22,}$/;

function describeError(err) {
  return `${err.status} ${JSON.stringify(err.response)}`;
}

/**
 * Awaits an SDK call that must fail with one of `statuses` (a number or an
 * array) and returns the ClientResponseError. The error body must be
 * PocketBase's {status, message, data} shape.
 */
export async function rejects(promise, statuses, what = 'the request') {
  const allowed = [statuses].flat();
  let value;
  try {
    value = await promise;
  } catch (err) {
    if (!(err instanceof ClientResponseError)) throw err;
    assert.ok(allowed.includes(err.status), `${what}: expected HTTP ${allowed.join(' or ')}, got ${describeError(err)}`);
    assert.equal(err.response?.status, err.status, `${what}: the error body carries the status`);
    assert.equal(typeof err.response?.message, 'string', `${what}: the error body has a message`);
    assert.ok(err.response.message.length > 0, `${what}: the error message is not empty`);
    return err;
  }
  assert.fail(`${what}: expected HTTP ${allowed.join(' or ')}, but it succeeded with ${JSON.stringify(value)}`);
}

/** Polls check() until it returns a truthy value (returned) or time runs out. */
export async function waitUntil(check, { timeoutMs = 10_000, intervalMs = 100, what = 'the condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Returns test(name, fn) for a file whose tests share one server: each test
 * gets `timeout`, and a failure carries the SDK's error body and the end of
 * the server's output.
 */
export function serverTest(getServer, { timeout = 60_000 } = {}) {
  return (name, fn) =>
    test(name, { timeout }, async (t) => {
      try {
        return await fn(t);
      } catch (err) {
        if (err instanceof Error) {
          if (err instanceof ClientResponseError) err.message += `\nResponse: ${describeError(err)}`;
          const server = getServer();
          if (server) err.message += `\n\nServer output (end):\n${server.output().slice(-3000)}`;
        }
        throw err;
      }
    });
}

/**
 * Gives a test file one server (rate limiter off): started before its tests
 * with `options` (an object, or an async function returning one, for
 * options that need something started first), and stopped after them once
 * `expectNoLeftovers` has checked that every test cleaned up. `onServer`
 * receives the server; `onStop` runs after it stopped. Returns the file's
 * `test` (see serverTest).
 */
export function sharedServer(options, onServer, { onStop } = {}) {
  let server;
  before(async () => {
    const opts = typeof options === 'function' ? await options() : options;
    server = await startServer({ rateLimits: false, ...opts });
    onServer(server);
  });
  after(async () => {
    try {
      if (server) await expectNoLeftovers(server);
    } finally {
      await server?.stop();
      await onStop?.();
    }
  });
  return serverTest(() => server);
}

/**
 * A test's own world on a shared server. Everything made through it (users,
 * circles and, with them, memberships, polls, options, votes and outbox
 * rows) is deleted by a superuser when the test ends, pass or fail, and
 * realtime connections are closed.
 */
export function fixture(t, server) {
  const clients = [];
  const userIds = new Set();
  const circleIds = new Set();
  let admin;

  t.after(async () => {
    await Promise.allSettled(clients.map((pb) => pb.realtime.unsubscribe()));
    const su = await adminClient(server);
    for (const id of circleIds) {
      await su.collection('circles').delete(id).catch(ignoreNotFound);
    }
    for (const id of userIds) {
      await su.collection('users').delete(id).catch(ignoreNotFound);
    }
  });

  const world = {
    server,
    t,

    /** A superuser client (one per test). */
    async admin() {
      admin ??= await adminClient(server);
      return admin;
    },

    /** A client without auth (tracked so its realtime connection is closed). */
    anonymous() {
      const pb = newClient(server.url);
      clients.push(pb);
      return pb;
    },

    /** A new device user, signed in; `pb.me` is its record, `pb.device` its credentials. */
    async user() {
      const pb = world.anonymous();
      const res = await deviceLogin(pb);
      userIds.add(res.record.id);
      pb.me = res.record;
      pb.device = { device_id: res.device_id, device_secret: res.device_secret };
      return pb;
    },

    /** Tracks a user made some other way, so it is deleted at the end. */
    trackUser(id) {
      userIds.add(id);
      return id;
    },

    /** Tracks a circle made some other way, so it is deleted at the end. */
    track(circle) {
      circleIds.add(circle.id);
      return circle;
    },

    /** `owner` creates a circle; returns the record. */
    async circle(owner, nickname, data = {}) {
      const circle = await owner.collection('circles').create({ name: `모임 ${nickname}`, nickname, ...data });
      return world.track(circle);
    },

    /** `pb` joins with the circle's invite code (default) or link id; returns {circle, member}. */
    join(pb, circle, nickname, { by = 'code' } = {}) {
      const body = by === 'link' ? { invite_link_id: circle.invite_link_id } : { invite_code: circle.invite_code };
      return pb.send('/api/circly/circles/join', { method: 'POST', body: { ...body, nickname } });
    },

    /**
     * A circle whose first nickname is the creator and the rest join in
     * order. Returns {circle, people: [{pb, nickname, member}]} in join order.
     */
    async circleOf(nicknames, data = {}) {
      const [first, ...rest] = nicknames;
      const creator = await world.user();
      const circle = await world.circle(creator, first, data);
      const own = await creator.collection('members').getFirstListItem(`circle="${circle.id}" && user="${creator.me.id}"`);
      const people = [{ pb: creator, nickname: first, member: own }];
      for (const nickname of rest) {
        const pb = await world.user();
        const { member } = await world.join(pb, circle, nickname);
        people.push({ pb, nickname, member });
      }
      return { circle, people };
    },

    /** Any active question template (the first by question text). */
    async template(pb) {
      const { items } = await pb.collection('templates').getList(1, 1, { sort: 'question_text' });
      assert.equal(items.length, 1, 'there is an active template');
      return items[0];
    },

    /** `pb` starts a poll in circle, by default with the first template and a deadline 2 hours ahead. */
    async poll(pb, circle, { template, deadline = minutesFromNow(120), ...rest } = {}) {
      const t = template ?? (await world.template(pb)).id;
      return pb.collection('polls').create({ circle: circle.id, template: t, deadline, ...rest });
    },

    /** The poll's options in order, as `pb` sees them. */
    options(pb, poll) {
      return pb.collection('options').getFullList({ filter: `poll="${poll.id}"`, sort: 'order' });
    },

    /** `pb` votes for the option of the member with that nickname. */
    async vote(pb, poll, options, nickname) {
      const option = options.find((o) => o.nickname === nickname);
      assert.ok(option, `no option for ${nickname}`);
      return pb.collection('votes').create({ poll: poll.id, option: option.id });
    },

    /** The poll's results as `pb` sees them. */
    results(pb, poll) {
      return pb.send(`/api/circly/polls/${poll.id}/results`, {});
    },
  };
  return world;
}

/**
 * Fails when users, circles, memberships or polls are left on the server:
 * every test removes what it made (see fixture).
 */
export async function expectNoLeftovers(server) {
  const su = await adminClient(server);
  for (const collection of ['users', 'circles', 'members', 'polls', 'options', 'votes', 'notifications']) {
    const { totalItems } = await su.collection(collection).getList(1, 1);
    assert.equal(totalItems, 0, `no ${collection} left after the tests`);
  }
}

function ignoreNotFound(err) {
  if (!(err instanceof ClientResponseError && err.status === 404)) throw err;
}
