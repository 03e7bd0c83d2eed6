import { basename } from 'node:path';
import type { LeftoverNotice } from '../io/leftovers.js';
import { plural } from '../model/plural.js';

/**
 * The words for what a leftover sweep did (io/leftovers.ts), shared by the CLI's stderr line and the
 * TUI's screens, each of which sizes bytes its own way. `warning`: the user may have to act (the CLI
 * prefixes "warning: ").
 */
export function leftoverText(n: LeftoverNotice, formatBytes: (bytes: number) => string): { text: string; warning: boolean } {
  const them = n.count === 1 ? 'it' : 'them';
  switch (n.kind) {
    case 'removed-files':
      return { text: `removed ${plural(n.count, 'leftover temp file')} of an interrupted baler beside ${n.target} (${formatBytes(n.bytes)})`, warning: false };
    case 'removed-dirs':
      return { text: `removed ${plural(n.count, 'leftover temp dir')} of an interrupted baler in ${n.parent} (${formatBytes(n.bytes)})`, warning: false };
    case 'unowned-files':
      return {
        text: `${plural(n.count, n.dirs ? 'temp dir' : 'temp file')} beside ${n.target} (${n.pattern}) may be left by an interrupted older baler, whose temp names carry no pid; delete ${them} if no baler is writing ${basename(n.target)}`,
        warning: true,
      };
    case 'foreign-files':
      return {
        text: `${plural(n.count, n.dirs ? 'temp dir' : 'temp file')} beside ${n.target} (${n.pattern}) ${n.count === 1 ? 'belongs' : 'belong'} to a baler on another host or in another pid namespace, which cannot be checked from here; delete ${them} if no baler is writing ${basename(n.target)}`,
        warning: true,
      };
  }
}
