import { BalerError, exitCodeFor, type ExitCode } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { familiarName } from '../model/image-name.js';
import type { ImageSource } from '../transports/types.js';
import { copyImages } from './copy.js';
import { readDelta } from './delta-check.js';
import { NOT_INCLUDED_WARNING } from './included-children.js';
import type { CopyEventHandler, PlannedImage } from './events.js';
import { VerifyingNullSink } from './verifying-null-sink.js';

export interface VerifiedImage {
  names: string[];
  /** Config digest(s): one per platform. */
  ids: Digest[];
  digest: Digest;
  layers: number;
  /** Layers a delta leaves out (expected at its destination, not checked here). */
  layersExpected: number;
}

export interface VerifyReport {
  input: string;
  ok: boolean;
  /** The first problem found, as load would report it; absent when ok. */
  problem?: { code: string; message: string; exit: ExitCode };
  images: VerifiedImage[];
  /** Blobs and manifests checked, and their bytes. */
  blobsChecked: number;
  bytesChecked: number;
  delta?: { base: string; expectedExternal: Digest[] };
  /** Blob files nothing in the archive refers to: noted, not a failure. */
  unreferenced: Digest[];
  /** Platforms of a multi-platform image the source does not include (a sparse index): noted, not a failure. */
  notIncluded?: string[];
}

/**
 * Checks a whole source without loading it: runs the copy pipeline into a VerifyingNullSink, so every
 * manifest, config and layer digest, every diff_id and every manifest ↔ config reference is checked
 * by the same code load uses. A delta's left-out layers are reported as expected, not as failures.
 * User-caused failures become `problem`; anything else (a bug) is thrown.
 */
export async function verifySource(source: ImageSource, input: string, o: { signal?: AbortSignal; onEvent?: CopyEventHandler } = {}): Promise<VerifyReport> {
  const report: VerifyReport = { input, ok: true, images: [], blobsChecked: 0, bytesChecked: 0, unreferenced: [] };
  let planned: PlannedImage[] = [];
  const done: Array<{ names: string[]; id: Digest; digest: Digest }> = [];
  const row = (img: { names: string[]; id: Digest; digest: Digest }): VerifiedImage => {
    const plan = planned.find((p) => p.digest === img.digest);
    return { names: img.names, ids: plan?.ids ?? [img.id], digest: img.digest, layers: plan?.layers ?? 0, layersExpected: 0 };
  };
  try {
    const delta = await readDelta(source, input);
    const expected = new Set(delta?.expected.map((e) => e.digest) ?? []);
    if (delta) report.delta = { base: delta.base.source, expectedExternal: [...expected].sort() };
    const sink = new VerifyingNullSink(source.ref, expected);
    const copied = await copyImages({
      from: source,
      to: sink,
      select: { kind: 'all' },
      ...(o.signal ? { signal: o.signal } : {}),
      onEvent: (e) => {
        if (e.kind === 'plan') planned = e.images;
        if (e.kind === 'image-done') done.push({ names: e.names.map(familiarName), id: e.id, digest: e.digest });
        if (e.kind === 'warning' && e.code === NOT_INCLUDED_WARNING) (report.notIncluded ??= []).push(e.message);
        o.onEvent?.(e);
      },
    });
    report.blobsChecked = sink.received.size;
    report.bytesChecked = sink.bytes;
    report.images = copied.images.map((img) => row({ names: img.names.map(familiarName), id: img.id, digest: img.digest }));
    await countExpectedLayers(report, source, expected);
    report.unreferenced = await unreferencedBlobs(source, sink.received, expected);
  } catch (err) {
    if (!(err instanceof BalerError) || err.code === 'E_INTERNAL') throw err;
    report.ok = false;
    report.images = done.map(row); // the images checked before the problem
    report.problem = { code: err.code, message: err.message, exit: exitCodeFor(err) };
  }
  return report;
}

/** Per image, how many of its layers a delta leaves out. */
async function countExpectedLayers(report: VerifyReport, source: ImageSource, expected: ReadonlySet<Digest>): Promise<void> {
  if (expected.size === 0) return;
  const delta = await readDelta(source, report.input);
  for (const img of report.images) {
    img.layersExpected = delta?.expected.filter((e) => e.images.some((n) => img.names.includes(n) || img.ids.some((id) => id.startsWith(n)))).length ?? 0;
  }
}

async function unreferencedBlobs(source: ImageSource, referenced: ReadonlySet<Digest>, expected: ReadonlySet<Digest>): Promise<Digest[]> {
  const stored = (await source.storedBlobs?.()) ?? [];
  return stored.filter((d) => !referenced.has(d) && !expected.has(d)).sort();
}
