// One ticket: what it is, what may be done with it now, its chat and its history.

import { Problem, command, get } from './api.js';
import { h, fill, when } from './dom.js';
import { language, t } from './i18n.js';
import { onEvent } from './live.js';
import { progressLine, statusBadge } from './parts.js';
import { cachedChat, storeChat } from './cache.js';
import { administrators } from './team.js';

/** What the signed-in person may do with `ticket` now, as the lifecycle table allows. */
export function actionsFor(ticket, user) {
  const owner = ticket.ownerId === user.id;
  const staff = user.roles.includes('administrator') || user.roles.includes('manager');
  const open = ['new', 'assigned', 'in_progress', 'waiting_for_client'].includes(ticket.status);
  const actions = [];
  if (owner && open) actions.push({ key: 'cancel', path: 'cancel', field: 'reason', danger: true });
  if (owner && ticket.status === 'resolved') {
    actions.push({ key: 'confirm', path: 'confirm', field: 'comment' }, { key: 'reopen', path: 'reopen', field: 'reason' });
  }
  if (staff) {
    const moves = {
      in_progress: ['assigned', 'waiting_for_client', 'resolved'], waiting_for_client: ['assigned', 'in_progress'],
      resolved: ['assigned', 'in_progress', 'waiting_for_client'], closed: ['resolved'],
    };
    const words = { in_progress: 'start', waiting_for_client: 'waitForClient', resolved: 'resolve', closed: 'close' };
    for (const [to, from] of Object.entries(moves)) {
      if (from.includes(ticket.status)) actions.push({ key: words[to], path: 'status', status: to, field: 'comment' });
    }
  }
  return actions;
}

function message(entry, user) {
  const mine = entry.authorId === user.id;
  return h('li', { class: `message message-${entry.authorRole}${mine ? ' mine' : ''}`, 'data-id': entry.messageId },
    h('p', { class: 'meta' }, h('strong', {}, entry.authorRole === 'system' ? t('roles.system') : entry.authorName),
      ' · ', h('time', { datetime: entry.postedAt }, when(entry.postedAt, language))),
    h('p', { class: 'body' }, entry.body));
}

/** A person's name as far as this page knows it: the reader, or someone who wrote in the chat. */
function nameOf(id, user, people) {
  if (!id) return '';
  return id === user.id ? t('you') : (people.get(id) ?? t('anAdministrator'));
}

function historyEntry(entry, user, people) {
  const data = entry.data ?? {};
  const detail = entry.type === 'status_changed' ? t(`status.${data.to}`)
    : nameOf(entry.type === 'assigned' ? data.administratorId : data.previousAdministratorId, user, people);
  return h('li', {}, h('time', { datetime: entry.occurredAt }, when(entry.occurredAt, language)), ' — ',
    t(`events.${entry.type}`, detail ?? ''), data.comment ? ` — “${data.comment}”` : '');
}

export function ticketView(main, user, id, since) {
  const staff = user.roles.some((role) => role !== 'client');
  const summary = h('section', { class: 'card', 'aria-labelledby': 'ticket-title' });
  const actions = h('section', { class: 'card actions' });
  const messages = h('ol', { class: 'chat', 'aria-live': 'polite' });
  const history = h('ol', { class: 'history' });
  const progress = h('p', { class: 'progress', role: 'status' });
  const manager = user.roles.includes('manager');
  const reassignment = h('section', { class: 'card', hidden: true });
  const team = [];
  const state = {
    ticket: null, etag: null, lastMessage: null, chatTag: null, tagAfter: null, shown: [], people: new Map(),
  };

  function render(ticket) {
    state.ticket = ticket;
    const assignee = ticket.assigneeId ? nameOf(ticket.assigneeId, user, state.people) : t('nobody');
    fill(summary,
      h('h1', { id: 'ticket-title' }, ticket.title),
      h('p', {}, statusBadge(ticket.status, staff), ' ',
        h('span', { class: 'muted' }, t('opened', when(ticket.createdAt, language)), ' · ', t('by', ticket.ownerName))),
      ticket.category ? h('p', { class: 'muted' }, `${t('category')}: ${t(ticket.category)}`) : null,
      ticket.refund ? h('p', { class: 'muted' },
        `${t('orderId')}: ${ticket.refund.orderId} · ${ticket.refund.amount} ${ticket.refund.currency}`) : null,
      h('p', { class: 'muted' }, `${t('assignee')}: ${assignee}`),
      h('p', { class: 'description' }, ticket.description));
    const allowed = actionsFor(ticket, user);
    const note = h('input', { name: 'note', maxlength: 2000, autocomplete: 'off' });
    fill(actions, allowed.length ? [
      h('label', {}, t(allowed[0].field === 'reason' ? 'reason' : 'comment'), note),
      h('div', { class: 'buttons' }, allowed.map((action) => h('button', {
        type: 'button', class: action.danger ? 'danger' : 'secondary', 'data-action': action.key,
        onclick: () => act(action, note.value),
      }, t(action.key)))),
    ] : null, progress);
    actions.hidden = !allowed.length && !progress.textContent;
    drawReassignment(ticket);
  }

  /** A manager hands an open ticket to another administrator, or back to the pool. */
  function drawReassignment(ticket) {
    const open = ['new', 'assigned', 'in_progress', 'waiting_for_client'].includes(ticket.status);
    reassignment.hidden = !manager || !open;
    if (reassignment.hidden) return;
    const line = h('p', { class: 'progress', role: 'status' });
    const choice = h('select', { name: 'administratorId' },
      h('option', { value: '' }, t('toPool')),
      team.map((person) => h('option', { value: person.id, selected: person.id === ticket.assigneeId },
        `${person.name} · ${t('load')} ${person.load}${person.available ? '' : ` · ${t('away')}`}`)));
    const form = h('form', { onsubmit: async (event) => {
      event.preventDefault();
      const fields = new FormData(form);
      const body = { administratorId: fields.get('administratorId') || null };
      if (fields.get('reason')) body.reason = fields.get('reason');
      if (fields.get('overCapacity')) body.overCapacity = true;
      form.querySelector('button').disabled = true;
      try {
        const changed = await command('POST', `/tickets/${id}/assignee`, body, (stage, detail) =>
          progressLine(line, stage, detail));
        render(changed);
        await refresh(changed.version);
      } catch {
        form.querySelector('button').disabled = false;
      }
    } },
    h('h2', {}, t('reassign')),
    h('label', {}, t('administrator'), choice),
    h('label', {}, t('reason'), h('input', { name: 'reason', maxlength: 2000, autocomplete: 'off' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'overCapacity', value: '1' }), t('overCapacity')),
    h('button', { type: 'submit', class: 'secondary' }, t('reassign')), line);
    fill(reassignment, form);
  }

  async function act(action, note) {
    const body = action.status ? { status: action.status } : {};
    if (note) body[action.field] = note;
    for (const button of actions.querySelectorAll('button')) button.disabled = true;
    try {
      const ticket = await command('POST', `/tickets/${id}/${action.path}`, body, (stage, detail) =>
        progressLine(progress, stage, detail));
      render(ticket);
      progressLine(progress, 'done');
      await refresh(ticket.version);
    } catch {
      for (const button of actions.querySelectorAll('button')) button.disabled = false;
    }
  }

  async function loadTicket(minVersion) {
    const answer = await get(`/tickets/${id}${minVersion ? `?minVersion=${minVersion}` : ''}`, { etag: state.etag });
    if (answer.status !== 304) {
      state.etag = answer.etag;
      render(answer.body);
    }
  }

  /** What this device kept of the chat, shown at once (before the network answers). */
  async function showCachedChat() {
    const cached = await cachedChat(user.id, id);
    if (!cached?.messages?.length || state.shown.length) return;
    state.shown = cached.messages;
    for (const entry of cached.messages) state.people.set(entry.authorId, entry.authorName);
    fill(messages, cached.messages.map((entry) => message(entry, user)));
    state.lastMessage = cached.messages.at(-1).messageId;
    Object.assign(state, { chatTag: cached.tag, tagAfter: cached.tagAfter });
    messages.dataset.from = 'cache';
  }

  /** Only the messages after the last one shown; 304 when the page's tag still holds. */
  async function loadMessages(minVersion) {
    const after = state.lastMessage;
    const query = new URLSearchParams({ limit: '200' });
    if (after) query.set('after', after);
    if (minVersion) query.set('minVersion', minVersion);
    const tag = state.chatTag && state.tagAfter === after ? state.chatTag : null;
    const answer = await get(`/tickets/${id}/messages?${query}`, { etag: tag });
    messages.dataset.from = 'network';
    if (answer.status === 304) return;
    if (!after) fill(messages);
    for (const entry of answer.body.items) {
      state.people.set(entry.authorId, entry.authorName);
      if (messages.querySelector(`[data-id="${entry.messageId}"]`)) continue;
      messages.append(message(entry, user));
      state.shown.push(entry);
    }
    Object.assign(state, { chatTag: answer.etag, tagAfter: after });
    if (answer.body.items.length) state.lastMessage = answer.body.items.at(-1).messageId;
    if (!messages.children.length) messages.append(h('li', { class: 'muted empty' }, t('noMessages')));
    else messages.querySelector('.empty')?.remove();
    await storeChat(user.id, id, { messages: state.shown, tag: state.chatTag, tagAfter: state.tagAfter });
  }

  async function loadHistory(minVersion) {
    const answer = await get(`/tickets/${id}/history?limit=200${minVersion ? `&minVersion=${minVersion}` : ''}`);
    fill(history, answer.body.items.map((entry) => historyEntry(entry, user, state.people)));
  }

  async function refresh(minVersion) {
    if (manager && !team.length) {
      team.push(...await administrators());
      for (const person of team) state.people.set(person.id, person.name);
    }
    await loadMessages(minVersion); // first: the chat tells who the people are
    await Promise.all([loadTicket(minVersion), loadHistory(minVersion)]);
  }

  const chatProgress = h('p', { class: 'progress', role: 'status' });
  const chatForm = h('form', { class: 'chat-form', onsubmit: async (event) => {
    event.preventDefault();
    const field = chatForm.elements.body;
    const body = field.value;
    if (!body.trim()) return;
    field.disabled = true;
    try {
      const ticket = await command('POST', `/tickets/${id}/messages`, { body }, (stage, detail) =>
        progressLine(chatProgress, stage, detail));
      field.value = '';
      await loadMessages(ticket.version);
    } catch {
      // The refusal is shown; the text stays for another try.
    } finally {
      field.disabled = false;
      field.focus();
    }
  } },
  h('label', { for: 'chat-body' }, t('message')),
  h('textarea', { id: 'chat-body', name: 'body', rows: 3, maxlength: 10000, required: true }),
  h('button', { type: 'submit' }, t('send')), chatProgress);

  fill(main,
    h('p', {}, h('a', { href: '#/' }, `← ${t('back')}`)),
    h('div', { class: 'ticket-layout' },
      h('div', {}, summary, actions, reassignment,
        h('section', { class: 'card' }, h('h2', {}, t('history')), history)),
      h('section', { class: 'card chat-card', 'aria-labelledby': 'chat-heading' },
        h('h2', { id: 'chat-heading' }, t('chat')), messages, chatForm)));

  const stop = onEvent((event) => {
    if (event.type === 'reset' || event.ticketId === id) refresh(event.version).catch(() => {});
  });
  // Just opened or changed by this page: the read model is asked to show at least that version.
  const ready = showCachedChat().then(() => refresh(since)).catch((error) => {
    if (error instanceof Problem && error.status === 404) fill(main, h('h1', {}, t('notFoundTitle')), h('p', { class: 'notice' }, t('notFound')),
      h('p', {}, h('a', { href: '#/' }, `← ${t('back')}`)));
    else throw error;
  });
  return { ready, stop };
}
