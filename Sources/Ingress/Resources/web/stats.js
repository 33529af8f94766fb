// Statistics for staff (`GET /api/v1/stats`): tickets by status, the backlog, resolution times,
// and tickets opened and resolved per day as a chart — an SVG drawn here, with the same figures
// in a table for whoever does not see it.

import { get } from './api.js';
import { h, fill, svg } from './dom.js';
import { language, t } from './i18n.js';
import { onEvent } from './live.js';
import { statusWord } from './parts.js';

const statuses = ['new', 'assigned', 'in_progress', 'waiting_for_client', 'resolved', 'closed', 'cancelled'];

/** Seconds as the reader would say them: minutes, hours or days. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const format = (value, unit) => new Intl.NumberFormat(language, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
  if (seconds < 3600) return format(seconds / 60, 'minute');
  if (seconds < 86400) return format(seconds / 3600, 'hour');
  return format(seconds / 86400, 'day');
}

/** Opened and resolved per day, as grouped bars scaled to the busiest day. */
export function chart(days) {
  const width = 640;
  const height = 220;
  const top = Math.max(1, ...days.flatMap((day) => [day.created, day.resolved]));
  const slot = width / Math.max(1, days.length);
  const bar = Math.max(1, slot / 2 - 1);
  const scale = (value) => (value / top) * (height - 20);
  const total = (key) => days.reduce((sum, day) => sum + day[key], 0);
  return svg('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
    'aria-label': t('chartLabel', days.length, total('created'), total('resolved')),
  },
  ...days.flatMap((day, index) => [
    svg('rect', { class: 'bar-created', x: index * slot, y: height - scale(day.created), width: bar, height: scale(day.created) },
      svg('title', {}, `${day.day}: ${t('openedShort')} ${day.created}`)),
    svg('rect', { class: 'bar-resolved', x: index * slot + bar + 1, y: height - scale(day.resolved), width: bar, height: scale(day.resolved) },
      svg('title', {}, `${day.day}: ${t('resolvedShort')} ${day.resolved}`)),
  ]),
  svg('line', { x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, class: 'axis' }));
}

export function statsView(main, user, query) {
  const days = ['7', '30', '90'].includes(query.get('days')) ? query.get('days') : '30';
  const body = h('div', { class: 'stats' });

  async function load() {
    const stats = (await get(`/stats?days=${days}`)).body;
    fill(body,
      h('section', { class: 'card' }, h('h2', {}, t('byStatus')),
        h('dl', { class: 'figures' }, statuses.flatMap((status) => [h('dt', {}, statusWord(status, true)), h('dd', {}, String(stats.byStatus[status]))]))),
      h('section', { class: 'card' }, h('h2', {}, t('backlog')),
        h('dl', { class: 'figures' },
          h('dt', {}, t('waiting')), h('dd', {}, String(stats.backlog.size)),
          h('dt', {}, t('oldestWait')), h('dd', {}, duration(stats.backlog.oldestWaitSeconds)),
          h('dt', {}, t('resolutionP50')), h('dd', {}, duration(stats.resolution.p50Seconds)),
          h('dt', {}, t('resolutionP90')), h('dd', {}, duration(stats.resolution.p90Seconds)))),
      h('section', { class: 'card wide' }, h('h2', {}, t('perDay', stats.period.days)),
        h('p', { class: 'legend' }, h('span', { class: 'key key-created' }), t('openedShort'), ' ',
          h('span', { class: 'key key-resolved' }), t('resolvedShort')),
        chart(stats.perDay),
        h('details', {}, h('summary', {}, t('asTable')),
          h('div', { class: 'scroll' }, h('table', { class: 'team' },
            h('thead', {}, h('tr', {}, [t('day'), t('openedShort'), t('resolvedShort')].map((words) => h('th', { scope: 'col' }, words)))),
            h('tbody', {}, stats.perDay.map((day) => h('tr', {},
              h('th', { scope: 'row' }, day.day), h('td', {}, String(day.created)), h('td', {}, String(day.resolved))))))))));
  }

  fill(main, h('p', {}, h('a', { href: '#/' }, `← ${t('tickets')}`)),
    h('div', { class: 'heading' }, h('h1', {}, t('statistics')),
      h('nav', { class: 'tabs', 'aria-label': t('period') }, ['7', '30', '90'].map((value) =>
        h('a', { href: `#/stats?days=${value}`, 'aria-current': value === days ? 'page' : false }, t('days', value))))),
    body);
  let timer = null;
  const stop = onEvent(() => {
    clearTimeout(timer);
    timer = setTimeout(() => load().catch(() => {}), 1000);
  });
  return { ready: load(), stop };
}
