// Natter's service worker (served at /sw.js so its scope is the whole
// site): shows a Web Push as a notification when no Natter tab is visible,
// and opens (or focuses) the chat at that message when it is clicked.
// A classic script with no imports: it runs with no page open, so it keeps
// to what the push carries (see docs/notifications.md).

'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The texts are built from the push's own fields, which need no
// translation: "ann · #ops", or "ann" for a direct message.
function title(p) {
  if (p.room_kind === 'direct' || !p.room_name) return p.author;
  return `${p.author} · #${p.room_name}`;
}

async function visibleTab() {
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return tabs.some((c) => c.visibilityState === 'visible' && new URL(c.url).pathname === '/chat');
}

self.addEventListener('push', (event) => {
  let p;
  try {
    p = event.data ? event.data.json() : null;
  } catch {
    p = null;
  }
  if (!p || p.type !== 'message') return;
  event.waitUntil(
    (async () => {
      // A visible tab shows the message (and alerts) itself.
      if (await visibleTab()) return;
      // Notifications show plain text: nothing in it is interpreted.
      await self.registration.showNotification(title(p), {
        body: p.excerpt,
        tag: `room-${p.room_id}`,
        renotify: true,
        icon: '/assets/icons/icon-192.png',
        badge: '/assets/icons/icon-192.png',
        timestamp: Date.now(),
        data: { url: p.url, room_id: p.room_id, seq: p.seq },
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  // Only our own pages: the url is a path the server made.
  const url = new URL(typeof data.url === 'string' ? data.url : '/chat', self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const tab = tabs.find((c) => new URL(c.url).pathname === '/chat');
      if (tab) {
        await tab.focus();
        // The page opens the room at the message (navigation.js reads the hash).
        tab.postMessage({ type: 'natter.open', hash: url.hash });
        return;
      }
      await self.clients.openWindow(url.href);
    })(),
  );
});
