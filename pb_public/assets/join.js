// Circly invite landing page.
//
// The page lives at /join/{invite_link_id}. It reads the public invite preview
// from GET /api/circly/invites/{invite_link_id} and shows one of five states on
// #invite[data-state]: loading | valid | expired | notfound | error.
//
// Server data and the invite id are only ever written with textContent or as
// attribute values, never parsed as HTML.

const PREVIEW_ENDPOINT = '/api/circly/invites/';
const APP_LINK_PREFIX = 'circly://join/';
const INVITE_ID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
const REQUEST_TIMEOUT_MS = 15000;
const COUNTDOWN_TICK_MS = 15000;
const APP_OPEN_GRACE_MS = 1800;

const STATUS_TEXT = {
  loading: '초대 정보를 불러오는 중이에요.',
  expired: '초대가 만료되었어요.',
  notfound: '초대를 찾을 수 없어요.',
  error: '초대 정보를 불러오지 못했어요.',
};

const ERROR_TEXT = {
  offline: '인터넷에 연결되어 있지 않아요. 연결을 확인한 다음 다시 시도해 주세요.',
  network: '인터넷 연결을 확인한 다음 다시 시도해 주세요.',
  timeout: '응답이 너무 늦어요. 잠시 후 다시 시도해 주세요.',
  busy: '요청이 많아 잠시 쉬는 중이에요. 조금 뒤에 다시 시도해 주세요.',
  server: '잠시 문제가 생겼어요. 조금 뒤에 다시 시도해 주세요.',
};

const root = document.getElementById('invite');
const panels = Array.from(root.querySelectorAll('[data-panel]'));
const ui = {
  status: document.getElementById('invite-status'),
  emblem: document.getElementById('circle-emblem'),
  name: document.getElementById('circle-name'),
  members: document.getElementById('member-count'),
  remaining: document.getElementById('expiry-remaining'),
  expiresAt: document.getElementById('expiry-at'),
  expiry: document.getElementById('invite-expiry'),
  fullNotice: document.getElementById('full-notice'),
  openApp: document.getElementById('open-app'),
  hint: document.getElementById('app-hint'),
  errorMessage: document.getElementById('error-message'),
  retry: document.getElementById('retry'),
};

const inviteId = readInviteId(window.location);
let invite = null;
let clockSkewMs = 0;
let countdownTimer = 0;
let inFlight = false;

/**
 * Returns the invite id from /join/{id} (a trailing slash is fine) or, for a
 * direct visit to /join.html, from ?id=. Returns null for anything that is not
 * a well-formed id.
 */
function readInviteId(loc) {
  const match = /^\/join\/([^/]*)\/*$/.exec(loc.pathname);
  let raw = match ? match[1] : new URLSearchParams(loc.search).get('id') || '';
  try {
    raw = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return INVITE_ID_PATTERN.test(raw) ? raw : null;
}

/** Shows one state; moves focus to its heading when the user asked for it. */
function showState(state, { focus = false } = {}) {
  root.dataset.state = state;
  root.setAttribute('aria-busy', state === 'loading' ? 'true' : 'false');
  for (const panel of panels) {
    const active = panel.dataset.panel === state;
    panel.hidden = !active;
    panel.inert = !active;
  }
  if (state !== 'valid') stopCountdown();

  const message = state === 'valid' && invite ? `${invite.name} 서클 초대` : STATUS_TEXT[state];
  ui.status.textContent = message || '';

  if (focus) {
    const heading = root.querySelector(`[data-panel="${state}"] h1`);
    if (heading) heading.focus({ preventScroll: true });
  }
}

/** Parses a PocketBase datetime ("2026-11-28 14:30:00.000Z", UTC). */
function parseServerDate(value) {
  if (typeof value !== 'string' || value.trim() === '') return null;
  let text = value.trim().replace(' ', 'T');
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) text += 'Z';
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time);
}

/** Checks the preview body and returns a clean copy, or null when it is unusable. */
function normalizePreview(body) {
  if (!body || typeof body !== 'object') return null;
  const name = typeof body.circle_name === 'string' ? body.circle_name.trim() : '';
  const memberCount = Number(body.member_count);
  const maxMembers = Number(body.max_members);
  if (name === '' || !Number.isFinite(memberCount) || !Number.isFinite(maxMembers)) return null;
  return {
    name,
    // reports hid the circle: the server sends the hidden text as the name
    hidden: body.hidden === true,
    memberCount: Math.max(0, Math.trunc(memberCount)),
    maxMembers: Math.max(0, Math.trunc(maxMembers)),
    expiresAt: parseServerDate(body.invite_expires_at),
  };
}

/** The server's clock minus ours, from the response's Date header (0 if absent). */
function readClockSkew(response) {
  const header = response.headers.get('Date');
  const serverTime = header ? Date.parse(header) : NaN;
  if (Number.isNaN(serverTime)) return 0;
  const skew = serverTime - Date.now();
  // The header has one-second resolution; ignore differences that small.
  return Math.abs(skew) < 2000 ? 0 : skew;
}

/** "45분 후 만료", "1시간 20분 후 만료", "23시간 후 만료", "2일 후 만료". */
function remainingLabel(ms) {
  if (ms < 60 * 1000) return '곧 만료';
  const totalMinutes = Math.floor(ms / (60 * 1000));
  if (totalMinutes < 60) return `${totalMinutes}분 후 만료`;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours < 3 && minutes > 0) return `${hours}시간 ${minutes}분 후 만료`;
  if (hours < 24) return `${hours}시간 후 만료`;
  return `${Math.floor(hours / 24)}일 후 만료`;
}

/** The expiry in the reader's own time zone, e.g. "11월 28일 (토) 오후 11:30까지". */
function localDeadlineLabel(date) {
  const options = { month: 'long', day: 'numeric', weekday: 'short', hour: 'numeric', minute: '2-digit' };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = 'numeric';
  try {
    return `${new Intl.DateTimeFormat('ko-KR', options).format(date)}까지`;
  } catch {
    return `${date.toLocaleString('ko-KR')}까지`;
  }
}

/** The first character of the circle name, for the emblem. */
function firstGrapheme(text) {
  if (typeof Intl.Segmenter === 'function') {
    const first = new Intl.Segmenter('ko', { granularity: 'grapheme' }).segment(text)[Symbol.iterator]().next();
    if (!first.done) return first.value.segment;
  }
  return Array.from(text)[0] || '';
}

function updateCountdown() {
  if (!invite || !invite.expiresAt) return;
  const remainingMs = invite.expiresAt.getTime() - (Date.now() + clockSkewMs);
  if (remainingMs <= 0) {
    showState('expired');
    return;
  }
  ui.remaining.textContent = remainingLabel(remainingMs);
}

function startCountdown() {
  stopCountdown();
  if (invite && invite.expiresAt) countdownTimer = window.setInterval(updateCountdown, COUNTDOWN_TICK_MS);
}

function stopCountdown() {
  if (countdownTimer) window.clearInterval(countdownTimer);
  countdownTimer = 0;
}

function renderValid(preview) {
  invite = preview;
  document.title = preview.hidden ? '서클 초대 · Circly' : `${preview.name} 초대 · Circly`;
  // a hidden circle gets a neutral emblem, not the first letter of the hidden text
  ui.emblem.textContent = preview.hidden ? '?' : firstGrapheme(preview.name);
  ui.name.textContent = preview.name;
  root.classList.toggle('invite--hidden', preview.hidden);
  ui.members.textContent = `멤버 ${preview.memberCount}/${preview.maxMembers}명`;
  ui.fullNotice.hidden = !(preview.maxMembers > 0 && preview.memberCount >= preview.maxMembers);
  ui.openApp.setAttribute('href', APP_LINK_PREFIX + encodeURIComponent(inviteId));

  if (preview.expiresAt) {
    ui.expiry.parentElement.hidden = false;
    ui.expiresAt.dateTime = preview.expiresAt.toISOString();
    ui.expiresAt.textContent = localDeadlineLabel(preview.expiresAt);
    updateCountdown();
  } else {
    ui.expiry.parentElement.hidden = true;
  }

  if (root.dataset.state !== 'expired') {
    showState('valid');
    startCountdown();
  }
}

function showError(kind, options) {
  ui.errorMessage.textContent = ERROR_TEXT[kind] || ERROR_TEXT.server;
  showState('error', options);
}

async function loadInvite({ focus = false } = {}) {
  if (!inviteId) {
    showState('notfound', { focus });
    return;
  }
  if (inFlight) return;
  inFlight = true;
  ui.retry.disabled = true;
  showState('loading');

  const controller = new AbortController();
  const timeout = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    let response;
    try {
      response = await fetch(PREVIEW_ENDPOINT + encodeURIComponent(inviteId), {
        method: 'GET',
        headers: { Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
        signal: controller.signal,
      });
    } catch (err) {
      if (controller.signal.aborted) showError('timeout', { focus });
      else showError(navigator.onLine === false ? 'offline' : 'network', { focus });
      return;
    }

    if (response.status === 404 || response.status === 400) {
      showState('notfound', { focus });
      return;
    }
    if (response.status === 410) {
      showState('expired', { focus });
      return;
    }
    if (!response.ok) {
      showError(response.status === 429 ? 'busy' : 'server', { focus });
      return;
    }

    let preview = null;
    try {
      preview = normalizePreview(await response.json());
    } catch {
      preview = null;
    }
    if (!preview) {
      showError('server', { focus });
      return;
    }
    clockSkewMs = readClockSkew(response);
    renderValid(preview);
    if (focus && root.dataset.state === 'valid') ui.name.focus({ preventScroll: true });
  } finally {
    window.clearTimeout(timeout);
    inFlight = false;
    ui.retry.disabled = false;
  }
}

// When "앱에서 열기" leaves the page visible, the app is probably not installed:
// draw attention to the install hint.
ui.openApp.addEventListener('click', () => {
  let left = false;
  const markLeft = () => {
    left = true;
  };
  document.addEventListener('visibilitychange', markLeft, { once: true });
  window.addEventListener('pagehide', markLeft, { once: true });
  window.addEventListener('blur', markLeft, { once: true });
  window.setTimeout(() => {
    document.removeEventListener('visibilitychange', markLeft);
    window.removeEventListener('pagehide', markLeft);
    window.removeEventListener('blur', markLeft);
    if (!left && document.visibilityState === 'visible') ui.hint.classList.add('is-emphasized');
  }, APP_OPEN_GRACE_MS);
});

ui.retry.addEventListener('click', () => loadInvite({ focus: true }));

// Timers are throttled in background tabs; refresh the countdown on return.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && root.dataset.state === 'valid') updateCountdown();
});

loadInvite();
