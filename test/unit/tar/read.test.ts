import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { decompressAuto } from '../../../src/codecs/index.js';
import { BalerError } from '../../../src/errors.js';
import { HashingStream, sha256OfFile } from '../../../src/io/hashing.js';
import { encodeUstarBlock, type TarHeader } from '../../../src/tar/header.js';
import { encodePaxRecords } from '../../../src/tar/pax.js';
import { readTarEntries } from '../../../src/tar/read.js';
import { buildToc, openTocEntry, type TocEntry } from '../../../src/tar/toc.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';
import { gnuTarCreate, makeTree } from './gnu-trees.js';
import { rejectsWith } from '../../helpers/baler-error.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** The bytes of a file as a stream of 321-byte chunks (tar-stream's chunked- twins). */
function chunked(bytes: Buffer, size = 321): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

function headerOf(e: TocEntry): TarHeader {
  const { path: _p, headerOffset: _h, dataOffset: _d, ...rest } = e;
  return rest;
}

async function readAll(s: Readable, what: string): Promise<Array<{ header: TarHeader; data: Buffer }>> {
  const out = [];
  for await (const { header, body } of readTarEntries(s, what)) out.push({ header, data: await buffer(body) });
  return out;
}


async function assertSameAsToc(file: string): Promise<number> {
  const toc = await buildToc(file, file);
  const bytes = await readFile(file);
  for (const source of [createReadStream(file), chunked(bytes)]) {
    const got = await readAll(source, file);
    assert.equal(got.length, toc.entries.length);
    for (const [i, e] of toc.entries.entries()) {
      assert.deepEqual(got[i]!.header, headerOf(e));
      assert.deepEqual(got[i]!.data, await buffer(openTocEntry(file, e)), e.name);
    }
  }
  return toc.entries.length;
}

describe('readTarEntries', () => {
  test('fixtures: same headers and bodies as the TOC, whole and in 321-byte chunks', async () => {
    for (const name of ['docker20-multi.tar', 'docker26-save.tar', 'podman-multi.docker-archive.tar', 'skopeo-zstd.oci-archive.tar']) {
      assert.ok((await assertSameAsToc(fixture(name))) > 5, name);
    }
  });

  test('docker20-multi.tar.gz and .zst through decompressAuto, in 321-byte chunks, match the plain TOC', async () => {
    const plain = fixture('docker20-multi.tar');
    const toc = await buildToc(plain, 'docker20-multi.tar');
    for (const name of ['docker20-multi.tar.gz', 'docker20-multi.tar.zst']) {
      const { stream } = await decompressAuto(chunked(await readFile(fixture(name))), name);
      const got = await readAll(stream, name);
      assert.deepEqual(
        got.map((e) => e.header),
        toc.entries.map((e) => headerOf(e)),
      );
      const manifest = got.find((e) => e.header.name === 'manifest.json')!;
      assert.deepEqual(manifest.data, await buffer(openTocEntry(plain, toc.get('manifest.json')!)));
    }
  });

  test('GNU tar posix and gnu archives with long names, links, devices', async () => {
    const root = await tmp.make();
    await makeTree(root, { longNames: true });
    for (const format of ['posix', 'gnu']) {
      const file = join(await tmp.make(), `${format}.tar`);
      await gnuTarCreate(file, root, format);
      assert.ok((await assertSameAsToc(file)) > 10);
    }
  });

  test('bodies the consumer skips, half-reads or destroys are skipped correctly', async () => {
    const bytes = writeTar([
      { name: 'a', data: 'A'.repeat(5000) },
      { name: 'b', data: 'B'.repeat(70000) },
      { name: 'c', data: 'C'.repeat(10) },
      { name: 'd', data: 'D'.repeat(3000) },
    ]);
    const seen: string[] = [];
    for await (const { header, body } of readTarEntries(chunked(bytes), 'skip.tar')) {
      if (header.name === 'b') {
        // read one chunk, then abandon the body
        for await (const c of body) {
          assert.equal((c as Buffer)[0], 0x42);
          break;
        }
      } else if (header.name === 'c') seen.push((await buffer(body)).toString());
      seen.push(header.name);
    }
    assert.deepEqual(seen, ['a', 'b', 'CCCCCCCCCC', 'c', 'd']);
  });

  test('the whole input is consumed, trailing record padding included, so upstream digests cover every byte', async () => {
    const root = await tmp.make();
    await makeTree(root, { longNames: false });
    const file = join(await tmp.make(), 'padded.tar');
    await gnuTarCreate(file, root, 'gnu'); // GNU pads to 10240-byte records
    const hashing = new HashingStream();
    createReadStream(file).pipe(hashing);
    for await (const { body } of readTarEntries(hashing, 'padded.tar')) body.resume();
    await new Promise((r) => setImmediate(r));
    assert.equal(hashing.bytes, (await stat(file)).size);
    assert.equal(hashing.digest(), (await sha256OfFile(file)).digest);
  });

  test('truncated data, truncated header, garbage and empty input give coded errors', async () => {
    const bytes = writeTar([{ name: 'a.txt', data: 'x'.repeat(1000) }, { name: 'b.txt', data: 'y' }]);
    await rejectsWith(readAll(chunked(bytes.subarray(0, 900)), 'cut.tar'), 'E_TRUNCATED', 'cut.tar: truncated tar archive (entry "a.txt" is cut short)');
    await rejectsWith(readAll(chunked(bytes.subarray(0, 1536 + 200)), 'cut.tar'), 'E_TRUNCATED', 'cut.tar: truncated tar archive (header at offset 1536 is cut short)');
    await rejectsWith(readAll(chunked(bytes.subarray(0, 1536 + 512 + 1)), 'pad.tar'), 'E_TRUNCATED', 'pad.tar: truncated tar archive (last entry padding is cut short)');
    await rejectsWith(readAll(chunked(Buffer.alloc(2048, 'not a tar ')), 'junk.tar'), 'E_FORMAT', 'junk.tar: not a tar archive');
    await rejectsWith(readAll(Readable.from([]), 'empty.tar'), 'E_FORMAT', 'empty.tar: empty input, not a tar archive');
    const bad = Buffer.from(bytes);
    bad[1536 + 3] = bad[1536 + 3]! ^ 1;
    await rejectsWith(readAll(chunked(bad), 'bad.tar'), 'E_FORMAT', 'bad.tar: bad header checksum at offset 1536');
  });

  test('a PAX header larger than the limit is refused instead of buffered', async () => {
    const bytes = writeTar([{ name: 'x', data: 'x' }]);
    const hdr = Buffer.from(bytes.subarray(0, 512));
    hdr[156] = 'x'.charCodeAt(0);
    hdr.write('77777777777\0', 124, 'ascii'); // 8 GiB of "PAX records"
    hdr.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of hdr) sum += b;
    hdr.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    await rejectsWith(readAll(chunked(Buffer.concat([hdr, Buffer.alloc(4096)])), 'pax.tar'), 'E_FORMAT', /pax\.tar: extended header at offset 0 is 8589934591 bytes/);
  });

  test('an upstream error reaches the consumer unchanged', async () => {
    const boom = new BalerError('E_IO', 'disk.tar: read error');
    const bytes = writeTar([{ name: 'a', data: 'a'.repeat(2000) }]);
    const src = new Readable({
      read() {
        this.push(bytes.subarray(0, 700));
        this.destroy(boom);
      },
    });
    await assert.rejects(readAll(src, 'disk.tar'), (e) => e === boom);
  });
});

describe('PAX global headers and dangling meta headers (reader and TOC agree)', () => {
  function block(name: string, typeflag: string, body: Buffer, uid = 0): Buffer[] {
    const h = encodeUstarBlock({ name, prefix: '', mode: 0o644, uid, gid: 0, size: body.length, mtime: 0, typeflag, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 });
    return [h, body, Buffer.alloc((512 - (body.length % 512)) % 512)];
  }

  test('a global header sets ids for every later entry but never their names', async () => {
    const bytes = Buffer.concat([
      ...block('pax_global_header', 'g', encodePaxRecords({ comment: 'git commit', uid: '42', path: 'ignored', 'SCHILY.xattr.user.g': '1' })),
      ...block('a', '0', Buffer.from('A')),
      ...block('PaxHeaders/b', 'x', encodePaxRecords({ path: 'bee', uid: '7' })),
      ...block('b', '0', Buffer.from('B')),
      Buffer.alloc(1024),
    ]);
    const read = (await readAll(chunked(bytes), 'g.tar')).map((e) => e.header);
    assert.deepEqual(
      read.map((h) => [h.name, h.uid, h.pax]),
      [
        ['a', 42, { 'SCHILY.xattr.user.g': '1' }],
        ['bee', 7, { 'SCHILY.xattr.user.g': '1' }],
      ],
    );
    const file = join(await tmp.make(), 'g.tar');
    await writeFile(file, bytes);
    assert.deepEqual((await buildToc(file, 'g.tar')).entries.map(({ path: _p, headerOffset: _h, dataOffset: _d, ...h }) => h), read);
  });

  test('a PAX size or mtime that is not a number is E_FORMAT naming the entry offset', async () => {
    for (const [key, value] of [
      ['size', '-5'],
      ['size', '12abc'],
      ['mtime', 'yesterday'],
    ]) {
      const bytes = Buffer.concat([...block('PaxHeaders/a', 'x', encodePaxRecords({ [key!]: value! })), ...block('a', '0', Buffer.from('A')), Buffer.alloc(1024)]);
      await rejectsWith(readAll(chunked(bytes), 'p.tar'), 'E_FORMAT', `p.tar: invalid PAX ${key} "${value}" for the entry at offset 1024`);
    }
  });

  test('a long-name header with no entry after it is E_TRUNCATED', async () => {
    const bytes = Buffer.concat(block('././@LongLink', 'L', Buffer.from(`${'z'.repeat(300)}\0`)));
    const file = join(await tmp.make(), 'l.tar');
    await writeFile(file, bytes);
    await rejectsWith(buildToc(file, 'l.tar'), 'E_TRUNCATED', 'l.tar: truncated tar archive (extended header without an entry at the end)');
    await rejectsWith(readAll(chunked(bytes), 'l.tar'), 'E_TRUNCATED', 'l.tar: truncated tar archive (extended header without an entry at the end)');
  });

  test('a symlink pointing outside the archive resolves to nothing instead of throwing', async () => {
    const file = join(await tmp.make(), 's.tar');
    await writeFile(file, writeTar([{ name: 'x/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' }]));
    const toc = await buildToc(file, 's.tar');
    assert.equal(toc.resolve('x/layer.tar'), undefined);
    assert.equal(toc.get('../../x'), undefined);
  });
});
