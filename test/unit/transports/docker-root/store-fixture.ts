/**
 * Builds a tiny Docker data root (formats.md §5) on disk for unit tests: layer tars made with the
 * independent test tar writer, their tar-split records (headers as raw segments, file contents as CRC'd
 * file records, as vbatts/tar-split writes them), the extracted layer directories, layerdb, imagedb and
 * repositories.json. Not a copy of the code under test: it is the inverse operation, written from the spec.
 */
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile, link, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeTar, type TinyEntry } from '../../../helpers/tiny-tar.js';

const BLOCK = 512;

/** CRC-64/GO-ISO, bit by bit with BigInt: slow but obviously right (reference for the fast one). */
export function referenceCrc64(data: Uint8Array): bigint {
  const poly = 0xd800000000000000n;
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString('utf8');
}

/** tar-split JSON lines for a whole tar held in memory. */
export function tarSplitLines(tar: Buffer): string[] {
  const lines: string[] = [];
  let pos = 0;
  const seg = (b: Buffer): void => {
    lines.push(JSON.stringify({ type: 2, payload: b.toString('base64'), position: pos++ }));
  };
  let off = 0;
  let raw: Buffer[] = [];
  let paxPath: string | undefined;
  while (off + BLOCK <= tar.length) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(cstr(h, 124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(h[156]!);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      const data = tar.subarray(off + BLOCK, off + BLOCK + size).toString('utf8');
      const m = / path=([^\n]*)\n/.exec(data);
      paxPath = m?.[1];
      raw.push(tar.subarray(off, off + BLOCK + padded));
      off += BLOCK + padded;
      continue;
    }
    raw.push(h);
    seg(Buffer.concat(raw));
    raw = [];
    const name = paxPath ?? cstr(h, 0, 100);
    paxPath = undefined;
    const content = tar.subarray(off + BLOCK, off + BLOCK + size);
    const rec: Record<string, unknown> = { type: 1, name, payload: null, position: pos++ };
    if (size > 0) {
      rec.size = size;
      const crc = Buffer.alloc(8);
      crc.writeBigUInt64BE(referenceCrc64(content));
      rec.payload = crc.toString('base64');
    }
    lines.push(JSON.stringify(rec));
    if (padded > size) raw.push(tar.subarray(off + BLOCK + size, off + BLOCK + padded));
    off += BLOCK + padded;
  }
  raw.push(tar.subarray(off));
  seg(Buffer.concat(raw));
  return lines;
}

export interface FixtureLayer {
  entries: TinyEntry[];
  /** Leave out tar-split.json.gz (Docker layers imported by very old versions have none). */
  noTarSplit?: boolean;
}

export interface FixtureImage {
  names: string[];
  layers: FixtureLayer[];
  created?: string;
}

export interface BuiltImage {
  id: string;
  diffIds: string[];
  chainIds: string[];
  cacheIds: string[];
  layerDirs: string[];
  layerTars: Buffer[];
  config: Buffer;
}

const sha = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Extracts a layer into `dir` the way Docker's vfs driver would (full copy: parent contents first). */
async function extract(dir: string, entries: TinyEntry[]): Promise<void> {
  for (const e of entries) {
    const p = join(dir, e.name);
    const type = e.type ?? 'file';
    await mkdir(join(p, '..'), { recursive: true });
    if (type === 'dir') await mkdir(p, { recursive: true });
    else if (type === 'symlink') await symlink(e.linkname ?? '', p);
    else if (type === 'hardlink') await link(join(dir, e.linkname ?? ''), p);
    else {
      await writeFile(p, e.data ?? '');
      if (e.mode !== undefined) await chmod(p, e.mode);
    }
  }
}

/** Writes a vfs-driver data root with the given images (each image's layers stack on its own). */
export async function buildVfsRoot(root: string, images: FixtureImage[]): Promise<BuiltImage[]> {
  const img = join(root, 'image', 'vfs');
  await mkdir(join(img, 'imagedb', 'content', 'sha256'), { recursive: true });
  await mkdir(join(img, 'layerdb', 'sha256'), { recursive: true });
  const repos: Record<string, Record<string, string>> = {};
  const built: BuiltImage[] = [];
  let cacheCounter = 0;
  for (const image of images) {
    const diffIds: string[] = [];
    const chainIds: string[] = [];
    const cacheIds: string[] = [];
    const layerDirs: string[] = [];
    const layerTars: Buffer[] = [];
    const applied: TinyEntry[] = [];
    for (const layer of image.layers) {
      const tar = writeTar(layer.entries);
      const diffId = sha(tar);
      const chain = chainIds.length === 0 ? diffId : sha(`${chainIds[chainIds.length - 1]} ${diffId}`);
      const cacheId = createHash('sha256').update(`cache-${cacheCounter++}`).digest('hex');
      const dir = join(root, 'vfs', 'dir', cacheId);
      await mkdir(dir, { recursive: true });
      applied.push(...layer.entries);
      await extract(dir, applied);
      const ld = join(img, 'layerdb', 'sha256', chain.slice(7));
      await mkdir(ld, { recursive: true });
      await writeFile(join(ld, 'diff'), diffId);
      await writeFile(join(ld, 'cache-id'), cacheId);
      await writeFile(join(ld, 'size'), String(tar.length));
      if (chainIds.length > 0) await writeFile(join(ld, 'parent'), chainIds[chainIds.length - 1]!);
      if (!layer.noTarSplit) await writeFile(join(ld, 'tar-split.json.gz'), gzipSync(tarSplitLines(tar).join('\n') + '\n'));
      diffIds.push(diffId);
      chainIds.push(chain);
      cacheIds.push(cacheId);
      layerDirs.push(dir);
      layerTars.push(tar);
    }
    // Go-style formatting (no spaces) like dockerd writes; the bytes are what counts
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        config: { Cmd: ['/bin/sh'] },
        created: image.created ?? '2026-11-23T07:48:40.081578862Z',
        history: image.layers.map(() => ({ created_by: 'test' })),
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
    const id = sha(config);
    await writeFile(join(img, 'imagedb', 'content', 'sha256', id.slice(7)), config);
    for (const n of image.names) {
      const repo = n.slice(0, n.lastIndexOf(':'));
      (repos[repo] ??= {})[n] = id;
    }
    built.push({ id, diffIds, chainIds, cacheIds, layerDirs, layerTars, config });
  }
  await writeFile(join(img, 'repositories.json'), JSON.stringify({ Repositories: repos }));
  return built;
}
