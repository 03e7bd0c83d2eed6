import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { BalerError } from '../errors.js';
import { shortId, type Digest } from '../model/digest.js';
import { foreignPartial, leftPartial, partialPathOf, type PartialShape } from '../transports/resume/left-partial.js';
import { ociDirPartialPath, ociDirPartialSummary } from '../transports/resume/oci-dir-partial.js';
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
  /** After the sink of a failed save is disposed: with --resume, says on stderr where its partial was kept. */
  noteKeptPartial(stderr: Stderr): Promise<void>;
  /** Once the partial's lock is held: with --resume and a partial to continue, says it is re-verified first (that reads it all). */
  noteResuming(stderr: Stderr): Promise<void>;
  /** Before the sink opens: with --resume, fails when the partial's path holds something of another shape. */
  refuseForeignPartial(): Promise<void>;
  /** Counts as reused only the skipped blobs `only` accepts (the sink's keptEarlier: an oci-dir save's DIR held others). */
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
  const shape = o.format === 'oci-dir' ? 'oci-dir' : splitSize !== undefined ? 'parts' : 'file';
  const notes = resume ? resumeNotes({ verb: 'save', output: resolve(o.cwd, o.output), cwd: o.cwd, absolute: isAbsolute(o.output), shape }) : undefined;
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
    noteKeptPartial: async (stderr) => notes?.noteKept(stderr),
    noteResuming: async (stderr) => notes?.noteResuming(stderr),
    refuseForeignPartial: async () => notes?.refuseForeign(),
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

/**
 * load --resume: counts reused blobs (`result()` the JSON field, `line()` the stderr line); into an
 * archive FILE (`partial`), the notes save --resume prints about FILE.baler-partial.
 */
export function loadResumeFromFlags(
  flags: ParsedFlags,
  next: CopyEventHandler | undefined,
  partial: { output: string; cwd: string; absolute: boolean } | undefined,
): { onEvent: CopyEventHandler | undefined; result(): ReuseCount | undefined; line(): string | undefined; notes: ResumeNotes | undefined } {
  const counter = flags.bool('resume') ? countReused(next) : undefined;
  return {
    onEvent: counter ? counter.handle : next,
    result: () => counter?.result(),
    line: () => (counter ? reusedLine(counter.result()) : undefined),
    notes: counter && partial ? resumeNotes({ verb: 'load', ...partial, shape: 'file' }) : undefined,
  };
}

type Stderr = { write(s: string): unknown };

/**
 * The two things a --resume run says about its partial on stderr (neither ever fails the run), and the
 * check that its partial's path holds a partial of its own shape.
 */
export interface ResumeNotes {
  /** Once the partial's lock is held: what it holds, which is re-hashed first (that reads it all). */
  noteResuming(stderr: Stderr): Promise<void>;
  /** After a failed or interrupted run: where its work was kept, and how to continue. */
  noteKept(stderr: Stderr): Promise<void>;
  /**
   * Before the sink opens: FILE.baler-partial a directory (an oci-dir save's partial) or DIR.baler-partial
   * a file is no partial this run can continue or may remove: one line (exit 7) naming it.
   */
  refuseForeign(): Promise<void>;
}

/**
 * The partial of one --resume run: an archive's FILE.baler-partial (`file`) or FILE.baler-partial.001…
 * (`parts`, a split save) with its journal, or oci-dir's DIR.baler-partial directory. Only the run's own
 * shape is named: a partial of the other shape is not continued (the run removes it).
 */
interface ResumeTarget {
  verb: 'save' | 'load';
  /** FILE or DIR, resolved. */
  output: string;
  cwd: string;
  /** The user named the output by an absolute path; otherwise paths are shown relative to cwd. */
  absolute: boolean;
  shape: PartialShape | 'oci-dir';
}

/** What a partial holds for the notes: where it is, what the rerun re-hashes, and what the kept line adds. */
interface PartialWork {
  where: string;
  /** Bytes the rerun re-hashes; 0 when there is nothing to re-verify. */
  rehashed: number;
  blobs: number;
  started: readonly Started[];
  /** What happens to the rest, in the re-verifying line. */
  rest: string;
  /** The kept line's account of it, after the partial's name. */
  keptDetail: string;
}

type Started = { digest: Digest; have: number; size: number };

function resumeNotes(t: ResumeTarget): ResumeNotes {
  return {
    async refuseForeign() {
      const found = await foreignPartial(t.output, t.shape);
      if (!found) return;
      const what = t.shape === 'oci-dir' ? `the partial directory of a save --resume --format oci-dir to ${shownPath(t, t.output)}` : `the partial file of a ${t.verb} --resume to ${shownPath(t, t.output)}`;
      throw new BalerError('E_CONFLICT', `${t.verb}: ${shownPath(t, found.path)} is ${found.is}, not ${what}; remove it, or write to another ${t.shape === 'oci-dir' ? 'DIR' : 'FILE'}`);
    },
    async noteResuming(stderr) {
      const work = await partialWork(t).catch(() => undefined);
      if (!work || work.rehashed === 0) return;
      stderr.write(`baler: re-verifying the ${formatBytes(work.rehashed)} an interrupted ${t.verb} left in ${work.where}: ${keptWorkSummary(work.blobs, work.started, work.rest)}\n`);
    },
    async noteKept(stderr) {
      const work = await partialWork(t).catch(() => undefined);
      if (work) stderr.write(`baler: kept ${work.where}${work.keptDetail}; run the same ${t.verb} with --resume to continue\n`);
    },
  };
}

/** A path as the user named the output: absolute, or relative to cwd ('.' for cwd itself, not ''). */
function shownPath(t: ResumeTarget, path: string): string {
  return t.absolute ? path : relative(t.cwd, path) || '.';
}

async function partialWork(t: ResumeTarget): Promise<PartialWork | undefined> {
  const shown = (path: string): string => shownPath(t, path);
  if (t.shape === 'oci-dir') {
    const kept = await ociDirPartialSummary(t.output);
    if (!kept) return undefined;
    const startedBytes = kept.started.reduce((n, s) => n + s.have, 0);
    const [one, ...more] = kept.started;
    const items = [
      // a commit that failed after moving every blob leaves none here: "0 verified blobs" would only confuse
      ...(kept.blobs > 0 || kept.movedIntoDir === 0 ? [`${plural(kept.blobs, 'verified blob')}, ${formatBytes(kept.bytes)}`] : []),
      ...(!one ? [] : more.length === 0 ? [`the first ${formatBytes(one.have)} of a ${formatBytes(one.size)} blob`] : [`the starts of ${kept.started.length} blobs (${formatBytes(startedBytes)})`]),
      ...(kept.movedIntoDir > 0 ? [`${plural(kept.movedIntoDir, 'blob')} already moved into ${shown(t.output)}`] : []),
    ];
    return {
      where: shown(ociDirPartialPath(t.output)),
      rehashed: kept.bytes + startedBytes,
      blobs: kept.blobs,
      started: kept.started,
      rest: 'anything else is fetched again',
      keptDetail: ` (${items.join(', and ')})`,
    };
  }
  // an empty partial (a run that failed before writing a byte) keeps nothing to continue: no kept line
  const left = await leftPartial(t.output, t.shape);
  if (!left) return undefined;
  return {
    where: `${shown(partialPathOf(t.output, t.shape))}${t.shape === 'parts' ? '…' : ''}`,
    rehashed: left.partialBytes,
    blobs: left.keptBlobs,
    started: left.cutShort ? [left.cutShort] : [],
    rest: 'anything after them is written again',
    keptDetail: ' and its journal',
  };
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * What an interrupted save --resume left to re-hash and keep (an archive's journal, or oci-dir's partial
 * directory): complete blobs, and the starts of blobs cut short, of which only the rest is fetched.
 */
function keptWorkSummary(keptBlobs: number, started: readonly Started[], rest: string): string {
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
