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

/**
 * The shape of a --resume run's partial: one file, or the parts of a split save (--split). A run
 * continues only its own shape and removes the other (resumable-output.ts), so each question below
 * is asked for one shape.
 */
export type PartialShape = 'file' | 'parts';

/** Where a partial of `shape` for `output` starts: FILE.baler-partial, or its first part FILE.baler-partial.001. */
export function partialPathOf(output: string, shape: PartialShape): string {
  return shape === 'file' ? partialPathFor(output) : partialPartPath(output, 1);
}

/**
 * What sits where a --resume run of `shape` keeps its partial when it is of another kind: a directory
 * (an oci-dir save's `DIR.baler-partial`) where an archive's partial file goes, or a file where an oci-dir
 * save's partial directory goes. Such a thing is not this run's to continue or to remove.
 */
export async function foreignPartial(output: string, shape: PartialShape | 'oci-dir'): Promise<{ path: string; is: string } | undefined> {
  const path = shape === 'oci-dir' ? partialPathFor(output) : partialPathOf(output, shape);
  const st = await stat(path).catch(() => undefined);
  if (!st || (shape === 'oci-dir' ? st.isDirectory() : st.isFile())) return undefined;
  return { path, is: st.isDirectory() ? 'a directory' : st.isFile() ? 'a file' : 'not a regular file' };
}

/** Bytes in a regular file at `path`; undefined for anything else (a directory there holds no partial bytes). */
async function fileBytes(path: string): Promise<number | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st?.isFile() ? st.size : undefined;
}

/**
 * What an earlier --resume run to `output` left that a run of `shape` continues (a partial of the other
 * shape is not, it is removed); undefined when there are no such partial bytes.
 */
export async function leftPartial(output: string, shape: PartialShape): Promise<LeftPartial | undefined> {
  let partialBytes = 0;
  let parts = 0;
  if (shape === 'file') partialBytes = (await fileBytes(partialPathFor(output))) ?? 0;
  while (shape === 'parts') {
    const part = await fileBytes(partialPartPath(output, parts + 1));
    if (part === undefined) break;
    partialBytes += part;
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
