import { sha256Of, type Digest } from '../../src/model/digest.js';
import type { CopyEvent, CopyEventHandler } from '../../src/pipeline/events.js';
import { CopyFailure, type CopyAftermath, type ImageRow, type LayerListing, type SourceChoice, type SourceSpec, type TuiCopyOutcome, type TuiCopyRequest, type TuiServices } from '../../src/tui/tui-services.js';
import type { LayerEntry } from '../../src/image/layer-changes.js';

/**
 * A stand-in for the services layer only: the screens, reducer and keymap under test are real.
 * Images are built from layer names so shared layers have equal digests.
 */
export const layerDigest = (name: string): Digest => sha256Of(`layer:${name}`);

export function imageRow(names: string[], layers: Array<[string, number]>, extra: Partial<ImageRow> = {}): ImageRow {
  const id = sha256Of(`config:${names.join(',')}:${layers.map((l) => l[0]).join(',')}`);
  const layerRefs = layers.map(([n, size]) => ({ digest: layerDigest(n), size }));
  return {
    key: sha256Of(`manifest:${id}`),
    names,
    id,
    size: 1000 + layerRefs.reduce((s, l) => s + l.size, 0),
    created: '2024-05-01T10:00:00Z',
    layers: layerRefs,
    ...extra,
  };
}

export const sampleImages: ImageRow[] = [
  imageRow(['debian:12'], [['deb-base', 50_000_000]]),
  imageRow(['debian:11'], [['deb11-base', 48_000_000]]),
  imageRow(['myorg/app:1'], [['deb-base', 50_000_000], ['app1', 3_000_000]]),
  imageRow(['myorg/app:2'], [['deb-base', 50_000_000], ['app2', 4_000_000]]),
  imageRow(['alpine:3.20'], [['alpine', 3_500_000]]),
];

export interface FakeCall {
  request: TuiCopyRequest;
  signal: AbortSignal;
  emit: CopyEventHandler;
  resolve: (o: TuiCopyOutcome) => void;
  reject: (e: unknown) => void;
}

export class FakeServices implements TuiServices {
  readonly storePath = '/tmp/fake-store';
  readonly cwd = '/tmp';
  readonly actions = { save: true, load: true, ociDir: true, export: true };
  readonly copies: FakeCall[] = [];
  images: ImageRow[] = sampleImages;
  layers: Array<{ createdBy: string; entries: LayerEntry[] }> = [];
  files: string[] = ['/tmp/fixtures/a.tar', '/tmp/fixtures/b.tar', '/tmp/other/'];
  listed: SourceSpec[] = [];
  storeFlag?: string;
  /** When set, a cancelled copy rejects as the real services do after looking at the destination. */
  aftermathOnCancel?: CopyAftermath;

  sourceChoices(): SourceChoice[] {
    return [
      { id: 'store', label: 'Embedded store', available: true, note: this.storePath },
      { id: 'path', label: 'Archive or OCI layout path…', available: true },
      { id: 'docker-root', label: 'Docker store (/var/lib/docker)', available: false, note: 'not available yet' },
      { id: 'docker', label: 'Docker daemon', available: true, note: '/var/run/docker.sock' },
    ];
  }

  async completePath(partial: string): Promise<string[]> {
    return this.files.filter((f) => f.startsWith(partial));
  }

  async listImages(source: SourceSpec): Promise<ImageRow[]> {
    this.listed.push(source);
    if (source.kind === 'path' && source.path.endsWith('missing.tar')) throw new Error(`${source.path}: no such file or directory`);
    return this.images;
  }

  async listLayers(_source: SourceSpec, image: ImageRow): Promise<LayerListing[]> {
    return image.layers.map((l, i) => ({
      digest: l.digest,
      size: l.size,
      createdBy: this.layers[i]?.createdBy ?? `/bin/sh -c step ${i + 1}`,
      entries: this.layers[i]?.entries ?? [],
    }));
  }

  copy(request: TuiCopyRequest, emit: CopyEventHandler, signal: AbortSignal): Promise<TuiCopyOutcome> {
    return new Promise((resolve, reject) => {
      this.copies.push({ request, signal, emit, resolve, reject });
      const found = this.aftermathOnCancel;
      signal.addEventListener('abort', () => reject(found ? new CopyFailure(signal.reason, found) : signal.reason), { once: true });
    });
  }
}

export function blobEvent(name: string, state: 'queued' | 'copying' | 'verified' | 'skipped-present', done: number, total: number): CopyEvent {
  return { kind: 'blob', digest: layerDigest(name), role: 'layer', state, done, total };
}

/** Lists with notices, as a sweep of dead balers' temp dirs does. */
export class NoticeListing extends FakeServices {
  constructor(private readonly notices: string[]) {
    super();
  }

  override async listImages(source: SourceSpec, _signal?: AbortSignal, onNotice?: (line: string) => void): Promise<ImageRow[]> {
    for (const n of this.notices) onNotice?.(n);
    return super.listImages(source);
  }
}
