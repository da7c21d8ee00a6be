// Starts a real Circly server for end-to-end tests.
//
// Each call gets its own loopback port and a fresh data directory with a
// superuser in it, so tests never share state. Every started server is killed
// and its directory removed on stop(), and also when the test process exits or
// is interrupted, so a failing test leaves nothing running.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { EventSource } from 'eventsource';
import PocketBase from 'pocketbase';

// The SDK's realtime client needs a global EventSource, which Node 20 lacks.
if (typeof globalThis.EventSource === 'undefined') globalThis.EventSource = EventSource;

/** The repository root (the folder that holds e2e/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Circly binary: $CIRCLY_BIN, or <repo>/circly as built by `make build`. */
export const CIRCLY_BIN = process.env.CIRCLY_BIN
  ? path.resolve(process.env.CIRCLY_BIN)
  : path.join(REPO_ROOT, 'circly');

const HEALTH_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 64 * 1024;

// Push notifications go to a closed loopback port unless a test brings its own
// fake Expo server, so a test run never reaches the real push service.
const DEFAULT_ENV = {
  CIRCLY_EXPO_BASE_URL: 'http://127.0.0.1:9/--/api/v2',
};

const running = new Set();

function cleanupAllSync() {
  for (const server of running) {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(server.tmpDir, { recursive: true, force: true });
  }
  running.clear();
}

process.once('exit', cleanupAllSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanupAllSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A random URL-safe string of the given length. */
export function randomToken(length = 24) {
  return randomBytes(Math.ceil((length * 3) / 4) + 1)
    .toString('base64url')
    .slice(0, length);
}

function tail(text, max = OUTPUT_LIMIT) {
  return text.length > max ? text.slice(text.length - max) : text;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `circly serve` on a free loopback port with a fresh data dir.
 *
 * @param {object} [options]
 * @param {Record<string,string>} [options.env] extra environment (CIRCLY_* settings)
 * @param {string[]} [options.args] extra arguments for `serve`
 * @param {boolean} [options.rateLimits] false turns PocketBase's rate limiter
 *   off once the server is up (many users from 127.0.0.1); default: as shipped (on)
 * @returns {Promise<{url: string, port: number, adminEmail: string, adminPassword: string,
 *   dataDir: string, pid: number, output: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ env = {}, args = [], rateLimits = true } = {}) {
  if (!existsSync(CIRCLY_BIN)) {
    throw new Error(`Circly binary not found at ${CIRCLY_BIN}; run \`make build\` or set CIRCLY_BIN.`);
  }

  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'circly-e2e-'));
  const dataDir = path.join(tmpDir, 'pb_data');
  const childEnv = { ...process.env, ...DEFAULT_ENV, ...env };
  const adminEmail = 'admin@example.com';
  // a leading letter: a password starting with "-" would be read as a flag
  const adminPassword = `pw${randomToken(24)}`;

  // The working directory is the repository root, where pb_public/ lives.
  const upsert = spawnSync(CIRCLY_BIN, ['superuser', 'upsert', adminEmail, adminPassword, '--dir', dataDir, '--dev=false'], {
    cwd: REPO_ROOT,
    env: childEnv,
    encoding: 'utf8',
    timeout: HEALTH_TIMEOUT_MS,
  });
  if (upsert.status !== 0) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw new Error(
      `circly superuser upsert failed (status ${upsert.status}, ${upsert.error || 'no spawn error'}):\n` +
        `${upsert.stdout || ''}${upsert.stderr || ''}`,
    );
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    CIRCLY_BIN,
    ['serve', '--http', `127.0.0.1:${port}`, '--dir', dataDir, '--dev=false', ...args],
    { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout = tail(stdout + chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr = tail(stderr + chunk);
  });

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const record = { pid: child.pid, tmpDir };
  running.add(record);

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, STOP_GRACE_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    running.delete(record);
    rmSync(tmpDir, { recursive: true, force: true });
  }

  const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`circly serve exited early (${JSON.stringify(exited)}).\n${output()}`);
    }
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
      lastProblem = `GET /api/health answered ${res.status}`;
    } catch (err) {
      lastProblem = String(err && err.cause ? err.cause.code || err.cause : err);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`circly serve was not healthy within ${HEALTH_TIMEOUT_MS / 1000} s (${lastProblem}).\n${output()}`);
    }
    await sleep(100);
  }

  const server = { url, port, adminEmail, adminPassword, dataDir, pid: child.pid, output, stop };
  if (!rateLimits) {
    try {
      await setRateLimits(server, false);
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return server;
}

/** A PocketBase SDK client for the server, without auto-cancellation. */
export function newClient(url) {
  const pb = new PocketBase(url);
  pb.autoCancellation(false);
  return pb;
}

/**
 * Signs the client in as a device user (a new one unless credentials are
 * given) and keeps the token in its auth store. Returns the auth response plus
 * the credentials used, so a test can sign in as the same device again.
 */
export async function deviceLogin(pb, credentials = {}) {
  const deviceId = credentials.device_id || `e2e-${randomToken(20)}`;
  const deviceSecret = credentials.device_secret || randomToken(48);
  const res = await pb.send('/api/circly/auth/device', {
    method: 'POST',
    body: { device_id: deviceId, device_secret: deviceSecret },
  });
  pb.authStore.save(res.token, res.record);
  return { ...res, device_id: deviceId, device_secret: deviceSecret };
}

/**
 * Turns PocketBase's rate limiter on or off (superuser PATCH /api/settings);
 * the rules themselves are kept.
 */
export async function setRateLimits(server, enabled) {
  const admin = await adminClient(server);
  const settings = await admin.settings.update({ rateLimits: { enabled } });
  if (settings.rateLimits?.enabled !== enabled) {
    throw new Error(`rate limiter still ${enabled ? 'off' : 'on'} after PATCH /api/settings`);
  }
  admin.authStore.clear();
}

/** A client signed in as the server's superuser. */
export async function adminClient(server) {
  const pb = newClient(server.url);
  await pb.collection('_superusers').authWithPassword(server.adminEmail, server.adminPassword);
  return pb;
}
