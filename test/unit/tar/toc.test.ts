import assert from 'node:assert/strict';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { buildToc, openTocEntry, type TocEntry } from '../../../src/tar/toc.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';
import { isRoot } from '../../helpers/tools.js';
import { gnuTarList, type GnuListing } from './gnu-tar-listing.js';
import { LONG_DIR, LONG_TARGET, SPLITTABLE, UNICODE, VERY_LONG, gnuTarCreate, makeTree, setUserXattr } from './gnu-trees.js';
import { rejectsWith } from '../../helpers/baler-error.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

function asListing(e: TocEntry): GnuListing {
  const l: GnuListing = { name: e.name, type: e.type, size: e.size, mode: e.mode };
  if (e.linkname !== undefined) l.linkname = e.linkname;
  if (e.devmajor !== undefined && (e.type === 'char' || e.type === 'block')) {
    l.devmajor = e.devmajor;
    l.devminor = e.devminor!;
  }
  return l;
}

async function assertMatchesGnuTar(file: string): Promise<TocEntry[]> {
  const toc = await buildToc(file, file);
  assert.deepEqual(toc.entries.map(asListing), await gnuTarList(file));
  return toc.entries;
}


describe('buildToc on archives made by real tools, compared with GNU tar -tv', () => {
  const archives = ['docker20-multi.tar', 'docker26-save.tar', 'podman-multi.docker-archive.tar', 'skopeo-gzip.oci-archive.tar', 'skopeo-zstd.oci-archive.tar'];
  const threeLayers = ['docker-archive', 'docker20-save', 'docker-export-vfs', 'docker-export-overlay2'].map((kind) => `fixture-3layers.${kind}.tar`);
  for (const name of [...archives, ...threeLayers]) {
    test(`fixtures/${name}`, async () => {
      await assertMatchesGnuTar(fixture(name));
    });
  }

  test('every layer tar inside docker20-multi.tar (hard links, PAX non-ASCII names, long dirs, whiteouts)', async () => {
    const outer = fixture('docker20-multi.tar');
    const toc = await buildToc(outer, 'docker20-multi.tar');
    const dir = await tmp.make();
    const layers = toc.entries.filter((e) => e.path.endsWith('layer.tar') && e.type === 'file');
    assert.ok(layers.length >= 4);
    const seen = new Set<string>();
    for (const [i, e] of layers.entries()) {
      const file = join(dir, `layer${i}.tar`);
      await pipeline(openTocEntry(outer, e), createWriteStream(file));
      for (const le of await assertMatchesGnuTar(file)) seen.add(le.type === 'hardlink' ? 'hardlink' : le.path);
    }
    assert.ok(seen.has('hardlink'), 'a layer with a hard link');
    assert.ok(seen.has('utf8/grüße-日本語-ñ.txt'), 'the PAX non-ASCII name');
    assert.ok(seen.has('etc/.wh.motd'), 'a whiteout');
  });

  test('resolve() follows docker save symlinked layer.tar entries to the stored file', async () => {
    const file = fixture('docker20-multi.tar');
    const toc = await buildToc(file, 'docker20-multi.tar');
    const links = toc.entries.filter((e) => e.type === 'symlink' && e.path.endsWith('/layer.tar'));
    assert.ok(links.length >= 1, 'the fixture has a symlinked layer');
    for (const l of links) {
      const target = toc.resolve(l.path);
      assert.ok(target, `resolves ${l.path}`);
      assert.equal(target.type, 'file');
      assert.equal(target.path, posix.normalize(posix.join(posix.dirname(l.path), l.linkname!)));
      assert.ok(target.size > 0);
    }
    assert.equal(toc.get('./manifest.json')?.path, 'manifest.json');
    assert.equal(toc.get('missing'), undefined);
  });
});

describe('buildToc on GNU tar output in every format', () => {
  for (const format of ['gnu', 'posix', 'oldgnu']) {
    test(`--format=${format}: long names, non-ASCII, links, fifo, devices, contents`, async () => {
      const root = await tmp.make();
      await makeTree(root, { longNames: true });
      const file = join(await tmp.make(), `${format}.tar`);
      await gnuTarCreate(file, root, format, ['--owner=0', '--group=0']);
      const entries = await assertMatchesGnuTar(file);
      const byPath = new Map(entries.map((e) => [e.path, e]));
      assert.equal(byPath.get(VERY_LONG)?.size, 'very long\n'.length);
      assert.ok(Buffer.byteLength(VERY_LONG) > 255);
      assert.equal(byPath.get('a/longlink')?.linkname, LONG_TARGET);
      assert.equal(byPath.get(UNICODE)?.type, 'file');
      assert.equal(byPath.get(`${LONG_DIR}/inner.txt`)?.type, 'file');
      const [first, second] = [byPath.get('a/hardlink')!, byPath.get('a/one')!]; // sorted: a/hardlink is stored first
      assert.deepEqual([first.type, second.type, second.linkname], ['file', 'hardlink', './a/hardlink']);
      assert.equal(byPath.get('a/fifo')?.type, 'fifo');
      if (isRoot()) assert.deepEqual([byPath.get('a/null')?.devmajor, byPath.get('a/null')?.devminor], [1, 3]);
      for (const p of ['a/hardlink', 'a/block512', 'a/big', 'a/empty', UNICODE, VERY_LONG, SPLITTABLE]) {
        const got = await buffer(openTocEntry(file, byPath.get(p)!));
        assert.deepEqual(got, await readFile(join(root, p)), p);
      }
      assert.equal(byPath.get('')?.type, 'dir', "the './' root entry normalises to ''");
    });
  }

  test('--format=ustar (names up to 255 bytes via the prefix field)', async () => {
    const root = await tmp.make();
    await makeTree(root, { longNames: false });
    const file = join(await tmp.make(), 'ustar.tar');
    await gnuTarCreate(file, root, 'ustar');
    const entries = await assertMatchesGnuTar(file);
    const split = entries.find((e) => e.path === SPLITTABLE)!;
    assert.equal((await buffer(openTocEntry(file, split))).toString(), 'split\n');
  });

  test('base-256 uid/gid (GNU format, ids over 2097151) and PAX ids (posix)', async () => {
    const root = await tmp.make();
    await writeFile(join(root, 'f'), 'x');
    for (const format of ['gnu', 'posix']) {
      const file = join(await tmp.make(), `${format}-ids.tar`);
      await gnuTarCreate(file, root, format, ['--owner=u:3000000', '--group=g:4000000']);
      const toc = await buildToc(file, file);
      const f = toc.get('f')!;
      assert.deepEqual([f.uid, f.gid, f.uname, f.gname], [3000000, 4000000, 'u', 'g'], format);
    }
  });

  test('PAX SCHILY.xattr records are kept in pax', async (t) => {
    const root = await tmp.make();
    await writeFile(join(root, 'f'), 'x');
    if (!setUserXattr(join(root, 'f'), 'user.comment', 'héllo')) {
      t.skip('file system refuses user xattrs');
      return;
    }
    const file = join(await tmp.make(), 'xattr.tar');
    await gnuTarCreate(file, root, 'posix', ['--xattrs']);
    const f = (await buildToc(file, file)).get('f')!;
    assert.equal(Buffer.from(f.pax!['SCHILY.xattr.user.comment']!, 'latin1').toString('utf8'), 'héllo');
  });

  test('offsets: dataOffset points at the data, headerOffset at the first (PAX) header, endOffset after the zero blocks', async () => {
    const root = await tmp.make();
    await makeTree(root, { longNames: true });
    const file = join(await tmp.make(), 'offsets.tar');
    await gnuTarCreate(file, root, 'posix');
    const toc = await buildToc(file, file);
    const bytes = await readFile(file);
    const long = toc.get(VERY_LONG)!;
    assert.equal(bytes.subarray(long.dataOffset, long.dataOffset + long.size).toString(), 'very long\n');
    assert.equal(String.fromCharCode(bytes[long.headerOffset + 156]!), 'x', 'headerOffset is the PAX header');
    const last = toc.entries.at(-1)!;
    assert.equal(toc.endOffset, last.dataOffset + Math.ceil(last.size / 512) * 512 + 1024);
    assert.ok(toc.endOffset <= (await stat(file)).size);
  });
});

describe('buildToc errors', () => {
  async function sampleTar(): Promise<{ file: string; bytes: Buffer }> {
    const bytes = writeTar([
      { name: 'a.txt', data: 'x'.repeat(1000) },
      { name: 'b.txt', data: 'y'.repeat(10) },
    ]);
    const file = join(await tmp.make(), 'sample.tar');
    await writeFile(file, bytes);
    return { file, bytes };
  }

  test('a file cut inside entry data is E_TRUNCATED naming the file and entry', async () => {
    const { file } = await sampleTar();
    await truncate(file, 512 + 700);
    await rejectsWith(buildToc(file, 'cut.tar'), 'E_TRUNCATED', 'cut.tar: truncated tar archive (entry "a.txt" needs 1000 bytes at offset 512, the file has 700)');
  });

  test('a file cut inside a header is E_TRUNCATED', async () => {
    const { file } = await sampleTar();
    await truncate(file, 512 + 1024 + 100);
    await rejectsWith(buildToc(file, 'cut.tar'), 'E_TRUNCATED', 'cut.tar: truncated tar archive (header at offset 1536 is cut short)');
  });

  test('a file cut inside the last entry padding is E_TRUNCATED', async () => {
    const { file } = await sampleTar();
    await truncate(file, 2048 + 10 + 5); // b.txt data ends at 2058, its padding at 2560
    await rejectsWith(buildToc(file, 'pad.tar'), 'E_TRUNCATED', 'pad.tar: truncated tar archive (last entry padding is cut short)');
  });

  test('garbage is E_FORMAT "not a tar archive"; an empty file too', async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, 'g'), Buffer.alloc(4096, 'garbage '));
    await rejectsWith(buildToc(join(dir, 'g'), 'g.tar'), 'E_FORMAT', 'g.tar: not a tar archive');
    await writeFile(join(dir, 'e'), '');
    await rejectsWith(buildToc(join(dir, 'e'), 'e.tar'), 'E_FORMAT', 'e.tar: empty file, not a tar archive');
  });

  test('a corrupted second header is "bad header checksum at offset N"', async () => {
    const { file, bytes } = await sampleTar();
    const bad = Buffer.from(bytes);
    bad[1536 + 10] = bad[1536 + 10]! ^ 0x20; // 1536 = second header (512 header + 1024 data)
    await writeFile(file, bad);
    await rejectsWith(buildToc(file, 'bad.tar'), 'E_FORMAT', 'bad.tar: bad header checksum at offset 1536');
  });

  test('an entry escaping the root is E_PATH_ESCAPE; a missing file E_NOT_FOUND', async () => {
    const file = join(await tmp.make(), 'escape.tar');
    await writeFile(file, writeTar([{ name: '../../etc/passwd', data: 'x' }]));
    await rejectsWith(buildToc(file, 'escape.tar'), 'E_PATH_ESCAPE', /escape\.tar: entry "\.\.\/\.\.\/etc\/passwd" points outside/);
    await rejectsWith(buildToc(join(file, 'nope'), 'nope.tar'), 'E_NOT_FOUND', /nope\.tar/);
  });

  test('a tar with no end marker that stops on an entry boundary is accepted', async () => {
    const { file, bytes } = await sampleTar();
    await writeFile(file, bytes.subarray(0, 512 + 1024 + 512 + 512));
    const toc = await buildToc(file, 'nomarker.tar');
    assert.deepEqual(toc.entries.map((e) => e.path), ['a.txt', 'b.txt']);
  });
});
