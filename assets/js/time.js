// Dates and times in the reader's own way: the browser's locale and its
// 12/24-hour clock (Intl.DateTimeFormat), with relative words where chat
// apps use them ("Today", "Yesterday", "5 minutes ago"). Pure functions of
// the date and an explicit `now`, so they are easy to test.

const locale = globalThis.navigator?.languages?.[0] ?? undefined;

const clock = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long' });
const thisYear = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long' });
const otherYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' });
const full = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const pad = (n) => String(n).padStart(2, '0');

// "today" -> "Today" (as a label at the start of a line).
const capitalize = (s) => s.charAt(0).toLocaleUpperCase(locale) + s.slice(1);

// Server timestamps are ISO 8601 in UTC; Date renders them in local time.
export function toDate(value) {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

/** "14:05" or "2:05 PM", as the reader's locale writes a time. */
export function formatClock(date) {
  return clock.format(date);
}

/** Stable per-local-day key, where day separators go. */
export function dayKey(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// Whole calendar days from `date` to `now` (not multiples of 24 h, so days
// with a daylight-saving change count as one).
function daysAgo(date, now) {
  const start = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((start(now) - start(date)) / (24 * HOUR));
}

/** "Today", "Yesterday", "Monday" (this week), "Monday 3 November", "3 November 2025". */
export function dayLabel(date, now = new Date()) {
  const days = daysAgo(date, now);
  if (days === 0 || days === 1) return capitalize(relative.format(-days, 'day'));
  if (days > 1 && days < 7) return weekday.format(date);
  return date.getFullYear() === now.getFullYear() ? thisYear.format(date) : otherYear.format(date);
}

/**
 * A day as a sentence says it: { relative: "today" | "yesterday" } for the
 * last two days, else { date: "3 November" | "3 November 2025" }.
 */
export function sentenceDay(date, now = new Date()) {
  const days = daysAgo(date, now);
  if (days === 0 || days === 1) return { relative: relative.format(-days, 'day') };
  const dayMonth = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long' });
  return { date: date.getFullYear() === now.getFullYear() ? dayMonth.format(date) : otherYear.format(date) };
}

/** The full local date and time, for tooltips. */
export function formatFull(date) {
  return full.format(date);
}

/**
 * "just now", "5 minutes ago", "3 hours ago", then "yesterday", "3 days ago",
 * then the date: how Slack speaks of a recent moment (edits, room creation).
 */
export function timeAgo(date, now = new Date()) {
  const ms = now - date;
  if (ms < MINUTE) return relative.format(0, 'second');
  if (ms < HOUR) return relative.format(-Math.floor(ms / MINUTE), 'minute');
  const days = daysAgo(date, now);
  if (days === 0) return relative.format(-Math.floor(ms / HOUR), 'hour');
  if (days < 7) return relative.format(-days, 'day');
  return date.getFullYear() === now.getFullYear() ? thisYear.format(date) : otherYear.format(date);
}
