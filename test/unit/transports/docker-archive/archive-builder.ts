// Test helpers for the archive transports: build real tars with baler's TarWriter, and a minimal
// manifest-walking copy (the real pipeline lives in src/pipeline; these tests exercise sources and
// sinks through their public contract only).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import type { Digest } from '../../../../src/model/digest.js';
import { sha256Of } from '../../../../src/model/digest.js';
import { parseIndexManifest } from '../../../../src/model/index-manifest.js';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { isIndexMediaType, MediaTypes } from '../../../../src/model/media-types.js';
import type { TarHeader } from '../../../../src/tar/header.js';
import { TarWriter } from '../../../../src/tar/write.js';
import type { Descriptor } from '../../../../src/model/descriptor.js';
import type { ImageSink, ImageSource } from '../../../../src/transports/types.js';
import { fixture } from '../../../helpers/paths.js';

export const DOCKER20_SAVE = fixture('fixture-3layers.docker20-save.tar');
export const SKOPEO_FLAVOUR = fixture('fixture-3layers.docker-archive.tar');

export interface Member {
  name: string;
  body?: Uint8Array | string;
  type?: TarHeader['type'];
  linkname?: string;
}

export async function tarBytes(members: readonly Member[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  const w = new TarWriter(out);
  for (const m of members) {
    const type = m.type ?? 'file';
    const body = m.body === undefined ? undefined : Buffer.from(m.body);
    const h: TarHeader = { name: m.name, type, size: type === 'file' ? (body?.length ?? 0) : 0, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 0 };
    if (m.linkname !== undefined) h.linkname = m.linkname;
    await w.add(h, type === 'file' ? (body ?? Buffer.alloc(0)) : undefined);
  }
  await w.finish();
  await new Promise<void>((resolve) => out.end(resolve));
  return Buffer.concat(chunks);
}

export async function writeTar(path: string, members: readonly Member[]): Promise<void> {
  writeFileSync(path, await tarBytes(members));
}

/** A real layer: a tar holding the given files. */
export async function layerTar(files: Record<string, string>): Promise<Buffer> {
  return tarBytes(Object.entries(files).map(([name, body]) => ({ name, body })));
}

/**
 * A docker-archive of two images sharing a base layer (`base.txt`), the second adding `top.txt`;
 * `tags` are the RepoTags of each. Returns the two config digests (image IDs).
 */
export async function writeTwoImageArchive(path: string, tags: readonly [readonly string[], readonly string[]]): Promise<{ first: Digest; second: Digest }> {
  const l0 = await layerTar({ 'base.txt': 'base' });
  const l1 = await layerTar({ 'top.txt': 'top' });
  const c1 = configFor([sha256Of(l0)]);
  const c2 = configFor([sha256Of(l0), sha256Of(l1)]);
  const manifest = [
    { Config: 'c1.json', RepoTags: tags[0], Layers: ['a.tar'] },
    { Config: 'c2.json', RepoTags: tags[1], Layers: ['a.tar', 'b.tar'] },
  ];
  await writeTar(path, [
    { name: 'a.tar', body: l0 },
    { name: 'b.tar', body: l1 },
    { name: 'c1.json', body: c1 },
    { name: 'c2.json', body: c2 },
    { name: 'manifest.json', body: JSON.stringify(manifest) },
  ]);
  return { first: sha256Of(c1), second: sha256Of(c2) };
}

export function configFor(diffIds: readonly Digest[], created = '2024-01-02T03:04:05Z'): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created,
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created, created_by: `step ${i}` })),
    }),
  );
}

/** Lists the member names of a tar with the system tar (an independent reader). */
export function tarList(path: string): string[] {
  return execFileSync('tar', ['tf', path], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** `tar tvf` lines (mode, owner, size, date, name) for header checks. */
export function tarVerbose(path: string): string[] {
  return execFileSync('tar', ['--numeric-owner', '-tvf', path], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).split('\n').filter(Boolean);
}

export function tarMember(path: string, name: string): Buffer {
  return execFileSync('tar', ['xOf', path, name], { maxBuffer: 64 * 1024 * 1024 });
}

export async function readStream(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A stream that delivers `bytes` in chunks of `size` (parsers must not care where chunks break). */
export function chunked(bytes: Buffer, size = 321): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

/** Every blob of every image (manifest, config, layers) re-hashed against its descriptor. */
export async function rehashAll(src: ImageSource): Promise<Array<{ digest: Digest; got: Digest; size: number; gotSize: number }>> {
  const out: Array<{ digest: Digest; got: Digest; size: number; gotSize: number }> = [];
  const walk = async (d: Descriptor): Promise<void> => {
    const bytes = Buffer.from(await src.fetchManifest(d));
    out.push({ digest: d.digest, got: sha256Of(bytes), size: d.size, gotSize: bytes.length });
    if (isIndexMediaType(d.mediaType)) {
      for (const child of parseIndexManifest(bytes, 'index', d.mediaType).manifests) await walk(child);
      return;
    }
    const m = parseImageManifest(bytes, 'manifest', d.mediaType);
    for (const b of [m.config, ...m.layers]) {
      const data = await readStream(await src.fetchBlob(b));
      out.push({ digest: b.digest, got: sha256Of(data), size: b.size, gotSize: data.length });
    }
  };
  for (const e of await src.list()) await walk(e.descriptor);
  return out;
}

/** The minimal copy the sink contract expects: blobs, then manifests (children first), then names. */
export async function copyAll(src: ImageSource, sink: ImageSink): Promise<void> {
  const put = async (d: Descriptor): Promise<void> => {
    const bytes = await src.fetchManifest(d);
    if (isIndexMediaType(d.mediaType)) {
      for (const child of parseIndexManifest(bytes, 'index', d.mediaType).manifests) await put(child);
    } else {
      const m = parseImageManifest(bytes, 'manifest', d.mediaType);
      for (const b of [m.config, ...m.layers]) {
        if (await sink.hasBlob(b.digest)) continue;
        await sink.putBlob(await src.fetchBlob(b), { mediaType: b.mediaType, digest: b.digest, size: b.size });
      }
    }
    await sink.putManifest(bytes, d);
  };
  for (const e of await src.list()) {
    await put(e.descriptor);
    if (e.names.length === 0) await sink.addImage(e.descriptor);
    for (const n of e.names) await sink.addImage(e.descriptor, n);
  }
}

export const ociManifestType = MediaTypes.ociManifest;
