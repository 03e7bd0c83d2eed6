/** Units for the screens. Kept here because tui/ may import nothing from cli/ but command-line.ts. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units like docker: 1.2 MB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '–';
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `2024-05-01T10:00:00Z` -> `2024-05-01 10:00`; unknown stays blank. */
export function formatCreated(iso: string | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso.slice(0, 16);
}

export function shortHex(digest: string, n = 12): string {
  return digest.replace(/^sha256:/, '').slice(0, n);
}

/** Cuts to `width` columns with an ellipsis. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** Cuts to `width` columns from the start, keeping the end (where a path's file name is). */
export function truncateStart(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length <= width ? s : `…${s.slice(s.length - Math.max(0, width - 1))}`;
}

/** Terminal rows `lines` take when each wraps at `width` columns (an estimate: it counts characters). */
export function wrappedRows(lines: readonly string[], width: number): number {
  return lines.reduce((n, line) => n + Math.max(1, Math.ceil(line.length / Math.max(1, width))), 0);
}

/**
 * `text` in rows of at most `width` columns, broken between words as a reader expects (a word longer
 * than a row is cut across rows); leading spaces indent every row. Screens that share out rows render
 * these rows themselves, so Ink's own wrapping can never take more rows than they counted.
 */
export function wrapWords(text: string, width: number): string[] {
  const indent = /^ */.exec(text)?.[0] ?? '';
  const w = Math.max(1, width - indent.length);
  const rows: string[] = [];
  let row = '';
  for (const word of text.slice(indent.length).split(' ')) {
    let rest = word;
    if (row && row.length + 1 + rest.length <= w) {
      row += ` ${rest}`;
      continue;
    }
    if (row) rows.push(row);
    while (rest.length > w) {
      rows.push(rest.slice(0, w));
      rest = rest.slice(w);
    }
    row = rest;
  }
  rows.push(row);
  return indent.length < width ? rows.map((r) => indent + r) : rows;
}

/** The first `rows` rows of `text` wrapped at `width`, the last one ending in … when some are left out. */
export function wrapWithin(text: string, width: number, rows: number): string[] {
  const all = wrapWords(text, width);
  if (all.length <= rows) return all;
  const kept = all.slice(0, Math.max(0, rows));
  const last = kept.pop();
  return last === undefined ? [] : [...kept, `${last.slice(0, Math.max(0, width - 1))}…`];
}
