// The interface's words in English and Russian. The language is the reader's choice if they
// made one, else the browser's first preference that we speak.

const strings = {
  en: {
    language: 'Language', signIn: 'Sign in', signOut: 'Sign out', signedOut: 'You are signed out.',
    signInPrompt: 'Sign in to see your tickets and open new ones.', signInFailed: 'Sign-in failed: {0}',
    sessionEnded: 'Your session has ended. Sign in again.', skip: 'Skip to content',
    myTickets: 'My tickets', queue: 'Queue', newTicket: 'New ticket', noTickets: 'No tickets here yet.',
    mine: 'Assigned to me', unassigned: 'Unassigned', everything: 'All', search: 'Search', filter: 'Filter',
    anyStatus: 'Any status', more: 'Show more', back: 'All tickets',
    title: 'Title', description: 'Description', category: 'Category', general: 'General', access: 'Access',
    hardware: 'Hardware', software: 'Software', refund: 'Refund', orderId: 'Order number', amount: 'Amount',
    currency: 'Currency', open: 'Open the ticket', opened: 'Opened {0}', updated: 'Updated {0}',
    by: 'by {0}', assignee: 'Assignee', nobody: 'waiting for an administrator', you: 'you',
    anAdministrator: 'an administrator',
    chat: 'Chat', message: 'Message', send: 'Send', noMessages: 'No messages yet.', history: 'History',
    comment: 'Comment (optional)', reason: 'Reason (optional)',
    cancel: 'Cancel the ticket', confirm: 'Confirm it is solved', reopen: 'Reopen', start: 'Start work',
    waitForClient: 'Wait for the client', resolve: 'Resolve', close: 'Close',
    available: 'Available for new tickets', notFoundTitle: 'Not found', notFound: 'This ticket does not exist or is not yours to see.',
    sending: 'Sending…', accepted: 'Accepted, being applied…', done: 'Done', refused: 'Refused: {0}',
    offline: 'Offline: it will be sent again when the network is back.', retrying: 'No answer; trying again…',
    live: 'Live', liveLost: 'Live updates paused; reconnecting…', network: 'The network is unavailable.',
    status: {
      new: 'New', assigned: 'Assigned', in_progress: 'In progress', waiting_for_client: 'Waiting for you',
      resolved: 'Resolved', closed: 'Closed', cancelled: 'Cancelled',
    },
    staffStatus: { waiting_for_client: 'Waiting for the client' },
    events: {
      created: 'opened the ticket', assigned: 'assigned it to {0}', unassigned: 'took it off {0}',
      status_changed: 'moved it to “{0}”', resolved: 'resolved it', cancelled: 'cancelled it',
      message_posted: 'wrote in the chat',
    },
    roles: { client: 'client', administrator: 'administrator', manager: 'manager', system: 'Sopz' },
    team: 'Administrators', load: 'Load', availableShort: 'Available', away: 'Away', lastSeen: 'Last seen',
    noTeam: 'No administrator has signed in yet.', exportCsv: 'Export CSV', reassign: 'Reassign',
    toPool: 'Back to the pool (assigned again by workload)', administrator: 'Administrator',
    overCapacity: 'Even if it is over their capacity', tickets: 'Tickets',
    statistics: 'Statistics', byStatus: 'Tickets by status', backlog: 'Backlog and resolution',
    waiting: 'Waiting for an administrator', oldestWait: 'Longest wait', resolutionP50: 'Resolved within (median)',
    resolutionP90: 'Resolved within (90 %)', perDay: 'Opened and resolved per day, last {0} days', period: 'Period',
    days: '{0} days', day: 'Day', resolvedShort: 'resolved', openedShort: 'opened', asTable: 'The figures as a table',
    chartLabel: 'Over {0} days, {1} tickets opened and {2} resolved',
  },
  ru: {
    language: 'Язык', signIn: 'Войти', signOut: 'Выйти', signedOut: 'Вы вышли.',
    signInPrompt: 'Войдите, чтобы видеть свои заявки и создавать новые.', signInFailed: 'Не удалось войти: {0}',
    sessionEnded: 'Сеанс завершён. Войдите снова.', skip: 'К содержимому',
    myTickets: 'Мои заявки', queue: 'Очередь', newTicket: 'Новая заявка', noTickets: 'Заявок пока нет.',
    mine: 'Мои', unassigned: 'Без исполнителя', everything: 'Все', search: 'Поиск', filter: 'Фильтр',
    anyStatus: 'Любой статус', more: 'Показать ещё', back: 'Все заявки',
    title: 'Тема', description: 'Описание', category: 'Категория', general: 'Общее', access: 'Доступ',
    hardware: 'Оборудование', software: 'Программы', refund: 'Возврат денег', orderId: 'Номер заказа',
    amount: 'Сумма', currency: 'Валюта', open: 'Создать заявку', opened: 'Создана {0}', updated: 'Изменена {0}',
    by: '{0}', assignee: 'Исполнитель', nobody: 'ждёт администратора', you: 'вы',
    anAdministrator: 'администратор',
    chat: 'Чат', message: 'Сообщение', send: 'Отправить', noMessages: 'Сообщений пока нет.', history: 'История',
    comment: 'Комментарий (необязательно)', reason: 'Причина (необязательно)',
    cancel: 'Отменить заявку', confirm: 'Подтвердить решение', reopen: 'Открыть снова', start: 'Взять в работу',
    waitForClient: 'Ждать клиента', resolve: 'Решено', close: 'Закрыть',
    available: 'Принимаю новые заявки', notFoundTitle: 'Не найдено', notFound: 'Такой заявки нет, или она не ваша.',
    sending: 'Отправляется…', accepted: 'Принято, выполняется…', done: 'Готово', refused: 'Отказано: {0}',
    offline: 'Нет сети: отправим снова, когда она появится.', retrying: 'Нет ответа; пробуем снова…',
    live: 'В реальном времени', liveLost: 'Обновления прервались; подключаемся…', network: 'Сеть недоступна.',
    status: {
      new: 'Новая', assigned: 'Назначена', in_progress: 'В работе', waiting_for_client: 'Ждёт вашего ответа',
      resolved: 'Решена', closed: 'Закрыта', cancelled: 'Отменена',
    },
    staffStatus: { waiting_for_client: 'Ждёт клиента' },
    events: {
      created: 'создал(а) заявку', assigned: 'назначил(а) на {0}', unassigned: 'снял(а) с {0}',
      status_changed: 'перевёл(а) в «{0}»', resolved: 'решил(а)', cancelled: 'отменил(а)',
      message_posted: 'написал(а) в чат',
    },
    roles: { client: 'клиент', administrator: 'администратор', manager: 'руководитель', system: 'Sopz' },
    team: 'Администраторы', load: 'Нагрузка', availableShort: 'На месте', away: 'Нет на месте', lastSeen: 'Был(а)',
    noTeam: 'Ни один администратор ещё не входил.', exportCsv: 'Выгрузить CSV', reassign: 'Переназначить',
    toPool: 'Вернуть в очередь (назначится по нагрузке)', administrator: 'Администратор',
    overCapacity: 'Даже сверх его лимита', tickets: 'Заявки',
    statistics: 'Статистика', byStatus: 'Заявки по статусам', backlog: 'Очередь и сроки решения',
    waiting: 'Ждут администратора', oldestWait: 'Дольше всех ждёт', resolutionP50: 'Решаются за (медиана)',
    resolutionP90: 'Решаются за (90 %)', perDay: 'Создано и решено по дням, последние {0} дн.', period: 'Период',
    days: '{0} дн.', day: 'День', resolvedShort: 'решено', openedShort: 'создано', asTable: 'Цифры таблицей',
    chartLabel: 'За {0} дн. создано заявок: {1}, решено: {2}',
  },
};

/** The languages, by code, each in its own words. */
export const languages = { en: 'English', ru: 'Русский' };

function preferred() {
  const chosen = localStorage.getItem('sopz.language');
  if (chosen in strings) return chosen;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (base in strings) return base;
  }
  return 'en';
}

export let language = preferred();
document.documentElement.lang = language;

/** Switches the language and remembers the choice. */
export function choose(next) {
  if (!(next in strings)) return;
  language = next;
  localStorage.setItem('sopz.language', next);
  document.documentElement.lang = next;
}

/** The words for `key` (a dotted path), with `{0}`, `{1}` … replaced by `values`. */
export function t(key, ...values) {
  const look = (table) => key.split('.').reduce((node, part) => (node == null ? node : node[part]), table);
  const text = look(strings[language]) ?? look(strings.en) ?? key;
  return String(text).replace(/\{(\d)\}/g, (_, index) => String(values[Number(index)] ?? ''));
}
