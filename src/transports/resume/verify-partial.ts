import { createReadStream } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { sha256OfStream } from '../../io/hashing.js';
import { hexOf } from '../../model/digest.js';
import { buildTocFromReader, type TocEntry } from '../../tar/toc.js';
import { OCI_LAYOUT_BYTES } from '../layout-tar-writer.js';
import { parseJournal, type JournalEntry } from './save-journal.js';

export interface VerifiedPrefix {
  kept: JournalEntry[];
  /** End of the last kept entry; 0 = nothing usable, start over. */
  offset: number;
  /** Journaled entries that did not check out (cut off). */
  dropped: number;
}

/**
 * Decides how much of an interrupted save's partial file can be kept: the journaled blob entries, in
 * order, whose tar headers parse at the recorded offsets (after the layout's `blobs/`, `blobs/sha256/`,
 * `oci-layout` entries, as layout-tar-writer.ts writes them) and whose bytes hash to their digest.
 * Nothing is trusted unread: a torn journal line, a short file or one flipped byte ends the prefix.
 */
export async function verifyPartial(partial: string, journal: string): Promise<VerifiedPrefix> {
  const text = await readFile(journal, 'utf8').catch(() => '');
  const journaled = parseJournal(text);
  let fh: FileHandle;
  try {
    fh = await open(partial, 'r');
  } catch {
    return { kept: [], offset: 0, dropped: journaled.length };
  }
  try {
    const size = (await fh.stat()).size;
    const candidates = journaled.filter((e) => e.end <= size);
    const last = candidates[candidates.length - 1];
    if (!last) return { kept: [], offset: 0, dropped: journaled.length };
    let entries: TocEntry[];
    try {
      entries = (await buildTocFromReader(fh, last.end, partial)).entries;
    } catch {
      return { kept: [], offset: 0, dropped: journaled.length };
    }
    if (!(await isLayoutHead(entries, fh))) return { kept: [], offset: 0, dropped: journaled.length };
    const kept: JournalEntry[] = [];
    for (const [i, j] of candidates.entries()) {
      const e = entries[i + 3];
      if (!e || e.type !== 'file' || e.path !== `blobs/sha256/${hexOf(j.digest)}` || e.size !== j.size || e.headerOffset !== j.start) break;
      const got = await sha256OfStream(j.size === 0 ? Readable.from([]) : createReadStream(partial, { start: e.dataOffset, end: e.dataOffset + e.size - 1 }));
      if (got.digest !== j.digest || got.size !== j.size) break;
      kept.push(j);
    }
    const end = kept[kept.length - 1]?.end ?? 0;
    return { kept, offset: end, dropped: journaled.length - kept.length };
  } finally {
    await fh.close();
  }
}

async function isLayoutHead(entries: readonly TocEntry[], fh: FileHandle): Promise<boolean> {
  const [blobs, sha, layout] = entries;
  if (blobs?.type !== 'dir' || blobs.path !== 'blobs' || sha?.type !== 'dir' || sha.path !== 'blobs/sha256') return false;
  if (layout?.type !== 'file' || layout.path !== 'oci-layout' || layout.size !== OCI_LAYOUT_BYTES.length) return false;
  const buf = Buffer.alloc(layout.size);
  await fh.read(buf, 0, layout.size, layout.dataOffset);
  return buf.equals(OCI_LAYOUT_BYTES);
}
