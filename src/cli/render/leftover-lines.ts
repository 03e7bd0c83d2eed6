import type { LeftoverNotice } from '../../io/leftovers.js';
import { leftoverText } from '../../pipeline/leftover-text.js';
import { formatBytes } from './units.js';

/** The one stderr line (without `baler: `) for what a leftover sweep did (io/leftovers.ts). */
export function leftoverLine(n: LeftoverNotice): string {
  const { text, warning } = leftoverText(n, formatBytes);
  return warning ? `warning: ${text}` : text;
}
