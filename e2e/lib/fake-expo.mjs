// A fake Expo push service for end-to-end tests: plain Node http on a free
// loopback port, in the test process itself.
//
//   POST {base}/push/send         one message or an array; gzip bodies decoded;
//                                 one ticket per recipient, in order
//   POST {base}/push/getReceipts  {ids: [...]} → {data: {id: receipt}}
//
// Tokens can be scripted as dead, either at once (an error ticket) or later
// (an ok ticket and an error receipt), both with DeviceNotRegistered. Every
// request and every message is recorded for assertions. Pass `url` as
// CIRCLY_EXPO_BASE_URL (no trailing slash).

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';

const MAX_RECIPIENTS = 100;
const MAX_RECEIPT_IDS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function expoError(code, message, extra = {}) {
  return {
    errors: [{ code, message, type: 'USER', isTransient: false, requestId: randomUUID(), ...extra }],
  };
}

function deviceNotRegistered(token) {
  return {
    status: 'error',
    message: `"${token}" is not a registered push notification recipient`,
    details: { error: 'DeviceNotRegistered', expoPushToken: token },
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decode(raw, encoding) {
  switch ((encoding || '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return raw;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(raw);
    case 'deflate':
      return inflateSync(raw);
    default:
      throw new Error(`unsupported Content-Encoding ${encoding}`);
  }
}

/**
 * Starts the fake on 127.0.0.1 (a free port).
 *
 * @param {object} [options]
 * @param {string} [options.basePath] path prefix of the routes, e.g. '/--/api/v2' (default none)
 * @returns {Promise<FakeExpo>}
 */
export async function startFakeExpo({ basePath = '' } = {}) {
  const base = basePath.replace(/\/+$/, '');
  const deadAtSend = new Set();
  const deadAtReceipt = new Set();
  const tickets = new Map(); // receipt id → token
  const requests = []; // {path, headers, body}
  const messages = []; // one entry per recipient: the message with `to` set to that token
  const waiters = new Set();

  function notify() {
    for (const waiter of waiters) waiter();
  }

  function reply(res, status, body) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  function handleSend(res, body) {
    const list = Array.isArray(body) ? body : [body];
    const recipients = [];
    for (const [i, message] of list.entries()) {
      if (!message || typeof message !== 'object') {
        return reply(res, 400, expoError('VALIDATION_ERROR', `"[${i}]" must be an object.`));
      }
      const to = message.to;
      const tokens = typeof to === 'string' ? [to] : to;
      if (!Array.isArray(tokens) || tokens.length === 0 || tokens.length > MAX_RECIPIENTS ||
          !tokens.every((t) => typeof t === 'string')) {
        return reply(res, 400, expoError('VALIDATION_ERROR',
          `"[${i}].to" must be a push token or an array of at most ${MAX_RECIPIENTS} push tokens.`));
      }
      for (const token of tokens) recipients.push({ message, token });
    }
    if (recipients.length > MAX_RECIPIENTS) {
      return reply(res, 400, expoError('PUSH_TOO_MANY_NOTIFICATIONS',
        `You are trying to send more than the maximum of ${MAX_RECIPIENTS} notifications per request ` +
          `(received ${recipients.length}).`));
    }
    const data = recipients.map(({ message, token }) => {
      messages.push({ ...message, to: token, receivedAt: Date.now() });
      if (deadAtSend.has(token)) return deviceNotRegistered(token);
      const id = randomUUID();
      tickets.set(id, token);
      return { status: 'ok', id };
    });
    reply(res, 200, { data });
    notify();
  }

  function handleReceipts(res, body) {
    const ids = body && Array.isArray(body.ids) ? body.ids : null;
    if (!ids || !ids.every((id) => typeof id === 'string')) {
      return reply(res, 400, expoError('VALIDATION_ERROR', '"ids" must be an array of receipt ids.'));
    }
    if (ids.length > MAX_RECEIPT_IDS) {
      return reply(res, 400, expoError('PUSH_TOO_MANY_RECEIPTS',
        `You can request a maximum of ${MAX_RECEIPT_IDS} receipts per request (received ${ids.length}); ` +
          'divide your requests.'));
    }
    const data = {};
    for (const id of ids) {
      if (!tickets.has(id)) continue; // unknown ids are simply left out
      const token = tickets.get(id);
      data[id] = deadAtReceipt.has(token) ? deviceNotRegistered(token) : { status: 'ok' };
    }
    reply(res, 200, { data });
    notify();
  }

  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://fake').pathname;
    const route = path.startsWith(base) ? path.slice(base.length) : null;
    if (route !== '/push/send' && route !== '/push/getReceipts') {
      return reply(res, 404, expoError('NOT_FOUND', `No route ${req.method} ${path}.`));
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return reply(res, 405, expoError('METHOD_NOT_ALLOWED', `Use POST for ${path}.`));
    }
    let body;
    try {
      const raw = decode(await readBody(req), req.headers['content-encoding']);
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return reply(res, 400, expoError('VALIDATION_ERROR', `The request body is not valid JSON: ${err.message}`));
    }
    requests.push({ path: route, headers: { ...req.headers }, body });
    if (route === '/push/send') handleSend(res, body);
    else handleReceipts(res, body);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    /** The base URL to configure (CIRCLY_EXPO_BASE_URL). */
    url: `http://127.0.0.1:${port}${base}`,
    port,
    /** Every request, decoded: {path: '/push/send' | '/push/getReceipts', headers, body}. */
    requests,
    /** Every message received, one entry per recipient (`to` is that recipient's token). */
    messages,

    /** Answers sends to token with a DeviceNotRegistered error ticket. */
    deadAtSend(token) {
      deadAtSend.add(token);
    },
    /** Gives token ok tickets but DeviceNotRegistered error receipts. */
    deadAtReceipt(token) {
      deadAtReceipt.add(token);
    },

    /** Messages matching every given key of `where`: to, and data's kind, poll, circle. */
    find(where = {}) {
      return messages.filter(
        (m) =>
          (where.to === undefined || m.to === where.to) &&
          ['kind', 'poll', 'circle'].every((k) => where[k] === undefined || (m.data && m.data[k] === where[k])),
      );
    },

    /** The getReceipts requests received so far. */
    receiptRequests() {
      return requests.filter((r) => r.path === '/push/getReceipts');
    },

    /**
     * Resolves with check()'s first truthy value; rejects after timeoutMs
     * with `what` in the message. check runs now and after every request.
     */
    async waitFor(check, { timeoutMs = 10_000, what = 'the expected pushes' } = {}) {
      let wake = () => {};
      const waiter = () => wake();
      waiters.add(waiter);
      const deadline = Date.now() + timeoutMs;
      try {
        for (;;) {
          const value = check();
          if (value) return value;
          const left = deadline - Date.now();
          if (left <= 0) {
            throw new Error(`fake Expo: timed out after ${timeoutMs} ms waiting for ${what} ` +
              `(${messages.length} messages received)`);
          }
          await Promise.race([new Promise((resolve) => (wake = resolve)), sleep(Math.min(left, 250))]);
        }
      } finally {
        waiters.delete(waiter);
      }
    },

    /** Stops listening and drops open connections. */
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
