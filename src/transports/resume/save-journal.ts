import { isDigest, type Digest } from '../../model/digest.js';

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
}

export const PARTIAL_SUFFIX = '.baler-partial';
export const JOURNAL_SUFFIX = '.journal';

export function partialPathFor(output: string): string {
  return `${output}${PARTIAL_SUFFIX}`;
}

export function journalPathFor(output: string): string {
  return `${partialPathFor(output)}${JOURNAL_SUFFIX}`;
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
