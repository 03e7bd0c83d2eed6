import { basename } from 'node:path';
import type { LeftoverNotice } from '../../io/leftovers.js';
import { formatBytes } from './units.js';

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The one stderr line (without `baler: `) for what a leftover sweep did (io/leftovers.ts). */
export function leftoverLine(n: LeftoverNotice): string {
  switch (n.kind) {
    case 'removed-files':
      return `removed ${plural(n.count, 'leftover temp file')} of an interrupted baler beside ${n.target} (${formatBytes(n.bytes)})`;
    case 'removed-dirs':
      return `removed ${plural(n.count, 'leftover temp dir')} of an interrupted baler in ${n.parent} (${formatBytes(n.bytes)})`;
    case 'unowned-files':
      return `warning: ${plural(n.count, 'temp file')} beside ${n.target} (${n.pattern}) may be left by an interrupted older baler, whose temp names carry no pid; delete ${n.count === 1 ? 'it' : 'them'} if no baler is writing ${basename(n.target)}`;
    case 'foreign-files':
      return `warning: ${plural(n.count, 'temp file')} beside ${n.target} (${n.pattern}) ${n.count === 1 ? 'belongs' : 'belong'} to a baler on another host or in another pid namespace, which cannot be checked from here; delete ${n.count === 1 ? 'it' : 'them'} if no baler is writing ${basename(n.target)}`;
  }
}
