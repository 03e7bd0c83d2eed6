import { existsSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';
import { partialPathFor } from './save-journal.js';
import { isOwnerGone, ownerTag } from '../../io/owner.js';

/**
 * Only one `save --resume -o FILE` may write FILE.baler-partial at a time: two would interleave their
 * bytes and journal lines. The lock is `FILE.baler-partial.lock` holding the owner's pid, created
 * atomically (written under a private name, then hard-linked into place, which fails when it exists), so
 * a reader never sees it half-written. A lock whose pid no longer runs (a SIGKILLed save) is taken over;
 * breaking it happens under a second exclusive file, `.lock.break`, so two processes finding the same
 * stale lock cannot both take it.
 */
export interface PartialLock {
  readonly path: string;
  /** Removes the lock (idempotent). */
  release(): Promise<void>;
}

export const LOCK_SUFFIX = '.lock';

export function lockPathFor(output: string): string {
  return `${partialPathFor(output)}${LOCK_SUFFIX}`;
}

/**
 * The owner a lock file names: `<pid> <tag>` (the tag of io/owner.ts; older balers wrote the pid alone);
 * 'gone' when there is no file, 'invalid' when it holds no pid (written by hand).
 */
interface LockOwner {
  readonly pid: number;
  readonly tag?: string;
  /** The file's text, to tell whether the lock still names the same owner. */
  readonly text: string;
}

async function ownerOf(path: string): Promise<LockOwner | 'gone' | 'invalid'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'gone';
  }
  const m = /^([0-9]+)(?: ([0-9a-f]{4}))?\n?$/.exec(text);
  const pid = m ? Number(m[1]) : 0;
  return pid > 0 ? { pid, ...(m?.[2] ? { tag: m[2] } : {}), text } : 'invalid';
}

/** Whether the lock's owner is known to be gone (only an owner on this host, in this pid namespace, can be). */
function ownerGone(o: LockOwner): boolean {
  return isOwnerGone(o.pid, o.tag);
}

/** Places a file holding our pid at `path`; false when something is there already. */
async function placeExclusive(path: string): Promise<boolean> {
  const mine = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(mine, `${process.pid} ${ownerTag()}\n`, { mode: 0o644 });
    await link(mine, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // a missing parent is named as a save without --resume names it, not by the lock file's name
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(dirname(path))) throw fromSystemError(err, dirname(path));
    throw fromSystemError(err, path);
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

/** Removes `path` when it still names `owner` (a pid that no longer runs); under the break file, so only one process does. */
async function breakStale(path: string, owner: LockOwner | 'invalid'): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await placeExclusive(breaker))) {
    // a breaker that died between placing and removing its file
    const other = await ownerOf(breaker);
    if (typeof other === 'object' && ownerGone(other)) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    const now = await ownerOf(path);
    const same = owner === 'invalid' ? now === 'invalid' : typeof now === 'object' && now.text === owner.text;
    if (same) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** Takes the lock of `output`'s partial file, or fails with E_LOCKED naming the process that holds it. */
export async function lockPartial(output: string): Promise<PartialLock> {
  const path = lockPathFor(output);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await placeExclusive(path)) {
      let held = true;
      return {
        path,
        async release() {
          if (!held) return;
          held = false;
          await unlink(path).catch(() => undefined);
        },
      };
    }
    const owner = await ownerOf(path);
    if (typeof owner === 'object' && !ownerGone(owner)) {
      const who = owner.tag === undefined || owner.tag === ownerTag() ? `pid ${owner.pid}` : `pid ${owner.pid} on another host or in another pid namespace`;
      throw new BalerError('E_LOCKED', `${partialPathFor(output)}: another baler (${who}) is writing it; wait for it to end, or remove ${path} if that process is not baler`);
    }
    // a lock is never without its pid while held (it is linked into place complete), so 'invalid' is stale too
    if (owner !== 'gone') await breakStale(path, owner);
  }
  throw new BalerError('E_LOCKED', `${partialPathFor(output)}: could not take ${path}; remove it if no baler is writing ${output}`);
}
