// Small fetch wrapper for the Natter JSON API.
// Every call is same-origin with the session cookie; errors from the server
// ({"error":{"code","message"}}) become ApiError so the UI can show .message.

import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status, 0 when the network failed
    this.code = code;
  }
}

let unauthorizedHandler = null;

// Pages that need a session (chat) register a handler to leave on 401.
// The welcome page does not: there a 401 means "wrong password".
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export async function api(method, path, body, { signal } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store', // history and long-polls must always be fresh
    headers: { Accept: 'application/json' },
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw new ApiError(0, 'aborted', t('api.cancelled'));
    throw new ApiError(0, 'network', t('api.network'));
  }

  if (res.status === 204) return null;
  // Tolerate empty or non-JSON bodies (e.g. a proxy error page).
  const data = await res.json().catch(() => null);
  if (res.ok) return data ?? {};

  if (res.status === 401 && unauthorizedHandler) unauthorizedHandler();
  const err = data && typeof data.error === 'object' ? data.error : {};
  throw new ApiError(
    res.status,
    typeof err.code === 'string' ? err.code : `http_${res.status}`,
    typeof err.message === 'string' && err.message
      ? err.message
      : t('api.failed', { status: res.status }),
  );
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

// Builds /api/v1/rooms/{id}/... with the id safely encoded.
export function roomPath(id, suffix = '') {
  return `/api/v1/rooms/${encodeURIComponent(id)}${suffix}`;
}
