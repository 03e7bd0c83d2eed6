import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BalerError } from '../errors.js';
import { shortId, type Digest } from '../model/digest.js';
import { keptPartialShape, leftPartial, type LeftPartial } from '../transports/resume/left-partial.js';
import { PARTIAL_SUFFIX } from '../transports/resume/save-journal.js';
import { parseSplitSize } from '../transports/split/size-spec.js';
import { manifestPathFor, parseSetManifest, type SplitPart } from '../transports/split/set-manifest.js';
import type { OpenOptions } from '../transports/types.js';
import type { CopyEventHandler } from '../pipeline/events.js';
import { countReused, type ReuseCount } from './reuse-count.js';
import { formatBytes } from './render/units.js';
import type { FlagSpec, ParsedFlags } from './spec.js';

/** save's --split and --resume (kept here so save.ts only lists them). */
export const saveVolumeFlagSpecs: readonly FlagSpec[] = [
  {
    name: 'split',
    type: 'string',
    placeholder: 'SIZE',
    description: 'Cut the archive into parts of at most SIZE (4G, 700M, 1.5G, bytes, or fat32 = 4 GiB - 1): FILE.001, FILE.002, … plus NAME.baler.json with each part\'s size and sha256. Needs -o.',
  },
  {
    name: 'resume',
    type: 'boolean',
    description: 'Keep FILE.baler-partial and a journal while writing; if the save is interrupted, run it again with --resume to continue after the blobs already written (re-verified first); a blob cut short is continued too when the output is uncompressed and the source can start at an offset (a registry, with Range): its written start is re-hashed and only the rest is fetched. Works with --split (kept parts are not rewritten) and with gzip/zstd (a member/frame ends after every blob). With --format oci-dir the blobs go to DIR.baler-partial/ and move into DIR when the save is complete.',
  },
];

/** load's --resume. */
export const loadResumeFlagSpec: FlagSpec = {
  name: 'resume',
  type: 'boolean',
  description: 'Make an interrupted load resumable and continue one: interrupted, a --resume load keeps the blobs it verified at the destination (store, oci:DIR; a plain load takes them back), and a --resume rerun does not copy those again and reports the count; --into docker-archive:FILE or oci-archive:FILE continues its partial file as save --resume does.',
};

export interface SaveVolumes {
  /** Spread into the sink's OpenOptions. */
  readonly sinkOptions: Pick<OpenOptions, 'splitSize' | 'resume'>;
  /** Wraps the progress handler to count reused blobs. */
  readonly onEvent: CopyEventHandler | undefined;
  /** Extra --json fields: `split` (the JSON file and its parts), `resumed` (reused and continued blobs: ReuseCount). */
  jsonFields(): Promise<Record<string, unknown>>;
  /** Extra lines for the human summary on stderr. */
  summaryLines(): Promise<string[]>;
  /** After the sink is disposed: with --resume, says on stderr where a failed save's partial was kept. */
  noteKeptPartial(stderr: { write(s: string): unknown }): void;
  /** Before the sink opens: with --resume and a partial to continue, says it is re-verified first (that reads it all). */
  noteResuming(stderr: { write(s: string): unknown }): Promise<void>;
  /** Counts as reused only the skipped blobs `only` accepts (an oci-dir save: those its partial kept). */
  countReusedOnly(only: (d: Digest) => boolean): void;
}

/**
 * Validates --split/--resume against the output (`-o` required for both; --split not with oci-dir or
 * a device) and gives what save needs to apply and report them.
 */
export function saveVolumesFromFlags(flags: ParsedFlags, o: { output: string; format: string; outer: string; cwd: string; isDevice: boolean; next: CopyEventHandler | undefined }): SaveVolumes {
  const splitSpec = flags.string('split');
  const resume = flags.bool('resume');
  const splitSize = splitSpec !== undefined ? parseSplitSize(splitSpec) : undefined;
  if (splitSize !== undefined) {
    if (o.output === '-' || o.isDevice) throw new BalerError('E_USAGE', 'save: --split writes numbered files next to -o FILE; it cannot write to stdout or a device');
    if (o.format === 'oci-dir') throw new BalerError('E_USAGE', 'save: --split applies to archive files, not to --format oci-dir');
  }
  if (resume && (o.output === '-' || o.isDevice)) throw new BalerError('E_USAGE', 'save: --resume keeps a partial file next to -o FILE; it cannot resume stdout or a device');
  const counter = resume ? countReused(o.next) : undefined;
  let only: ((d: Digest) => boolean) | undefined;
  const manifest = splitSize !== undefined ? manifestPathFor(resolve(o.cwd, o.output)) : undefined;
  const parts = async (): Promise<SplitPart[]> => (manifest ? parseSetManifest(await readFile(manifest), manifest).parts : []);
  return {
    sinkOptions: { ...(splitSize !== undefined ? { splitSize } : {}), ...(resume ? { resume: true } : {}) },
    onEvent: counter ? counter.handle : o.next,
    async jsonFields() {
      const out: Record<string, unknown> = {};
      if (manifest) out.split = { manifest, parts: await parts() };
      if (counter) out.resumed = counter.result(only);
      return out;
    },
    countReusedOnly(pred) {
      only = pred;
    },
    noteKeptPartial(stderr) {
      if (!resume || o.output === '-') return;
      const shape = keptPartialShape(resolve(o.cwd, o.output));
      if (shape) stderr.write(`baler: kept ${o.output}${PARTIAL_SUFFIX}${shape === 'parts' ? '.001…' : ''} and its journal; run the same save with --resume to continue\n`);
    },
    async noteResuming(stderr) {
      if (!resume || o.output === '-') return;
      const left = await leftPartial(resolve(o.cwd, o.output));
      if (!left) return;
      const where = `${o.output}${PARTIAL_SUFFIX}${left.parts > 0 ? '.001…' : ''}`;
      stderr.write(`baler: re-verifying the ${formatBytes(left.partialBytes)} an interrupted save left in ${where}: ${journalSummary(left)}\n`);
    },
    async summaryLines() {
      const lines: string[] = [];
      if (manifest) {
        const p = await parts();
        lines.push(`Split into ${p.length} part${p.length === 1 ? '' : 's'} (${p.map((x) => x.name).join(', ')}), described by ${manifest}`);
      }
      if (counter) lines.push(reusedLine(counter.result(only)));
      return lines;
    },
  };
}

/** load --resume: counts reused blobs; `report()` gives the JSON field and the stderr line. */
export function loadResumeFromFlags(flags: ParsedFlags, next: CopyEventHandler | undefined): { onEvent: CopyEventHandler | undefined; result(): ReuseCount | undefined; line(): string | undefined } {
  const counter = flags.bool('resume') ? countReused(next) : undefined;
  return {
    onEvent: counter ? counter.handle : next,
    result: () => counter?.result(),
    line: () => (counter ? reusedLine(counter.result()) : undefined),
  };
}

/** What the journal of an interrupted save names (a hint: the save re-hashes all of it before using it). */
function journalSummary(left: LeftPartial): string {
  return keptWorkSummary(left.keptBlobs, left.cutShort ? [left.cutShort] : [], 'anything after them is written again');
}

/**
 * What an interrupted save --resume left to re-hash and keep (an archive's journal, or oci-dir's partial
 * directory): complete blobs, and the starts of blobs cut short, of which only the rest is fetched.
 */
export function keptWorkSummary(keptBlobs: number, started: readonly { digest: Digest; have: number; size: number }[], rest: string): string {
  const blobs = `${keptBlobs} complete blob${keptBlobs === 1 ? '' : 's'}`;
  const [one, ...more] = started;
  if (!one) return `${blobs} to re-hash and keep; ${rest}`;
  if (more.length === 0) {
    return `${blobs} and the first ${formatBytes(one.have)} of blob ${shortId(one.digest)} (${formatBytes(one.size)}) to re-hash and keep; of that blob only the rest is fetched where the source allows it (Range)`;
  }
  const bytes = started.reduce((n, s) => n + s.have, 0);
  return `${blobs} and the starts of ${started.length} blobs (${formatBytes(bytes)}) to re-hash and keep; of those only the rest is fetched where the source allows it (Range)`;
}

/** The summary line of a --resume run: whole blobs reused, and blobs continued from a kept start. */
function reusedLine(r: ReuseCount): string {
  const reused = `Resumed: reused ${r.blobs} blob${r.blobs === 1 ? '' : 's'} (${formatBytes(r.bytes)}) already written and verified`;
  return r.continuedBlobs === 0 ? reused : `${reused}, and continued ${r.continuedBlobs} (${formatBytes(r.keptBytes)} kept, not fetched again)`;
}
