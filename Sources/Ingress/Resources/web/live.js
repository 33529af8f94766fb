// The live stream (`GET /api/v1/live`, Server-Sent Events) read with fetch, so the token goes
// in the Authorization header and never in a URL. It resumes from the last event it saw
// (`Last-Event-ID`) after any interruption, and tells the page when it is live or not.

import { session } from './auth.js';

const listeners = new Set();
const states = new Set();
let lastId = null;
let started = false;

/** Hears every event: `{type, ticketId, position, …}`; `{type: 'reset'}` when events were missed. */
export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Hears `live`, `reconnecting` and `ended` (the session expired). */
export function onState(listener) {
  states.add(listener);
}

function tell(set, value) {
  for (const listener of set) listener(value);
}

/** Parses one SSE message (the lines between blank lines). */
export function parse(block) {
  const message = { event: 'message', data: [], id: null };
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') message.data.push(value);
    else if (field === 'event') message.event = value;
    else if (field === 'id') message.id = value;
  }
  return { ...message, data: message.data.join('\n') };
}

async function readOnce() {
  const current = session();
  if (!current) return 'ended';
  const response = await fetch('/api/v1/live', {
    headers: { Authorization: `Bearer ${current.token}`, ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
  });
  if (response.status === 401) return 'ended';
  if (!response.ok || !response.body) throw new Error(`live stream: ${response.status}`);
  tell(states, 'live');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return 'closed';
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (message.event === 'end') {
        if (message.data === 'expired') return 'ended';
        if (message.data === 'reset') {
          lastId = null;
          tell(listeners, { type: 'reset' });
        }
        continue;
      }
      if (!message.data) continue;
      if (message.id) lastId = message.id;
      const event = JSON.parse(message.data);
      tell(listeners, { ...event, type: message.event.replace(/^ticket\./, '') });
    }
  }
}

/** Starts following the stream (once); it runs until the session ends. */
export function follow() {
  if (started) return;
  started = true;
  (async () => {
    for (let failures = 0; ; ) {
      let outcome;
      try {
        outcome = await readOnce();
        failures = 0;
      } catch {
        outcome = 'failed';
        failures += 1;
      }
      if (outcome === 'ended') {
        started = false;
        tell(states, 'ended');
        return;
      }
      tell(states, 'reconnecting');
      await new Promise((resolve) => setTimeout(resolve, Math.min(10000, 500 * 2 ** failures)));
    }
  })();
}
