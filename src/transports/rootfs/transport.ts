/**
 * `rootfs:` — a flat root file system (tarball in any compression, a directory, or stdin) seen as a
 * source holding one image built from scratch, as `docker import` builds it (formats.md §4.2).
 * `baler import` is then `copyImages(from: rootfsRef(...).openSource(), to: store sink)`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { decompressAuto } from '../../codecs/index.js';
import { BalerError, fromSystemError } from '../../errors.js';
import { applyChanges } from '../../image/changes.js';
import { configDocument, importConfig, nowRfc3339, singleLayerManifest } from '../../image/scratch.js';
import { makeTempDir } from '../../io/temp.js';
import type { ContainerConfig } from '../../model/image-config.js';
import { parseImageName, type ImageName } from '../../model/image-name.js';
import { MediaTypes } from '../../model/media-types.js';
import { formatPlatform, hostPlatform, type Platform } from '../../model/platform.js';
import { parseTemplateName, type TemplateName } from '../openvz/name.js';
import type { ImageRef, ImageSink, ImageSource, Transport } from '../types.js';
import { layerFromDirectory } from './input-dir.js';
import { layerFromTarStream, type LayerFile } from './input-tar.js';
import { BuiltImageSource } from './source.js';

export interface RootfsOptions {
  /** A tarball, a directory, or `-` for `stdin`. Relative paths resolve against `cwd`. */
  input: string;
  cwd: string;
  stdin?: Readable;
  /** NAME[:TAG]; undefined = an OpenVZ template's name, else no name (like docker import). */
  name?: ImageName;
  /** --platform; undefined = an OpenVZ template's arch, else the host's. */
  platform?: Platform;
  changes?: readonly string[];
  /** -m: the history comment; default `Imported from <input>` (`-` for stdin). */
  message?: string;
  now?: Date;
  signal?: AbortSignal;
  warn?: (code: string, message: string) => void;
}

/** What openSource decided, for the report. */
export interface RootfsFacts {
  layer: LayerFile;
  platform: Platform;
  name?: ImageName;
  template?: TemplateName;
  kind: 'tar' | 'directory' | 'stdin';
}

/** Runtime defaults for a recognised OpenVZ template (formats.md §7 [R]); --change overrides them. */
const TEMPLATE_DEFAULTS: ContainerConfig = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] };

export class RootfsRef implements ImageRef {
  readonly transport: Transport = rootfsTransport;
  readonly location: string;
  /** Filled by openSource. */
  facts: RootfsFacts | undefined;

  constructor(readonly options: RootfsOptions) {
    this.location = options.input === '-' ? '-' : resolve(options.cwd, options.input);
  }

  toString(): string {
    return `rootfs:${this.options.input}`;
  }

  async openSource(): Promise<ImageSource> {
    const o = this.options;
    const template = o.input === '-' ? undefined : parseTemplateName(basename(o.input));
    // --change errors are usage errors: report them before reading anything
    const runtime = applyChanges(template ? TEMPLATE_DEFAULTS : {}, o.changes ?? []);
    if (template) runtime.Labels = { 'org.opencontainers.image.title': basename(o.input), ...(runtime.Labels ?? {}) };
    const temp = await makeTempDir('baler-import-');
    try {
      const { layer, kind } = await this.buildLayer(temp.path);
      let platform = o.platform;
      if (!platform && template?.platform) platform = template.platform;
      if (!platform) {
        platform = hostPlatform();
        if (template) o.warn?.('W_PLATFORM', `${o.input}: template name has no architecture; using ${formatPlatform(platform)}`);
      }
      let name = o.name;
      if (!name && template) name = parseImageName(template.image, { defaultTag: 'latest' });
      const created = nowRfc3339(o.now);
      const comment = o.message ?? `Imported from ${o.input === '-' ? '-' : o.input}`;
      const config = configDocument(importConfig({ platform, created, comment, config: runtime, diffId: layer.diffId }));
      const layerDesc = { mediaType: MediaTypes.ociLayer, digest: layer.diffId, size: layer.size };
      const manifest = singleLayerManifest(config.descriptor, layerDesc);
      this.facts = { layer, platform, kind, ...(name ? { name } : {}), ...(template ? { template } : {}) };
      return new BuiltImageSource(this, { manifest, config, layer: layerDesc, layerFile: layer.path, names: name ? [name] : [], created }, temp);
    } catch (err) {
      await temp.remove();
      throw err;
    }
  }

  async openSink(): Promise<ImageSink> {
    throw new BalerError('E_UNSUPPORTED', 'rootfs: is a source only; use baler export to write a flat file system');
  }

  private async buildLayer(dir: string): Promise<{ layer: LayerFile; kind: RootfsFacts['kind'] }> {
    const o = this.options;
    const signal = o.signal;
    if (o.input === '-') {
      if (!o.stdin) throw new BalerError('E_USAGE', 'import: no standard input to read');
      const { stream } = await decompressAuto(o.stdin, 'stdin', WHOLE_FILE);
      return { layer: await layerFromTarStream(stream, 'stdin', dir, signal), kind: 'stdin' };
    }
    const path = this.location;
    const st = await stat(path).catch((err: unknown) => {
      throw fromSystemError(err, o.input);
    });
    if (st.isDirectory()) {
      const warn = o.warn;
      return { layer: await layerFromDirectory(path, dir, { ...(signal ? { signal } : {}), ...(warn ? { warn: (m: string) => warn('W_SKIPPED', m) } : {}) }), kind: 'directory' };
    }
    const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
    await new Promise<void>((res, rej) => {
      file.once('open', () => res());
      file.once('error', (err) => rej(fromSystemError(err, o.input)));
    });
    const { stream } = await decompressAuto(file, o.input, WHOLE_FILE);
    return { layer: await layerFromTarStream(stream, o.input, dir, signal), kind: 'tar' };
  }
}

/** The user's tarball is a whole file, not a layer blob: zero padding after its gzip stream is taken, as `gzip -d` does. */
const WHOLE_FILE = { gzipEnding: 'zero-padding' } as const;

export function rootfsRef(options: RootfsOptions): RootfsRef {
  return new RootfsRef(options);
}

export const rootfsTransport: Transport = {
  name: 'rootfs',
  parse(spec: string): ImageRef {
    const input = spec.startsWith('rootfs:') ? spec.slice('rootfs:'.length) : spec;
    if (input === '') throw new BalerError('E_USAGE', `rootfs: missing a file or directory in ${JSON.stringify(spec)}`);
    return new RootfsRef({ input, cwd: process.cwd() });
  },
};

/** The ref of an image baler built in memory (squash): only for labels in messages and reports. */
export function builtImageRef(label: string): ImageRef {
  return {
    transport: rootfsTransport,
    location: label,
    toString: () => label,
    openSource: () => Promise.reject(new BalerError('E_INTERNAL', `Internal error: ${label} cannot be reopened`)),
    openSink: () => Promise.reject(new BalerError('E_UNSUPPORTED', `${label}: is a source only`)),
  };
}
