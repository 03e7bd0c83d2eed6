/**
 * What a user would see after extracting a tar: path → type, mode, owner, content hash, link target,
 * device numbers. Read with tar-stream (not src/tar, the code under test). Hard links are resolved
 * to what they name, so two tars compare equal when their extracted trees are identical.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';

export interface FileFacts {
  type: string;
  mode: string;
  owner: string;
  content?: string;
  link?: string;
  dev?: string;
  xattrs?: string;
}

/** Docker's runtime additions to `docker export` (formats.md §4.1), ignored in comparisons. */
export const DOCKER_EXPORT_EXTRAS = ['.dockerenv', 'dev/console', 'dev/pts', 'dev/shm', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab', 'proc', 'sys'];

export interface TarFacts {
  files: Map<string, FileFacts>;
  /** Entry names in archive order (cleaned of ./ and trailing /). */
  order: string[];
  /** Names of typeflag-1 entries. */
  hardlinks: string[];
}

function clean(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

export async function tarFacts(input: string | Buffer, opts: { gunzip?: boolean; numericOwners?: boolean } = {}): Promise<TarFacts> {
  const extract = tarStream.extract();
  const files = new Map<string, FileFacts>();
  const order: string[] = [];
  const hardlinks: string[] = [];
  const src = typeof input === 'string' ? createReadStream(input) : Readable.from([input]);
  (opts.gunzip ? src.pipe(createGunzip()) : src).pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk as Buffer);
    const name = clean(h.name);
    if (name === '' || name === '.') continue;
    order.push(name);
    if (h.type === 'link') {
      hardlinks.push(name);
      const target = files.get(clean(h.linkname ?? ''));
      if (!target) throw new Error(`hard link ${name} -> ${h.linkname} before its target`);
      files.set(name, target);
      continue;
    }
    const f: FileFacts = { type: h.type ?? 'file', mode: ((h.mode ?? 0) & 0o7777).toString(8), owner: opts.numericOwners ? `${h.uid}:${h.gid}` : `${h.uid}:${h.gid}:${h.uname ?? ''}:${h.gname ?? ''}` };
    if (h.type === 'file' || h.type === 'contiguous-file') f.content = hash.digest('hex').slice(0, 16);
    if (h.type === 'symlink') f.link = h.linkname ?? '';
    if (h.type === 'character-device' || h.type === 'block-device') f.dev = `${h.devmajor},${h.devminor}`;
    const x = Object.entries(h.pax ?? {}).filter(([k]) => k.startsWith('SCHILY.xattr.'));
    if (x.length) f.xattrs = JSON.stringify(Object.fromEntries(x.sort()));
    files.set(name, f);
  }
  return { files, order, hardlinks };
}

/** The facts as sorted `path {json}` lines, minus paths in `ignore` (and below them). */
export function factLines(facts: TarFacts, ignore: readonly string[] = []): string[] {
  return [...facts.files.entries()]
    .filter(([p]) => !ignore.some((i) => p === i || p.startsWith(`${i}/`)))
    .map(([p, f]) => `${p} ${JSON.stringify(f)}`)
    .sort();
}
