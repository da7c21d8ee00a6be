// Shared by the push tests: a server that sends to a fake Expo service, and
// helpers to watch what arrives there.

import { sharedServer } from './circly.mjs';
import { startFakeExpo } from './fake-expo.mjs';
import { randomToken } from './server.mjs';

/** The dispatcher runs every second; a push due now goes out within a few. */
export const PUSH_TIMEOUT_MS = 10_000;
/** How long "nobody else gets one" is watched for. */
export const QUIET_MS = 2_500;

/**
 * sharedServer for push tests: a fake Expo service started first, the
 * server configured to send to it (dispatcher every second, receipts after
 * a second, no pacing). `onReady(server, expo)` receives both; the fake
 * stops after the server. Returns the file's `test`.
 */
export function pushServer(onReady) {
  let expo;
  return sharedServer(
    async () => {
      expo = await startFakeExpo();
      return {
        env: {
          CIRCLY_EXPO_BASE_URL: expo.url,
          CIRCLY_DISPATCH_INTERVAL: '1',
          CIRCLY_RECEIPT_DELAY: '1',
          CIRCLY_EXPO_RATE: '0',
        },
      };
    },
    (server) => onReady(server, expo),
    { onStop: () => expo?.close() },
  );
}

/** A circle whose members all registered an Expo push token (`person.token`). */
export async function circleWithTokens(world, nicknames) {
  const { circle, people } = await world.circleOf(nicknames);
  for (const person of people) {
    person.token = `ExponentPushToken[${randomToken(22)}]`;
    await person.pb.collection('users').update(person.pb.me.id, { push_token: person.token });
  }
  return { circle, people };
}

/** Waits until each of people has a push matching `where` at expo, and returns those pushes by token. */
export async function pushesTo(expo, people, where) {
  const tokens = people.map((p) => p.token);
  await expo.waitFor(() => tokens.every((to) => expo.find({ ...where, to }).length > 0), {
    timeoutMs: PUSH_TIMEOUT_MS,
    what: `${where.kind} pushes to ${people.map((p) => p.nickname).join(', ')}`,
  });
  return Object.fromEntries(tokens.map((to) => [to, expo.find({ ...where, to })]));
}

/** The nicknames (of people) that pushes matching `where` went to, sorted, one entry per push. */
export function recipients(expo, where, people) {
  const byToken = new Map(people.map((p) => [p.token, p.nickname]));
  return expo.find(where).map((m) => byToken.get(m.to) ?? m.to).sort();
}
