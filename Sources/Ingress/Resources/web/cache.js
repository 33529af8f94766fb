// The chat of the tickets opened on this device, kept in IndexedDB per signed-in person: a
// reload shows it at once, before the network answers, and then asks only for what came after
// (`after=`, revalidated with `If-None-Match`). Signing out deletes it.

const name = 'sopz';
const store = 'chats';
const keep = 500; // messages per ticket

function database() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(store);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function transact(mode, work) {
  return database().then((db) => new Promise((resolve, reject) => {
    const transaction = db.transaction(store, mode);
    const request = work(transaction.objectStore(store));
    transaction.oncomplete = () => { db.close(); resolve(request?.result); };
    transaction.onerror = () => { db.close(); reject(transaction.error); };
  }));
}

/** What this device holds of `ticket`'s chat for `user`: `{messages, tag, tagAfter}`, or null. */
export function cachedChat(user, ticket) {
  return transact('readonly', (chats) => chats.get(`${user}:${ticket}`)).catch(() => null);
}

/** Keeps the chat as shown (the latest `keep` messages) with the tag of the last page read. */
export function storeChat(user, ticket, record) {
  const trimmed = { ...record, messages: record.messages.slice(-keep) };
  return transact('readwrite', (chats) => chats.put(trimmed, `${user}:${ticket}`)).catch(() => {});
}

/** Forgets every cached chat (on signing out: the next person on this device sees none). */
export function forgetChats() {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}
