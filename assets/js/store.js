// localStorage with per-user keys and no exceptions: storage can be full or
// disabled (privacy modes), and losing a draft or a preference must never
// break the page. Keys look like "natter.<name>.<userId>[.<suffix>]".

export const key = (name, userId, suffix) =>
  suffix === undefined ? `natter.${name}.${userId}` : `natter.${name}.${userId}.${suffix}`;

export function read(k, fallback = null) {
  try {
    const v = localStorage.getItem(k);
    return v === null ? fallback : v;
  } catch {
    return fallback;
  }
}

export function write(k, value) {
  try {
    if (value === null || value === '') localStorage.removeItem(k);
    else localStorage.setItem(k, value);
  } catch {
    // Quota or privacy mode: keep working without persistence.
  }
}

export function readJson(k, fallback) {
  try {
    return JSON.parse(read(k)) ?? fallback;
  } catch {
    return fallback;
  }
}

export const writeJson = (k, value) => write(k, value == null ? null : JSON.stringify(value));

// Removes every key that starts with `prefix`.
export function removeAll(prefix) {
  try {
    const doomed = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const k = localStorage.key(i);
      if (k?.startsWith(prefix)) doomed.push(k);
    }
    for (const k of doomed) localStorage.removeItem(k);
  } catch {
    // Storage disabled: nothing was kept.
  }
}
