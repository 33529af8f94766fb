// The list of tickets (a client's own; an administrator's queue; a manager's every ticket) and
// the form that opens a new one.

import { command, download, get } from './api.js';
import { h, fill, when } from './dom.js';
import { language, t } from './i18n.js';
import { onEvent } from './live.js';
import { progressLine, statusBadge } from './parts.js';

const statuses = ['new', 'assigned', 'in_progress', 'waiting_for_client', 'resolved', 'closed', 'cancelled'];

/** The filters a list view shows, in the hash (`#/?view=mine&status=new&q=printer`). */
function filtersOf(query, user) {
  const staff = user.roles.some((role) => role !== 'client');
  return {
    view: staff ? (query.get('view') ?? (user.roles.includes('administrator') ? 'mine' : 'all')) : 'own',
    status: query.get('status') ?? '', q: query.get('q') ?? '', staff,
  };
}

/** The list's filters as the API reads them, shared by the list and its CSV export. */
function filterQuery(filters) {
  const query = new URLSearchParams({ sort: 'updated' });
  if (filters.view === 'mine') query.set('assignee', 'me');
  if (filters.view === 'unassigned') query.set('assignee', 'none');
  if (filters.status) query.set('status', filters.status);
  if (filters.q) query.set('q', filters.q);
  return query;
}

function listQuery(filters, cursor) {
  const query = filterQuery(filters);
  query.set('limit', '25');
  if (cursor) query.set('cursor', cursor);
  return `/tickets?${query}`;
}

function row(ticket, staff) {
  return h('li', { class: 'ticket-row' },
    h('a', { href: `#/tickets/${ticket.id}`, class: 'ticket-link' },
      h('span', { class: 'ticket-title' }, ticket.title),
      statusBadge(ticket.status, staff),
      h('span', { class: 'muted' }, t('updated', when(ticket.updatedAt, language)),
        staff ? ` · ${ticket.ownerName}` : '')));
}

export function listView(main, user, query) {
  const filters = filtersOf(query, user);
  const list = h('ul', { class: 'tickets', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('more'));
  let cursor = null;

  async function load(reset) {
    if (reset) cursor = null;
    const page = (await get(listQuery(filters, cursor))).body;
    if (reset) fill(list);
    if (reset && page.items.length === 0) list.append(h('li', { class: 'muted' }, t('noTickets')));
    for (const ticket of page.items) list.append(row(ticket, filters.staff));
    cursor = page.nextCursor;
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => load(false));

  const views = filters.staff
    ? [['mine', t('mine')], ['unassigned', t('unassigned')], ['all', t('everything')]]
      .filter(([view]) => view !== 'mine' || user.roles.includes('administrator'))
    : [];
  const search = h('form', { class: 'filters', role: 'search', onsubmit: (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const next = new URLSearchParams({ view: filters.view });
    if (form.get('status')) next.set('status', form.get('status'));
    if (form.get('q')) next.set('q', form.get('q'));
    location.hash = `#/?${next}`;
  } },
  h('label', {}, t('search'), h('input', { name: 'q', type: 'search', value: filters.q, maxlength: 200 })),
  h('label', {}, t('filter'), h('select', { name: 'status' },
    h('option', { value: '' }, t('anyStatus')),
    statuses.map((status) => h('option', { value: status, selected: status === filters.status },
      t(`status.${status}`))))),
  h('button', { type: 'submit', class: 'secondary' }, t('search')));

  const manager = user.roles.includes('manager');
  const exportProgress = h('span', { class: 'progress', role: 'status' });
  async function exportCsv() {
    exportProgress.textContent = t('sending');
    try {
      const link = h('a', { href: URL.createObjectURL(await download(`/exports/tickets.csv?${filterQuery(filters)}`)), download: 'tickets.csv' });
      link.click();
      URL.revokeObjectURL(link.href);
      exportProgress.textContent = t('done');
    } catch (problem) {
      exportProgress.textContent = t('refused', problem.message);
    }
  }
  fill(main,
    h('div', { class: 'heading' },
      h('h1', {}, filters.staff ? t('queue') : t('myTickets')),
      user.roles.includes('client') ? h('a', { class: 'button', href: '#/new' }, t('newTicket')) : null,
      filters.staff ? h('div', { class: 'buttons' },
        h('a', { class: 'button secondary', href: '#/stats' }, t('statistics')),
        manager ? h('a', { class: 'button secondary', href: '#/team' }, t('team')) : null,
        manager ? h('button', { type: 'button', class: 'secondary', 'data-action': 'export', onclick: exportCsv }, t('exportCsv'))
          : null,
        exportProgress) : null),
    views.length ? h('nav', { class: 'tabs', 'aria-label': t('filter') }, views.map(([view, words]) =>
      h('a', { href: `#/?view=${view}`, 'aria-current': view === filters.view ? 'page' : false }, words))) : null,
    filters.staff ? search : null,
    list, more);
  let timer = null;
  const stop = onEvent(() => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true).catch(() => {}), 300);
  });
  return { ready: load(true), stop };
}

export function newTicketView(main) {
  const refundFields = h('fieldset', { class: 'refund', hidden: true },
    h('legend', {}, t('refund')),
    h('label', {}, t('orderId'), h('input', { name: 'orderId', maxlength: 64, autocomplete: 'off' })),
    h('label', {}, t('amount'), h('input', { name: 'amount', type: 'number', min: '0.01', step: '0.01', inputmode: 'decimal' })),
    h('label', {}, t('currency'), h('input', { name: 'currency', maxlength: 3, pattern: '[A-Z]{3}', value: 'EUR', autocapitalize: 'characters' })));
  const progress = h('p', { class: 'progress', role: 'status' });
  const category = h('select', { name: 'category', onchange: () => {
    const refund = category.value === 'refund';
    refundFields.hidden = !refund;
    for (const input of refundFields.querySelectorAll('input')) input.required = refund;
  } }, ['general', 'access', 'hardware', 'software', 'refund'].map((value) => h('option', { value }, t(value))));

  const form = h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const body = { title: fields.get('title'), description: fields.get('description') };
    if (fields.get('category') !== 'general') body.category = fields.get('category');
    if (body.category === 'refund') {
      body.refund = { orderId: fields.get('orderId'), amount: Number(fields.get('amount')), currency: fields.get('currency') };
    }
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const ticket = await command('POST', '/tickets', body, (stage, detail) => progressLine(progress, stage, detail));
      location.hash = `#/tickets/${ticket.id}?since=${ticket.version}`;
    } catch {
      submit.disabled = false;
    }
  } },
  h('label', {}, t('title'), h('input', { name: 'title', required: true, maxlength: 200, autocomplete: 'off' })),
  h('label', {}, t('description'), h('textarea', { name: 'description', required: true, rows: 5, maxlength: 10000 })),
  h('label', {}, t('category'), category),
  refundFields,
  h('button', { type: 'submit' }, t('open')),
  progress);
  fill(main, h('p', {}, h('a', { href: '#/' }, `← ${t('back')}`)), h('h1', {}, t('newTicket')), form);
  form.querySelector('input').focus();
  return { ready: Promise.resolve(), stop: () => {} };
}
