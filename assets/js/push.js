// "Notifications on this device" (Web Push): registers the service worker
// (/sw.js, scope /), subscribes with the server's key and hands the
// subscription to the server; turning it off ends it in both places.
// Loaded on first use (account.js), so it costs the chat page nothing.

import { del, get, post } from './api.js';
import { t } from './i18n.js';
import { toast } from './toast.js';

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

// base64url -> bytes, for applicationServerKey.
function bytes(base64url) {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function sameKey(buffer, base64url) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  const b = bytes(base64url);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function current() {
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ?? null;
}

// The server's record of this browser's subscription, if it has one (it
// forgets it when this session signs out).
async function serverCopy(endpoint) {
  const { subscriptions = [] } = await get('/api/v1/push/subscriptions');
  return subscriptions.find((s) => s.endpoint === endpoint) ?? null;
}

export async function isOn() {
  if (!supported() || Notification.permission !== 'granted') return false;
  const subscription = await current();
  return Boolean(subscription && (await serverCopy(subscription.endpoint)));
}

async function turnOn() {
  if (!supported()) throw new Error(t('push.unsupported'));
  // First, while the click still counts as the person's: the prompt.
  if ((await Notification.requestPermission()) !== 'granted') {
    toast(t('push.blocked'), { error: true });
    return false;
  }
  await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const registration = await navigator.serviceWorker.ready;
  const { public_key: key } = await get('/api/v1/push/key');
  let subscription = await registration.pushManager.getSubscription();
  // One made with another key (another server, a reset) cannot be reused.
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) });
  await post('/api/v1/push/subscriptions', subscription.toJSON());
  toast(t('push.on'));
  return true;
}

async function turnOff() {
  const subscription = await current();
  if (subscription) {
    const kept = await serverCopy(subscription.endpoint);
    if (kept) await del(`/api/v1/push/subscriptions/${kept.id}`);
    await subscription.unsubscribe();
  }
  toast(t('push.off'));
  return false;
}

// The switch: aria-pressed says whether this device gets pushes.
export async function toggle(button) {
  const on = button.getAttribute('aria-pressed') === 'true';
  try {
    button.setAttribute('aria-pressed', String(on ? await turnOff() : await turnOn()));
  } catch (e) {
    toast(t('push.failed', { reason: e.message }), { error: true });
  }
}
