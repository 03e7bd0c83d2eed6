import { createHash, randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { isProcessAlive } from './process-alive.js';

/**
 * Temp files, leases and locks name the process that owns them by pid, so a later baler can remove what a
 * SIGKILLed one left. A pid only means something on one host, in one pid namespace: a baler in another
 * container sharing /tmp, or on another host writing the same NFS directory, has pids this process
 * cannot see, and would look dead. So every owner mark also carries a tag of where its pid was taken
 * (a hash of the host name and the pid namespace), and only marks with this process's tag are judged by
 * their pid; the others are left alone (age-based rules, such as prune's for day-old temp blobs, still apply).
 */

/** 4 hex digits: enough to tell a few hosts or containers apart; a collision only falls back to the pid check. */
function computeTag(): string {
  let namespace = '';
  try {
    namespace = readlinkSync('/proc/self/ns/pid'); // "pid:[4026531836]"; absent outside Linux
  } catch {
    // no /proc: the host name alone
  }
  return createHash('sha256').update(`${hostname()}\0${namespace}`).digest('hex').slice(0, 4);
}

let tag: string | undefined;

/** This process's tag (see above). */
export function ownerTag(): string {
  tag ??= computeTag();
  return tag;
}

/** The 12 hex digits after `<pid>-` in a temp name: this process's tag, then 8 random ones. */
export function ownedTempHex(): string {
  return `${ownerTag()}${randomBytes(4).toString('hex')}`;
}

/**
 * Whether the owner `pid`, whose mark carried `markTag` (the first 4 hex digits of a temp name's hex
 * part, or a lock file's tag), is known to be gone: only a mark made here can say so. `markTag`
 * undefined: a mark from a baler that wrote no tag, judged by its pid as before.
 */
export function isOwnerGone(pid: number, markTag?: string): boolean {
  if (markTag !== undefined && markTag !== ownerTag()) return false;
  return pid !== process.pid && !isProcessAlive(pid);
}

/** The tag part of a temp name's hex (`<pid>-<12 hex>`). */
export function tagOfTempHex(hex: string): string {
  return hex.slice(0, 4);
}
