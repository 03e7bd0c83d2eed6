import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BalerError } from '../errors.js';
import { takeLeftBehind } from '../io/cleanup.js';
import { reportLeftoversTo } from '../io/leftovers.js';
import type { LayerEntry, LayerEntryType } from '../image/layer-changes.js';
import type { Digest } from '../model/digest.js';
import { familiarName } from '../model/image-name.js';
import { configPlatform } from '../model/image-config.js';
import { historyRows } from '../model/history.js';
import { formatPlatform, parsePlatform } from '../model/platform.js';
import { copyImages } from '../pipeline/copy.js';
import { exportImage } from '../pipeline/export.js';
import { imagesOf, listImages, loadNode, type ManifestCache } from '../pipeline/image-graph.js';
import { groupByDigest } from '../pipeline/plan.js';
import { layerTarsOf, resolveSourceImage } from '../pipeline/source-image.js';
import { readTarEntries } from '../tar/read.js';
import { normalizeEntryPath } from '../tar/paths.js';
import { openInputSource } from '../transports/detect.js';
import { dockerSocketFromEnv } from '../transports/docker-daemon/client.js';
import { dockerDaemonRefAt } from '../transports/docker-daemon/transport.js';
import { parseTransportRef, type RefContext } from '../transports/registry.js';
import { storeRef } from '../transports/store/transport.js';
import { openStoreIfPresent } from '../store/store.js';
import type { ImageRef, ImageSource, OpenOptions, SinkCaps } from '../transports/types.js';
import type { CopyEventHandler } from '../pipeline/events.js';
import { checkFile, checkLayout, leftoverNotice, type DestinationCheck } from './aftermath.js';
import { formatBytes, shortHex } from './format.js';
import { compressFieldCodec } from './state/compress-field.js';
import { CopyFailure, type ImageRow, type LayerListing, type SourceChoice, type SourceSpec, type TuiCopyOutcome, type TuiCopyRequest, type TuiServices } from './tui-services.js';

/**
 * TuiServices over the real transports and the copy pipeline. No format logic: sources are opened
 * by the transports, images resolved by pipeline/image-graph, bytes moved by copyImages.
 */

/** For listing only: keep indexes whole so every platform's layers count. */
const LIST_CAPS: SinkCaps = { manifestTypes: [], layerCompressions: ['none', 'gzip', 'zstd'], needsSizeFirst: false, parallelPuts: false, multiImage: true, keepsIndexes: true };

const MAX_COMPLETIONS = 200;

const DOCKER_ROOT = '/var/lib/docker';

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface TuiServiceOptions {
  storePath: string;
  storeFlag?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function entryType(t: string): LayerEntryType {
  return t === 'file' || t === 'contiguous' ? 'file' : t === 'dir' || t === 'symlink' || t === 'hardlink' ? t : 'other';
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * io/leftovers.ts reports a sweep to one process-wide receiver; a listing and a copy each want the lines
 * of the sweeps they set off. One receiver is installed while any of them listens, and hands each line
 * to all that do (a listing being replaced may still run beside the next).
 */
function leftoverListeners(): (listener: (line: string) => void) => () => void {
  const listeners = new Set<(line: string) => void>();
  let restore: (() => void) | undefined;
  return (listener) => {
    listeners.add(listener);
    restore ??= reportLeftoversTo((n) => {
      const line = leftoverNotice(n);
      for (const l of listeners) l(line);
    });
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      restore?.();
      restore = undefined;
    };
  };
}

export function createTuiServices(o: TuiServiceOptions): TuiServices {
  const listenForLeftovers = leftoverListeners();

  const abs = (p: string): string => resolve(o.cwd, p.startsWith('~/') ? join(o.env.HOME || homedir(), p.slice(2)) : p);

  /**
   * `read`: for the store, what the caller reads of it (OpenOptions.wanted / listOnly), so it leases only
   * that: a listing leases nothing, a read the one image it takes. Other sources open as before.
   */
  async function openSource(spec: SourceSpec, signal?: AbortSignal, read: { wanted?: readonly string[]; listOnly?: boolean } = {}): Promise<ImageSource> {
    if (spec.kind === 'store') return storeRef(o.storePath).openSource({ ...(signal ? { signal } : {}), ...read });
    if (spec.kind === 'docker-root') return parseTransportRef(`docker-root:${abs(spec.path)}`, refs).openSource(signal ? { signal } : {});
    if (spec.kind === 'docker') return dockerDaemonRefAt(dockerSocket).openSource(signal ? { signal } : {});
    // load -i's detection (directory, docker-archive, oci-archive, compressed wrappings).
    return openInputSource(abs(spec.path), { storePath: o.storePath, cwd: o.cwd }, signal);
  }

  const refs: RefContext = { storePath: o.storePath, cwd: o.cwd };
  // a tcp:// DOCKER_HOST is not supported: the daemon choice then says why instead of failing the TUI
  let dockerSocket = '';
  let dockerProblem: string | undefined;
  try {
    dockerSocket = dockerSocketFromEnv(o.env);
  } catch (err) {
    dockerProblem = err instanceof Error ? err.message : String(err);
  }

  /** As `baler save` does it: the format picks the transport; paths with ':' cannot be spelled. */
  function sinkRef(req: Extract<TuiCopyRequest, { kind: 'save' }>): ImageRef {
    const out = abs(req.output);
    if (out.includes(':')) throw new BalerError('E_USAGE', `${JSON.stringify(req.output)}: output paths cannot contain ":"; name it differently`);
    const transport = req.format === 'docker' ? 'docker-archive' : req.format === 'oci' ? 'oci-archive' : 'oci';
    return parseTransportRef(`${transport}:${out}`, refs);
  }

  /** As `baler export -o FILE IMAGE` does it: flatten one image of the source into a tar file. */
  async function exportTo(req: Extract<TuiCopyRequest, { kind: 'export' }>, onEvent: CopyEventHandler, signal: AbortSignal): Promise<TuiCopyOutcome> {
    const started = Date.now();
    const warnings: string[] = [];
    const compression = compressFieldCodec(req.output, req.archive);
    await using source = await openSource(req.source, signal, { wanted: [req.image] });
    const file = abs(req.output);
    const report = await exportImage({
      source,
      image: req.image,
      ...(req.platform ? { platform: parsePlatform(req.platform) } : {}),
      to: { kind: 'file', path: file, overwrite: true },
      compression,
      signal,
      warn: (_code, message) => warnings.push(message),
      onEvent,
    });
    return {
      images: 1,
      bytesRead: report.fileBytes,
      bytesWritten: report.bytesWritten,
      blobsCopied: 0,
      blobsSkipped: 0,
      durationMs: Date.now() - started,
      location: report.location,
      warnings,
      archiveSha256: await sha256File(file),
      notes: [`${report.layers} layers flattened: ${report.entries} entries, ${formatBytes(report.fileBytes)} of files; ${formatBytes(report.reclaimedBytes)} hidden by later layers left out`],
    };
  }

  /** save's compression rule (codecs/output-compression.ts): the Compress field, else from the file name, else none. */
  function sinkOptions(req: Exclude<TuiCopyRequest, { kind: 'export' }>, signal: AbortSignal): OpenOptions {
    // as `baler save` does: an OCI layout directory this save created is removed again if it fails
    const opts: OpenOptions = { signal, overwrite: true, removeIfUncommitted: true };
    if (req.kind !== 'save' || req.format === 'oci-dir') return opts;
    const outer = compressFieldCodec(req.output, req.archive);
    if (outer !== 'none') opts.outerCompression = outer;
    return opts;
  }

  /** One row per top-level manifest of the source, with sizes summed over every platform's layers. */
  async function readImageRows(spec: SourceSpec, signal?: AbortSignal): Promise<ImageRow[]> {
    // a new install has no store yet: an empty list, as `baler ls` shows it, and nothing is made
    if (spec.kind === 'store' && (await openStoreIfPresent(o.storePath)) === undefined) return [];
    // rows show manifests and configs only: no lease, so a refresh writes nothing and never waits for a prune
    await using source = await openSource(spec, signal, { listOnly: true });
    const label = source.ref.toString();
    const cache: ManifestCache = new Map();
    const rows: ImageRow[] = [];
    for (const listed of groupByDigest(await listImages(source, label, cache))) {
      if (signal?.aborted) throw new BalerError('E_CANCELLED', 'cancelled');
      const names = listed.names.map(familiarName);
      const row: ImageRow = { key: listed.digest, names, id: listed.id, size: 0, layers: [] };
      try {
        const node = await loadNode(listed, { source, caps: LIST_CAPS, label: names[0] ?? listed.digest, ...(signal ? { signal } : {}), cache, warn: () => undefined });
        const images = imagesOf(node);
        const seen = new Set<Digest>();
        for (const img of images) {
          row.size += img.config.descriptor.size;
          for (const l of img.manifest.layers) {
            if (seen.has(l.digest)) continue;
            seen.add(l.digest);
            row.layers.push({ digest: l.digest, size: l.size });
            row.size += l.size;
          }
        }
        const first = images[0];
        if (first?.config.parsed.created) row.created = first.config.parsed.created;
        row.platform = images.length === 1 && first ? formatPlatform(configPlatform(first.config.parsed)) : `${images.length} platforms`;
      } catch {
        // Listed but unreadable: still shown, so the user sees it; copying it reports the problem.
      }
      rows.push(row);
    }
    return rows;
  }

  const services: TuiServices = {
    storePath: o.storePath,
    ...(o.storeFlag ? { storeFlag: o.storeFlag } : {}),
    cwd: o.cwd,
    actions: { save: true, load: true, ociDir: true, export: true },

    sourceChoices(): SourceChoice[] {
      return [
        { id: 'store', label: 'Embedded store', available: true, note: o.storePath },
        { id: 'path', label: 'Archive or OCI layout path…', available: true, note: 'docker-archive, oci-archive, OCI layout dir' },
        {
          id: 'docker-root',
          label: 'Docker store directory (offline)…',
          available: true,
          note: isDirectory(DOCKER_ROOT) ? `overlay2 or vfs; found ${DOCKER_ROOT}` : `overlay2 or vfs, e.g. ${DOCKER_ROOT}`,
          defaultPath: DOCKER_ROOT,
        },
        !dockerProblem && isSocket(dockerSocket)
          ? { id: 'docker', label: 'Docker daemon', available: true, note: dockerSocket }
          : { id: 'docker', label: 'Docker daemon', available: false, note: dockerProblem ?? `no daemon socket at ${dockerSocket}; set DOCKER_HOST=unix:///PATH` },
      ];
    },

    async completePath(partial: string): Promise<string[]> {
      const full = abs(partial || './');
      const dir = partial === '' || partial.endsWith('/') ? full : dirname(full);
      const base = partial === '' || partial.endsWith('/') ? '' : full.slice(dir.length).replace(/^\//, '');
      const shownDir = partial === '' ? '' : partial.endsWith('/') ? partial : partial.slice(0, partial.length - base.length);
      let names;
      try {
        names = await readdir(dir, { withFileTypes: true });
      } catch {
        return [];
      }
      return names
        .filter((d) => d.name.startsWith(base) && (base.startsWith('.') || !d.name.startsWith('.')))
        .map((d) => `${shownDir}${d.name}${d.isDirectory() ? '/' : ''}`)
        .sort()
        .slice(0, MAX_COMPLETIONS);
    },

    async listImages(spec: SourceSpec, signal?: AbortSignal, onNotice?: (line: string) => void): Promise<ImageRow[]> {
      // opening a compressed archive spools it to a temp dir, whose first making sweeps dead balers' ones
      const stopListening = onNotice ? listenForLeftovers(onNotice) : undefined;
      try {
        return await readImageRows(spec, signal);
      } finally {
        stopListening?.();
      }
    },

    async listLayers(spec: SourceSpec, image: ImageRow, signal?: AbortSignal): Promise<LayerListing[]> {
      // it reads this image's layers (their tar headers): that image is leased, no other
      await using source = await openSource(spec, signal, { wanted: [image.key] });
      const resolved = await resolveSourceImage(source, image.key, signal ? { signal } : {});
      const tars = layerTarsOf(source, resolved);
      const steps = new Map<number, { createdBy?: string; comment?: string }>();
      for (const r of historyRows(resolved.node.config.parsed)) {
        if (r.layerIndex === undefined) continue;
        const { created_by: createdBy, comment } = r.entry;
        steps.set(r.layerIndex, { ...(createdBy ? { createdBy } : {}), ...(comment ? { comment } : {}) });
      }
      const out: LayerListing[] = [];
      for (let i = 0; i < tars.count; i++) {
        const d = resolved.node.manifest.layers[i];
        if (!d) break;
        const entries: LayerEntry[] = [];
        // Headers only: every body is drained unread, so memory holds the listing, never a file.
        for await (const { header, body } of readTarEntries(await tars.open(i, signal), tars.what(i))) {
          const path = normalizeEntryPath(header.name, tars.what(i));
          body.resume();
          if (path === '') continue;
          const e: LayerEntry = { path, type: entryType(header.type), size: header.size };
          if (header.linkname) e.linkTarget = header.linkname;
          entries.push(e);
        }
        out.push({ digest: d.digest, size: d.size, entries, ...steps.get(i) });
      }
      return out;
    },

    async copy(req: TuiCopyRequest, onEvent, signal): Promise<TuiCopyOutcome> {
      const check = await destinationCheck(req);
      const notices: string[] = [];
      const stopReporting = listenForLeftovers((line) => notices.push(line));
      try {
        const outcome = await copyTo(req, onEvent, signal);
        return notices.length ? { ...outcome, notes: [...notices, ...(outcome.notes ?? [])] } : outcome;
      } catch (err) {
        // the sinks are disposed by now (await using), so the disk shows what the action left
        const found = await check.after();
        // a registry that kept an upload session (io/cleanup.ts) is not on this disk
        found.left.push(...takeLeftBehind());
        throw new CopyFailure(err, found, notices);
      } finally {
        stopReporting();
      }
    },
  };

  /** Snapshot of where `req` writes, to tell afterwards what a failure left there. */
  function destinationCheck(req: TuiCopyRequest): Promise<DestinationCheck> {
    if (req.kind === 'load') return checkLayout(o.storePath, 'the store', { isStore: true });
    if (req.kind === 'save' && req.format === 'oci-dir') return checkLayout(abs(req.output), req.output, { isStore: false });
    return checkFile(abs(req.output), req.output);
  }

  async function copyTo(req: TuiCopyRequest, onEvent: CopyEventHandler, signal: AbortSignal): Promise<TuiCopyOutcome> {
    if (req.kind === 'export') return exportTo(req, onEvent, signal);
    // a form that cannot run is refused before the source is opened
    const ref = req.kind === 'load' ? storeRef(o.storePath) : sinkRef(req);
    const sinkOpts = sinkOptions(req, signal);
    await using from = await openSource(req.source, signal, { wanted: req.images });
    await using to = await ref.openSink(sinkOpts);
    const report = await copyImages({
      from,
      to,
      select: { kind: 'refs', refs: req.images },
      ...(req.platform ? { platform: parsePlatform(req.platform) } : {}),
      layers: req.kind === 'save' ? req.compression : 'keep',
      // as baler save: a layer kept compressed is checked by its digest; load checks diff_ids too
      diffIds: req.kind === 'save' ? 'when-converting' : 'always',
      signal,
      onEvent,
    });
    const outcome: TuiCopyOutcome = {
      images: report.images.length,
      bytesRead: report.bytesRead,
      bytesWritten: report.bytesWritten,
      blobsCopied: report.blobsCopied,
      blobsSkipped: report.blobsSkipped,
      durationMs: report.durationMs,
      location: report.location,
      warnings: report.warnings,
    };
    // as load prints it: a name that pointed at another image now points at the copied one
    const moved = report.moved.map((m) => `the name ${familiarName(m.name)} moved from ${shortHex(m.from)} to ${shortHex(m.to)}; the old image is kept, without this name`);
    if (moved.length > 0) outcome.notes = moved;
    if (req.kind === 'save' && req.format !== 'oci-dir') {
      const file = abs(req.output);
      if ((await stat(file)).isFile()) outcome.archiveSha256 = await sha256File(file);
    }
    return outcome;
  }
  return services;
}
