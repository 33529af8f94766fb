// The API, as the page uses it: reads with the bearer token, and commands that report their
// progress and can be retried safely — each carries an Idempotency-Key, so sending it again
// after a network error or a 202 names the same command and is never applied twice.

import { session } from './auth.js';

/** An RFC 9457 problem the API answered, or a stand-in for a network failure (status 0). */
export class Problem extends Error {
  constructor(status, body = {}) {
    super(body.detail ?? body.title ?? `HTTP ${status}`);
    this.status = status;
    this.type = body.type ?? '';
    this.title = body.title ?? '';
    this.violations = body.violations ?? [];
  }

  /** The problem's code, the last part of its type (`invalid-transition`). */
  get code() {
    return this.type.split('/').pop();
  }
}

/** Called when the API refused the token: the page signs in again. */
export const hooks = { unauthorized: () => {} };

function headers(extra = {}) {
  const current = session();
  return { ...(current ? { Authorization: `Bearer ${current.token}` } : {}), ...extra };
}

async function problemOf(response) {
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) hooks.unauthorized();
  return new Problem(response.status, body);
}

/** GET `/api/v1${path}`: `{status, body, etag}`; 304 when `etag` still holds. */
export async function get(path, { etag, signal } = {}) {
  const response = await fetch(`/api/v1${path}`, {
    headers: headers(etag ? { 'If-None-Match': etag } : {}), signal,
  });
  if (response.status === 304) return { status: 304, body: null, etag };
  if (!response.ok) throw await problemOf(response);
  return { status: response.status, body: await response.json(), etag: response.headers.get('ETag') };
}

/** GET `/api/v1${path}` as a file (the CSV export), with the bearer token a link could not send. */
export async function download(path) {
  const response = await fetch(`/api/v1${path}`, { headers: headers() });
  if (!response.ok) throw await problemOf(response);
  return response.blob();
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function backOnline() {
  return navigator.onLine ? pause(0) : new Promise((resolve) => addEventListener('online', resolve, { once: true }));
}

/**
 * Sends a command and waits for its outcome. `progress(stage, detail)` hears `sending`,
 * `offline`, `retrying`, `accepted` (durable, not applied yet), then `done` with the answer or
 * `refused` with the problem — which is also thrown, so a refused command never looks done.
 */
export async function command(method, path, body, progress = () => {}) {
  const key = crypto.randomUUID();
  progress('sending');
  for (let attempt = 1; ; attempt += 1) {
    let response;
    try {
      response = await fetch(`/api/v1${path}`, {
        method,
        headers: headers({ 'Content-Type': 'application/json', 'Idempotency-Key': key, Prefer: 'wait=10' }),
        body: JSON.stringify(body ?? {}),
      });
    } catch {
      progress(navigator.onLine ? 'retrying' : 'offline');
      await backOnline();
      await pause(Math.min(8000, 500 * 2 ** Math.min(attempt, 4)));
      continue;
    }
    if (response.status === 202) {
      // Durable but not applied within the wait: ask again under the same key.
      progress('accepted');
      continue;
    }
    if (response.status === 503 && attempt < 6) {
      progress('retrying');
      await pause(1000 * Number(response.headers.get('Retry-After') ?? 1));
      continue;
    }
    if (!response.ok) {
      const problem = await problemOf(response);
      progress('refused', problem);
      throw problem;
    }
    const answer = await response.json().catch(() => ({}));
    progress('done', answer);
    return answer;
  }
}
