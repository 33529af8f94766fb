// The administrators, for managers: who takes new tickets and how loaded each one is.

import { get } from './api.js';
import { h, fill, when } from './dom.js';
import { language, t } from './i18n.js';
import { onEvent } from './live.js';

/** Every administrator who has signed in (the API's order: most loaded first). */
export async function administrators() {
  const items = [];
  let cursor = null;
  do {
    const page = (await get(`/administrators?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export function teamView(main) {
  const body = h('tbody');
  const table = h('table', { class: 'team' },
    h('caption', { class: 'visually-hidden' }, t('team')),
    h('thead', {}, h('tr', {}, [t('administrator'), t('load'), t('availableShort'), t('lastSeen')]
      .map((words) => h('th', { scope: 'col' }, words)))),
    body);

  async function load() {
    const team = await administrators();
    fill(body, team.map((person) => h('tr', {},
      h('th', { scope: 'row' }, person.name),
      h('td', {}, String(person.load)),
      h('td', {}, h('span', { class: `badge ${person.available ? 'badge-resolved' : 'badge-cancelled'}` },
        person.available ? t('availableShort') : t('away'))),
      h('td', {}, when(person.lastSeenAt, language)))));
    table.hidden = team.length === 0;
    empty.hidden = team.length > 0;
  }
  const empty = h('p', { class: 'muted', hidden: true }, t('noTeam'));
  fill(main, h('p', {}, h('a', { href: '#/' }, `← ${t('tickets')}`)), h('h1', {}, t('team')),
    h('div', { class: 'card scroll' }, table, empty));
  let timer = null;
  const stop = onEvent(() => {
    clearTimeout(timer);
    timer = setTimeout(() => load().catch(() => {}), 300);
  });
  return { ready: load(), stop };
}
