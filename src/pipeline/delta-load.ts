import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import type { ExpectedBlob } from '../model/delta-manifest.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { DockerEngine } from '../transports/docker-daemon/client.js';
import { dockerDaemonRefAt } from '../transports/docker-daemon/transport.js';
import type { ImageRef, ImageSink, ImageSource, SourceEntry } from '../transports/types.js';
import { checkDeltaBase, neededBlobs, readDelta } from './delta-check.js';
import { daemonLayerOwners } from './inventory.js';

type PlannedLayers = ReadonlyArray<{ image: string; layers: readonly Descriptor[] }>;

/**
 * What `load` copies from — the input itself, or (a delta into a daemon) the input plus the daemon's
 * own layers — and the pipeline preflight (CopyRequest.preflight) that checks a delta's base.
 */
export interface DeltaLoad extends AsyncDisposable {
  readonly from: ImageSource;
  readonly preflight?: (images: PlannedLayers) => Promise<void>;
}

/**
 * Prepares `load` of an input that may be a delta. Once the pipeline knows which images it will copy
 * (and before it writes anything) the preflight checks that the left-out layers those images need are
 * at the destination (delta-check.ts). Blob destinations then skip them as present; a docker daemon
 * needs whole layers in the tar it loads, so each is fetched back from the daemon itself (`docker
 * save` of one image that has it). That works for uncompressed layers (digest = diff_id, what docker
 * save writes); a compressed one is refused with a way out.
 */
export async function prepareDeltaLoad(source: ImageSource, into: ImageRef, sink: ImageSink, label: string): Promise<DeltaLoad> {
  const delta = await readDelta(source, label);
  if (!delta || delta.expected.length === 0) return { from: source, [Symbol.asyncDispose]: async () => undefined };
  const fill = into.transport.name === 'docker' ? new DaemonLayerFill(new DockerEngine(into.location)) : undefined;
  const preflight = async (images: PlannedLayers): Promise<void> => {
    const needed = neededBlobs(delta, images);
    await checkDeltaBase(delta, needed, into, sink, label);
    if (!fill) return;
    const compressed = needed.find((e) => e.digest !== e.diffId);
    if (compressed) {
      throw new BalerError(
        'E_UNSUPPORTED',
        `${label}: a docker daemon cannot take this delta: layer ${compressed.digest} is compressed, and the daemon can only give it back uncompressed; load the delta into the store (baler load -i ${label}), then baler save a full archive for docker`,
      );
    }
    await fill.locate(needed);
  };
  return { from: fill ? new DeltaFillSource(source, fill) : source, preflight, [Symbol.asyncDispose]: async () => fill?.close() };
}

/** Left-out layers served from `docker save` of an image in the daemon that holds each one. */
class DaemonLayerFill {
  private readonly owner = new Map<Digest, string>();
  private readonly opened = new Map<string, Promise<ImageSource>>();

  constructor(private readonly engine: DockerEngine) {}

  async locate(expected: readonly ExpectedBlob[]): Promise<void> {
    const owners = await daemonLayerOwners(this.engine);
    for (const e of expected) {
      const id = owners.get(e.diffId);
      if (id) this.owner.set(e.digest, id);
    }
  }

  has(d: Digest): boolean {
    return this.owner.has(d);
  }

  async fetch(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const id = this.owner.get(d.digest) as string;
    let src = this.opened.get(id);
    if (!src) {
      src = dockerDaemonRefAt(this.engine.socketPath, id).openSource(signal ? { signal } : {});
      this.opened.set(id, src);
    }
    const source = await src;
    await source.list();
    return source.fetchBlob(d, signal);
  }

  async close(): Promise<void> {
    for (const s of this.opened.values()) await (await s.catch(() => undefined))?.[Symbol.asyncDispose]();
  }
}

/** The delta archive, with its left-out layers read from the daemon (the pipeline verifies them as usual). */
class DeltaFillSource implements ImageSource {
  constructor(
    private readonly inner: ImageSource,
    private readonly fill: DaemonLayerFill,
  ) {}

  get ref(): ImageRef {
    return this.inner.ref;
  }

  list(): Promise<SourceEntry[]> {
    return this.inner.list();
  }

  fetchManifest(d: Descriptor): Promise<Uint8Array> {
    return this.inner.fetchManifest(d);
  }

  fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    return this.fill.has(d.digest) ? this.fill.fetch(d, signal) : this.inner.fetchBlob(d, signal);
  }

  async confirmIntact(signal?: AbortSignal): Promise<void> {
    await this.inner.confirmIntact?.(signal);
  }

  async explainFailure(err: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.inner.explainFailure ? this.inner.explainFailure(err, signal) : err;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // the inner source belongs to the caller; the fill is closed by the DeltaLoad
  }
}
