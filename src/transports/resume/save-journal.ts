import { isDigest, type Digest } from '../../model/digest.js';
import type { KeptBlobPrefix } from '../types.js';

/**
 * `save --resume` keeps the archive being written as `FILE.baler-partial` and, beside it,
 * `FILE.baler-partial.journal`: one JSON line per blob entry once the tar writer has handed all of
 * its bytes to the file. The journal is only a hint: a rerun re-reads and re-hashes every entry it
 * names (verify-partial.ts) and keeps the prefix up to the first one that does not check out.
 */
export interface JournalEntry {
  digest: Digest;
  size: number;
  mediaType: string;
  /** Offset of the entry's first header block. */
  start: number;
  /** Offset just after its padding: where the next entry begins. */
  end: number;
  /**
   * A compressed save (--resume ends a gzip member / zstd frame after every blob entry): the offset in
   * the written file(s) where that member ends. Absent when the output is the tar itself (same as end).
   */
  outEnd?: number;
}

/** Where an entry ends in the written bytes: its compressed end, or its tar end when uncompressed. */
export function outEndOf(e: JournalEntry): number {
  return e.outEnd ?? e.end;
}

export interface SaveJournal {
  /** Blob entries an earlier run left, verified, in archive order (empty: starting afresh). */
  readonly kept: readonly JournalEntry[];
  /** Where writing continues: the end of the last kept entry (0 when starting afresh). */
  readonly offset: number;
  /** Records one more complete blob entry. */
  record(e: JournalEntry): void;
  /** Records how far the blob entry being written got; `end`: where its `have` bytes end (uncompressed saves only). */
  progress?(p: BlobProgress, end: number): void;
  /** The start of a blob an interrupted run was writing, kept for fetching only the rest (blob-prefix.ts). */
  readonly partialBlob?: KeptBlobPrefix | { digest: Digest; dropped: string };
}

/**
 * A journal line written while a large blob entry is on its way: the first `have` bytes of the blob's
 * data, which start just after the entry's header at `start`, are in the file and hash to `sha256`.
 * A rerun re-hashes exactly those bytes and, when they check out, fetches only the rest of the blob.
 */
export interface BlobProgress {
  digest: Digest;
  size: number;
  mediaType: string;
  start: number;
  have: number;
  sha256: string;
}

export const PARTIAL_SUFFIX = '.baler-partial';
export const JOURNAL_SUFFIX = '.journal';

export function partialPathFor(output: string): string {
  return `${output}${PARTIAL_SUFFIX}`;
}

export function journalPathFor(output: string): string {
  return `${partialPathFor(output)}${JOURNAL_SUFFIX}`;
}

export function formatProgressLine(p: BlobProgress): string {
  return `${JSON.stringify({ digest: p.digest, size: p.size, mediaType: p.mediaType, start: p.start, have: p.have, sha256: p.sha256 })}\n`;
}

/**
 * The last progress line that continues the journal's complete entries (it starts where the last of
 * `entries` ends); undefined when there is none or it is not sane.
 */
export function lastProgress(text: string, entries: readonly JournalEntry[]): BlobProgress | undefined {
  const lastEnd = entries.length > 0 ? (entries[entries.length - 1] as JournalEntry).end : undefined;
  let found: BlobProgress | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes('"have"')) continue;
    let o: Record<string, unknown>;
    try {
      o = (JSON.parse(line) ?? {}) as Record<string, unknown>;
    } catch {
      continue;
    }
    const ok =
      isDigest(o.digest) &&
      isOffset(o.size) &&
      typeof o.mediaType === 'string' &&
      isOffset(o.start) &&
      isOffset(o.have) &&
      (o.have as number) > 0 &&
      (o.have as number) < (o.size as number) &&
      typeof o.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(o.sha256) &&
      (lastEnd === undefined || o.start === lastEnd);
    if (ok) found = { digest: o.digest as Digest, size: o.size as number, mediaType: o.mediaType as string, start: o.start as number, have: o.have as number, sha256: o.sha256 as string };
  }
  return found;
}

export function formatJournalLine(e: JournalEntry): string {
  const line = { digest: e.digest, size: e.size, mediaType: e.mediaType, start: e.start, end: e.end, ...(e.outEnd !== undefined ? { outEnd: e.outEnd } : {}) };
  return `${JSON.stringify(line)}\n`;
}

/** The entries of a journal up to the first line that is not a complete, sane record (a torn write). */
export function parseJournal(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  let expectStart = -1;
  let lastOutEnd = 0;
  for (const line of text.split('\n')) {
    if (line === '') break;
    // a progress line (BlobProgress) between entries: read by lastProgress
    if (line.includes('"have"') && !line.includes('"end"')) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      break;
    }
    const o = (v ?? {}) as Record<string, unknown>;
    const ok =
      isDigest(o.digest) &&
      isOffset(o.size) &&
      typeof o.mediaType === 'string' &&
      isOffset(o.start) &&
      isOffset(o.end) &&
      (o.end as number) > (o.start as number) &&
      (expectStart < 0 || o.start === expectStart) &&
      (o.outEnd === undefined || (isOffset(o.outEnd) && o.outEnd > lastOutEnd));
    if (!ok) break;
    const e: JournalEntry = { digest: o.digest as Digest, size: o.size as number, mediaType: o.mediaType as string, start: o.start as number, end: o.end as number };
    if (o.outEnd !== undefined) e.outEnd = o.outEnd as number;
    out.push(e);
    expectStart = e.end;
    lastOutEnd = outEndOf(e);
  }
  return out;
}

function isOffset(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
