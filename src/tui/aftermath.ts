import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LeftoverNotice } from '../io/leftovers.js';
import { ownTempPrefixBeside } from '../io/temp-name.js';
import { plural } from '../model/plural.js';
import { leftoverText } from '../pipeline/leftover-text.js';
import { blobsDir } from '../store/layout.js';
import { summarizeLayout } from '../store/layout-summary.js';
import { formatBytes } from './format.js';
import type { CopyAftermath } from './tui-services.js';

/**
 * What a failed or cancelled action left where it writes, found by looking: a snapshot of the
 * destination is taken before the pipeline starts and compared with the disk after it stopped (and
 * after its sinks were disposed). The Progress screen states only what this comparison found, never
 * what the pipeline is supposed to do.
 */
export interface DestinationCheck {
  /** Compares the destination with the snapshot taken when the check was made. */
  after(): Promise<CopyAftermath>;
}

/** Identity and content stamp of a path, or undefined when nothing is there. */
async function stamp(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` : undefined;
}

/** Temp names this process writes beside `target` (io/temp-name.ts ownedTempName). */
async function ownTempsBeside(target: string): Promise<string[]> {
  const prefix = basename(ownTempPrefixBeside(target));
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix)).map((n) => join(dirname(target), n));
}

/**
 * A single output file (save to an archive, export): written to a temp name beside it and renamed
 * only on success. `shown` is the path as the user typed it.
 */
export async function checkFile(target: string, shown: string): Promise<DestinationCheck> {
  const before = await stamp(target);
  return {
    async after() {
      const left = (await ownTempsBeside(target)).map((p) => `partial file ${p}`);
      const now = await stamp(target);
      if (now !== before) left.push(now === undefined ? `${shown} was removed` : before === undefined ? `${shown} was written` : `${shown} was replaced`);
      return { left, clean: before === undefined ? `nothing was left at ${shown}` : `${shown} was left as it was` };
    },
  };
}

/**
 * An OCI layout (the embedded store, or `save` to a directory): blobs land one by one, verified, and
 * only the final commit touches index.json. A failure keeps the blobs already written, used by no
 * image; the store's `prune` removes them. `what` names the layout for the user ("the store", a path).
 */
export async function checkLayout(root: string, what: string, o: { isStore: boolean }): Promise<DestinationCheck> {
  const before = await summarizeLayout(root);
  return {
    async after() {
      const now = await summarizeLayout(root);
      const left: string[] = [];
      if (!before.exists && now.exists && now.files === 0) {
        left.push(o.isStore ? `a new, empty store at ${root}` : `an empty OCI layout at ${what}`);
      }
      const temps = [...now.ownTemps].filter((n) => !before.ownTemps.has(n));
      const added = [...now.blobs].filter((n) => !before.blobs.has(n));
      if (added.length > 0) {
        const where = o.isStore ? 'in the store, used by no image (baler prune removes them)' : `in ${what}, used by no image`;
        left.push(`${plural(added.length, 'verified blob')} written so far ${added.length === 1 ? 'stays' : 'stay'} ${where}`);
      }
      if (temps.length > 0) left.push(`${plural(temps.length, 'partial blob file')} in ${blobsDir(root)}`);
      if (now.exists && before.exists && now.index !== before.index) left.push(`${what}'s index.json was changed`);
      const clean = before.exists ? `${what} was left as it was` : `nothing was left at ${what}`;
      return { left, clean };
    },
  };
}

/** A leftover sweep's notice (io/leftovers.ts) as one line for the Progress or Done screen. */
export function leftoverNotice(n: LeftoverNotice): string {
  return leftoverText(n, formatBytes).text;
}
