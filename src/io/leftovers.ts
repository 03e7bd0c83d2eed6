import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isOwnerGone, ownerTag } from './owner.js';
import { parseTempNameBeside, tempDirOwner } from './temp-name.js';

/**
 * What a baler that was SIGKILLed (or lost power) could not remove: the temp file beside an output
 * (`.out.tar.baler-tmp-<pid>-<hex>`, its split parts `.out.tar.001.baler-tmp-…`) and private temp
 * dirs (`baler-archive-<pid>.XXXXXX`, e.g. stdin spooled by load). On removable media these fill the
 * stick, so the next run that writes the same target, or makes a temp dir, removes those whose owner
 * pid no longer runs — never a live process's (another baler may be writing the same name right now),
 * and never anything outside these name patterns (made and read in io/temp-name.ts). What was removed
 * goes to the caller (the CLI prints a line).
 */

/** What a sweep did, for the caller to tell the user (the CLI: one stderr line each). */
export type LeftoverNotice =
  | { readonly kind: 'removed-files'; readonly count: number; readonly bytes: number; readonly target: string }
  /** Temp names of an older baler that carry no pid (io/temp-name.ts); `dirs`: they are a new layout's temp dirs. */
  | { readonly kind: 'unowned-files'; readonly count: number; readonly target: string; readonly pattern: string; readonly dirs?: true }
  /** Temp names whose pid was taken on another host or in another pid namespace (io/owner.ts): not judged. */
  | { readonly kind: 'foreign-files'; readonly count: number; readonly target: string; readonly pattern: string; readonly dirs?: true }
  | { readonly kind: 'removed-dirs'; readonly count: number; readonly bytes: number; readonly parent: string };

type Reporter = (notice: LeftoverNotice) => void;
let reporter: Reporter | undefined;

/** Where the notices go (the CLI renders them); returns a function restoring the previous receiver. */
export function reportLeftoversTo(fn: Reporter): () => void {
  const previous = reporter;
  reporter = fn;
  return () => {
    reporter = previous;
  };
}


/**
 * Removes temp files that dead balers left beside `target` (with `parts`, also those of its split
 * parts `target.NNN`; with `dirs`, also temp dirs, as a new layout is made in, store/layout.ts).
 * Best effort: a directory that cannot be read or a file that cannot be removed is left as it is.
 * Returns how many files and dirs were removed.
 */
export async function removeDeadTempFiles(target: string, o: { parts?: boolean; dirs?: boolean } = {}): Promise<number> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  // counted apart, so a swept layout dir is told as a temp dir, not as a temp file
  const files = { removed: 0, bytes: 0, unowned: 0, foreign: 0 };
  const dirs = { removed: 0, bytes: 0, unowned: 0, foreign: 0 };
  for (const name of names) {
    const parsed = parseTempNameBeside(name, basename(target));
    if (!parsed || (parsed.part && !o.parts)) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    const isDir = o.dirs === true && st?.isDirectory() === true;
    if (!st?.isFile() && !isDir) continue;
    const count = isDir ? dirs : files;
    if (parsed.kind === 'unowned') {
      count.unowned++;
      continue;
    }
    const { pid, tag } = parsed.owner;
    if (tag !== ownerTag()) {
      count.foreign++;
      continue;
    }
    if (!isOwnerGone(pid, tag)) continue;
    const held = isDir ? await treeSize(path) : st.size;
    const gone = await (isDir ? rm(path, { recursive: true }) : unlink(path)).then(
      () => true,
      () => false,
    );
    if (!gone) continue;
    count.removed++;
    count.bytes += held;
  }
  const pattern = `${prefix}…baler-tmp-…`;
  if (files.removed > 0) reporter?.({ kind: 'removed-files', count: files.removed, bytes: files.bytes, target });
  if (dirs.removed > 0) reporter?.({ kind: 'removed-dirs', count: dirs.removed, bytes: dirs.bytes, parent: dir });
  for (const [c, isDirs] of [
    [files, false],
    [dirs, true],
  ] as const) {
    const what = isDirs ? { dirs: true as const } : {};
    if (c.unowned > 0) reporter?.({ kind: 'unowned-files', count: c.unowned, target, pattern, ...what });
    if (c.foreign > 0) reporter?.({ kind: 'foreign-files', count: c.foreign, target, pattern, ...what });
  }
  return files.removed + dirs.removed;
}

async function treeSize(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await treeSize(join(path, name));
  return total;
}

const sweptParents = new Map<string, Promise<void>>();

/** Once per process and parent dir: removes the pid-named temp dirs of balers that no longer run. */
export function removeDeadTempDirs(parent: string): Promise<void> {
  let sweep = sweptParents.get(parent);
  if (!sweep) {
    sweep = sweepTempDirs(parent).catch(() => undefined);
    sweptParents.set(parent, sweep);
  }
  return sweep;
}

async function sweepTempDirs(parent: string): Promise<void> {
  const uid = process.getuid?.();
  let removed = 0;
  let bytes = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const owner = tempDirOwner(name);
    // a dir from another host or pid namespace (its tag is not ours) is not ours to judge
    if (owner === undefined || !isOwnerGone(owner.pid, owner.tag)) continue;
    const path = join(parent, name);
    const st = await lstat(path).catch(() => undefined);
    // a shared /tmp: only our own directories (never a symlink) are ours to judge
    if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    const held = await treeSize(path);
    const gone = await rm(path, { recursive: true, force: true }).then(
      () => true,
      () => false,
    );
    if (!gone) continue;
    removed++;
    bytes += held;
  }
  if (removed > 0) reporter?.({ kind: 'removed-dirs', count: removed, bytes, parent });
}
