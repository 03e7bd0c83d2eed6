import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import type { DeltaManifest, ExpectedBlob } from '../model/delta-manifest.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { DockerEngine } from '../transports/docker-daemon/client.js';
import { dockerDaemonRefAt } from '../transports/docker-daemon/transport.js';
import type { ImageRef, ImageSink, ImageSource, SourceEntry } from '../transports/types.js';
import { checkDeltaBase, readDelta } from './delta-check.js';
import { daemonLayerOwners } from './inventory.js';

/** What `load` copies from: the input itself, or (a delta into a daemon) the input plus the daemon's own layers. */
export interface DeltaLoad extends AsyncDisposable {
  readonly from: ImageSource;
  readonly delta: DeltaManifest | undefined;
}

/**
 * Prepares `load` of an input that may be a delta: checks the base is at the destination (before
 * anything is written, see delta-check.ts). Blob destinations skip the left-out layers as present;
 * a docker daemon needs whole layers in the tar it loads, so each left-out layer is fetched back
 * from the daemon itself (`docker save` of one image that has it). That works for uncompressed
 * layers (digest = diff_id, what docker save writes); others are refused with a way out.
 */
export async function prepareDeltaLoad(source: ImageSource, into: ImageRef, sink: ImageSink, label: string): Promise<DeltaLoad> {
  const delta = await readDelta(source, label);
  const plain: DeltaLoad = { from: source, delta, [Symbol.asyncDispose]: async () => undefined };
  if (!delta || delta.expected.length === 0) return plain;
  await checkDeltaBase(delta, into, sink, label);
  if (into.transport.name !== 'docker') return plain;
  const compressed = delta.expected.filter((e) => e.digest !== e.diffId);
  if (compressed.length > 0) {
    throw new BalerError(
      'E_UNSUPPORTED',
      `${label}: a docker daemon cannot take this delta: layer ${compressed[0]?.digest} is compressed, and the daemon can only give it back uncompressed; load the delta into the store (baler load -i ${label}), then baler save a full archive for docker`,
    );
  }
  const fill = new DaemonLayerFill(new DockerEngine(into.location), delta.expected);
  await fill.locate();
  return { from: new DeltaFillSource(source, fill), delta, [Symbol.asyncDispose]: () => fill.close() };
}

/** Left-out layers served from `docker save` of an image in the daemon that holds each one. */
class DaemonLayerFill {
  private readonly owner = new Map<Digest, string>();
  private readonly opened = new Map<string, Promise<ImageSource>>();

  constructor(
    private readonly engine: DockerEngine,
    private readonly expected: readonly ExpectedBlob[],
  ) {}

  async locate(): Promise<void> {
    const owners = await daemonLayerOwners(this.engine);
    for (const e of this.expected) {
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

  async [Symbol.asyncDispose](): Promise<void> {
    // the inner source belongs to the caller; the fill is closed by the DeltaLoad
  }
}
