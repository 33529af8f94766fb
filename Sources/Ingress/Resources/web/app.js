// The page: signs in, draws the bar, and shows the view the address names —
// `#/` the list, `#/new` a new ticket, `#/tickets/<id>` one ticket.

import { command, get, hooks } from './api.js';
import { forgetChats } from './cache.js';
import { completeSignIn, forget, session, signIn, signOut } from './auth.js';
import { h, fill } from './dom.js';
import { choose, language, languages, t } from './i18n.js';
import { follow, onState } from './live.js';
import { ticketView } from './ticket.js';
import { statsView } from './stats.js';
import { teamView } from './team.js';
import { listView, newTicketView } from './tickets.js';

const bar = document.getElementById('bar');
const main = document.getElementById('main');
const status = document.getElementById('status');
let current = null;
/** The administrator's availability as the help desk last told or was told it. */
const known = { asked: null, available: undefined };

function languageSwitch() {
  return h('label', { class: 'language' }, h('span', { class: 'visually-hidden' }, t('language')),
    h('select', { onchange: (event) => { choose(event.target.value); draw(); } },
      Object.entries(languages).map(([code, name]) =>
        h('option', { value: code, selected: code === language, lang: code, label: code.toUpperCase() }, name))));
}

function availability(user) {
  if (!user.roles.includes('administrator')) return null;
  const box = h('input', { type: 'checkbox', checked: known.available === true });
  let touched = false;
  // What the help desk holds (the statistics list every administrator with their availability),
  // asked once per page load — the bar is drawn again on every view — unless already switched.
  known.asked ??= get('/stats?days=1').then(({ body }) => {
    known.available = body.administrators.find((person) => person.administratorId === user.id)?.available;
  }, () => {});
  known.asked.then(() => {
    if (!touched && known.available !== undefined) box.checked = known.available;
    box.dataset.known = 'true';
  });
  box.addEventListener('change', async () => {
    touched = true;
    box.disabled = true;
    try {
      await command('PUT', '/administrators/me/availability', { available: box.checked }, (stage) => {
        if (stage !== 'done') status.textContent = t(stage);
      });
      known.available = box.checked;
      status.textContent = t('done');
    } catch (problem) {
      box.checked = !box.checked;
      status.textContent = t('refused', problem.message);
    } finally {
      box.disabled = false;
    }
  });
  return h('label', { class: 'availability' }, box, t('available'));
}

function drawBar(user) {
  fill(bar,
    h('a', { class: 'brand', href: '#/' }, 'Sopz'),
    user ? h('span', { class: 'who' }, user.name) : null,
    user ? availability(user) : null,
    languageSwitch(),
    user ? h('button', { type: 'button', class: 'secondary', onclick: () => forgetChats().then(signOut) }, t('signOut'))
      : null);
  document.querySelector('.skip').textContent = t('skip');
}

function signInView(message) {
  document.title = 'Sopz';
  fill(main, h('section', { class: 'card sign-in' },
    h('h1', {}, 'Sopz'),
    message ? h('p', { class: 'notice' }, message) : null,
    h('p', {}, t('signInPrompt')),
    h('button', { type: 'button', onclick: () => signIn().catch((error) => {
      status.textContent = t('signInFailed', error.message);
    }) }, t('signIn'))));
}

/** Draws the view the address names; its `ready` settles once its data is shown. */
function draw(message) {
  current?.stop();
  current = null;
  const user = session();
  status.textContent = '';
  drawBar(user);
  if (!user) {
    signInView(message);
    return;
  }
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const ticket = path.match(/^\/tickets\/([0-9a-f-]{36})$/i);
  if (ticket) current = ticketView(main, user, ticket[1].toLowerCase(), Number(query.get('since')) || null);
  else if (path === '/new' && user.roles.includes('client')) current = newTicketView(main);
  else if (path === '/team' && user.roles.includes('manager')) current = teamView(main);
  else if (path === '/stats' && user.roles.some((role) => role !== 'client')) current = statsView(main, user, query);
  else current = listView(main, user, query);
  main.dataset.ready = 'false';
  current.ready.then(() => {
    main.dataset.ready = 'true';
    document.title = `${main.querySelector('h1')?.textContent ?? ''} · Sopz`;
  }, () => { status.textContent = t('network'); });
  follow();
}

hooks.unauthorized = () => {
  forget();
  draw(t('sessionEnded'));
};
onState((state) => {
  document.body.dataset.live = state;
  if (state === 'reconnecting') status.textContent = t('liveLost');
  if (state === 'live' && status.textContent === t('liveLost')) status.textContent = '';
  if (state === 'ended' && !session()) draw(t('sessionEnded'));
});
addEventListener('offline', () => { status.textContent = t('network'); });
addEventListener('online', () => { if (status.textContent === t('network')) status.textContent = ''; });
addEventListener('hashchange', () => { draw(); main.focus(); });
// The skip link moves the focus; it must not change the address, which names the view.
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

completeSignIn().then(() => draw(), (error) => draw(t('signInFailed', error.message)));
