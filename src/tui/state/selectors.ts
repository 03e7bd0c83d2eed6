import micromatch from 'micromatch';
import type { EquivalentAction } from '../../cli/command-line.js';
import type { Digest } from '../../model/digest.js';
import { parsePlatform } from '../../model/platform.js';
import type { ImageRow, SourceSpec, TuiCopyRequest } from '../tui-services.js';
import { actionFields, availableKinds, type FormField } from './action-form.js';
import { compressFieldProblem } from './compress-field.js';
import type { BlobRow, ProgressState, TuiState } from './machine.js';

/** Pure views over TuiState; screens and tests both read the state through these. */

const GLOB_CHARS = /[*?[\]{}!]/;

/**
 * Type-to-filter: a pattern with glob characters is a micromatch glob (`debian:*`, `*\/app*`) tried
 * against each familiar name; plain text matches any part of a name or the image ID.
 */
export function imageMatches(row: ImageRow, pattern: string): boolean {
  const p = pattern.trim();
  if (!p) return true;
  const hex = row.id.slice('sha256:'.length);
  if (GLOB_CHARS.test(p)) return row.names.some((n) => micromatch.isMatch(n, p)) || micromatch.isMatch(hex.slice(0, 12), p);
  const lower = p.toLowerCase();
  return row.names.some((n) => n.toLowerCase().includes(lower)) || hex.startsWith(lower.replace(/^sha256:/, ''));
}

export function visibleImages(s: Pick<TuiState, 'images' | 'filter'>): ImageRow[] {
  return s.images.filter((r) => imageMatches(r, s.filter));
}

export function cursorImage(s: TuiState): ImageRow | undefined {
  return visibleImages(s)[s.cursor];
}

export function selectedImages(s: Pick<TuiState, 'images' | 'selected'>): ImageRow[] {
  return s.selected.map((id) => s.images.find((r) => r.key === id)).filter((r): r is ImageRow => r !== undefined);
}

export interface SharedLayer {
  digest: Digest;
  size: number;
  /** Display names of the selected images that carry it. */
  images: string[];
}

export interface SelectionSummary {
  count: number;
  /** Bytes written once each: what an archive of the selection holds. */
  uniqueBytes: number;
  /** Bytes if every image were saved on its own. */
  naiveBytes: number;
  /** naive - unique: what shared layers save. */
  savedBytes: number;
  shared: SharedLayer[];
}

export function displayName(r: ImageRow): string {
  return r.names[0] ?? r.id.slice('sha256:'.length, 'sha256:'.length + 12);
}

export function selectionSummary(rows: readonly ImageRow[]): SelectionSummary {
  const blobs = new Map<Digest, { size: number; images: string[] }>();
  let naiveBytes = 0;
  for (const r of rows) {
    naiveBytes += r.size;
    const configSize = r.size - r.layers.reduce((n, l) => n + l.size, 0);
    const seen = new Set<Digest>();
    for (const l of r.layers) {
      if (seen.has(l.digest)) continue; // the same layer twice in one image is stored once
      seen.add(l.digest);
      const cur = blobs.get(l.digest) ?? { size: l.size, images: [] };
      cur.images.push(displayName(r));
      blobs.set(l.digest, cur);
    }
    const configKey = r.id;
    const c = blobs.get(configKey) ?? { size: Math.max(0, configSize), images: [] };
    c.images.push(displayName(r));
    blobs.set(configKey, c);
  }
  let uniqueBytes = 0;
  const shared: SharedLayer[] = [];
  for (const [digest, b] of blobs) {
    uniqueBytes += b.size;
    const isLayer = rows.some((r) => r.layers.some((l) => l.digest === digest));
    if (isLayer && b.images.length > 1) shared.push({ digest, size: b.size, images: b.images });
  }
  shared.sort((a, b) => b.size - a.size);
  return { count: rows.length, uniqueBytes, naiveBytes, savedBytes: naiveBytes - uniqueBytes, shared };
}

export function formFields(s: TuiState): FormField[] {
  return actionFields(s.form, availableKinds(s.source, s.actions));
}

/** The refs a command names for the selection: every name, or the ID of an untagged image. */
export function selectionRefs(s: Pick<TuiState, 'images' | 'selected'>): string[] {
  return selectedImages(s).flatMap((r) => (r.names.length ? r.names : [r.id]));
}

/** `--from` for the verbs when the images come from Docker's data root or daemon. */
function dockerFrom(source: SourceSpec): { from?: string } {
  return source.kind === 'docker-root' ? { from: `docker-root:${source.path}` } : source.kind === 'docker' ? { from: 'docker' } : {};
}

/** The copy the Action form describes, plus the plain command that does the same; or a reason it cannot run. */
export function plannedCopy(s: TuiState): { request: TuiCopyRequest; action: EquivalentAction } | { error: string } {
  const images = selectionRefs(s);
  const source = s.source;
  if (!source) return { error: 'choose a source first' };
  if (images.length === 0) return { error: 'select at least one image (space)' };
  const platform = s.form.platform.trim();
  if (platform) {
    try {
      parsePlatform(platform);
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }
  const plat = platform ? { platform } : {};
  if (s.form.kind === 'load') {
    if (source.kind !== 'path') return { error: 'load reads an archive or layout path' };
    return { request: { kind: 'load', source, images, ...plat }, action: { verb: 'load', input: source.path, images, ...plat } };
  }
  const output = s.form.output.trim();
  if (!output) return { error: 'type an output path' };
  if (s.form.kind === 'export') {
    const image = images[0];
    if (selectedImages(s).length !== 1 || image === undefined) return { error: 'export flattens one image: select exactly one' };
    const archive = s.form.archive;
    const problem = compressFieldProblem(output, archive);
    if (problem) return { error: problem };
    return { request: { kind: 'export', source, image, output, archive, ...plat }, action: { verb: 'export', image, output, archive, ...plat, ...dockerFrom(source) } };
  }
  const compression = s.form.compression;
  const from = dockerFrom(source);
  if (s.form.kind === 'oci-dir') {
    return { request: { kind: 'save', source, images, output, format: 'oci-dir', compression, archive: 'none', ...plat }, action: { verb: 'save-oci-dir', images, output, compression, ...plat, ...from } };
  }
  const format = s.form.format;
  const archive = s.form.archive;
  const problem = compressFieldProblem(output, archive);
  if (problem) return { error: problem };
  return { request: { kind: 'save', source, images, output, format, compression, archive, ...plat }, action: { verb: 'save', images, output, format, compression, archive, ...plat, ...from } };
}

export interface OverallProgress {
  done: number;
  total: number;
  fraction: number;
  /** Bytes per second since the copy started; 0 until something moved. */
  rate: number;
  /** Seconds left at the current rate, undefined when unknown. */
  etaSeconds?: number;
  finishedBlobs: number;
  plannedBlobs: number;
}

export function isFinishedBlob(b: BlobRow): boolean {
  return b.state === 'verified' || b.state === 'skipped-present';
}

export function overallProgress(p: ProgressState): OverallProgress {
  let done = 0;
  let seenTotal = 0;
  for (const b of p.blobs) {
    const t = b.total ?? b.done;
    seenTotal += t;
    done += isFinishedBlob(b) ? t : Math.min(b.done, t);
  }
  const total = Math.max(p.totalBytes, seenTotal);
  const elapsed = (p.now - p.startedAt) / 1000;
  const rate = elapsed > 0 ? done / elapsed : 0;
  const out: OverallProgress = {
    done,
    total,
    fraction: total > 0 ? Math.min(1, done / total) : 0,
    rate,
    finishedBlobs: p.blobs.filter(isFinishedBlob).length,
    plannedBlobs: Math.max(p.plannedBlobs, p.blobs.length),
  };
  if (rate > 0 && total >= done) out.etaSeconds = (total - done) / rate;
  return out;
}

export function blobRate(b: BlobRow): number {
  const secs = (b.updatedAt - b.startedAt) / 1000;
  return secs > 0 ? b.done / secs : 0;
}

export function blobEtaSeconds(b: BlobRow): number | undefined {
  const rate = blobRate(b);
  if (rate <= 0 || b.total === undefined) return undefined;
  return Math.max(0, (b.total - b.done) / rate);
}
