// Small pieces several views show.

import { h } from './dom.js';
import { t } from './i18n.js';

/** A status in words; staff read `waiting_for_client` as waiting for the client. */
export function statusWord(status, staff) {
  const words = staff ? t(`staffStatus.${status}`) : null;
  return words && !words.startsWith('staffStatus.') ? words : t(`status.${status}`);
}

/** A ticket's status as a badge. */
export function statusBadge(status, staff) {
  return h('span', { class: `badge badge-${status}` }, statusWord(status, staff));
}

/** Shows a command's progress in `line`; a refusal in the problem's own words. */
export function progressLine(line, stage, detail) {
  line.dataset.stage = stage;
  if (stage === 'refused') {
    const words = [detail?.message, ...(detail?.violations ?? []).map((v) => `${v.field}: ${v.message}`)];
    line.textContent = t('refused', words.filter(Boolean).join('; '));
  } else {
    line.textContent = t(stage);
  }
}
