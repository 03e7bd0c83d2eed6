import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Digest } from '../../model/digest.js';
import { partialPartPath } from '../split/partial-parts.js';
import { journalPathFor, lastProgress, parseJournal, partialPathFor } from './save-journal.js';

/**
 * What an interrupted `save --resume -o FILE` left for the next run, read from its files for the CLI to
 * report. A hint only, like the journal it reads: the rerun re-hashes everything before keeping any of it.
 */
export interface LeftPartial {
  /** Bytes in FILE.baler-partial, or in all of FILE.baler-partial.001, .002, … of a split save. */
  readonly partialBytes: number;
  /** 0: one partial file; else how many parts of a split save are there. */
  readonly parts: number;
  /** Complete blob entries the journal names (the rerun re-hashes them and keeps those that check out). */
  readonly keptBlobs: number;
  /** The blob the save was writing when it stopped, when the journal names a start of it to continue from. */
  readonly cutShort?: { readonly digest: Digest; readonly size: number; readonly have: number };
}

/** Which partial a failed `save --resume` kept at `output`: one file, the parts of a split save, or none. */
export function keptPartialShape(output: string): 'file' | 'parts' | undefined {
  if (existsSync(partialPathFor(output))) return 'file';
  if (existsSync(partialPartPath(output, 1))) return 'parts';
  return undefined;
}

/** What an earlier save --resume to `output` left; undefined when there are no partial bytes to continue. */
export async function leftPartial(output: string): Promise<LeftPartial | undefined> {
  const single = await stat(partialPathFor(output)).catch(() => undefined);
  let partialBytes = single?.size ?? 0;
  let parts = 0;
  while (!single) {
    const part = await stat(partialPartPath(output, parts + 1)).catch(() => undefined);
    if (!part) break;
    partialBytes += part.size;
    parts++;
  }
  if (partialBytes === 0) return undefined;
  const text = await readFile(journalPathFor(output), 'utf8').catch(() => '');
  const entries = parseJournal(text);
  const progress = lastProgress(text, entries);
  return {
    partialBytes,
    parts,
    keptBlobs: entries.length,
    ...(progress ? { cutShort: { digest: progress.digest, size: progress.size, have: progress.have } } : {}),
  };
}
