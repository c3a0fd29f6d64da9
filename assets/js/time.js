// Local-time formatting for messages. Pure functions (an explicit `now` can
// be passed) so they are easy to test.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

// Server timestamps are ISO 8601 in UTC; Date renders them in local time.
export function toDate(value) {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

// "14:05" (24-hour clock; the day is shown by the day separator).
export function formatClock(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// Stable per-local-day key, used to decide where day separators go.
export function dayKey(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function isSameDay(a, b) {
  return dayKey(a) === dayKey(b);
}

// "Today", "Yesterday", "Mon 3 Nov", or "Mon 3 Nov 2025" for other years.
export function dayLabel(date, now = new Date()) {
  if (isSameDay(date, now)) return 'Today';
  // Built from calendar fields, not "minus 24h", so DST days work.
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (isSameDay(date, yesterday)) return 'Yesterday';
  const label = `${DAYS[date.getDay()]} ${date.getDate()} ${MONTHS[date.getMonth()]}`;
  return date.getFullYear() === now.getFullYear() ? label : `${label} ${date.getFullYear()}`;
}

// Full local date and time for the title tooltip.
export function formatFull(date) {
  try {
    return date.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'medium' });
  } catch {
    return date.toString();
  }
}
