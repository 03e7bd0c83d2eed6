import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import type { TarHeader } from '../../../src/tar/header.js';
import { readTarEntries } from '../../../src/tar/read.js';
import { buildToc } from '../../../src/tar/toc.js';
import { TarWriter } from '../../../src/tar/write.js';
import { runProcess } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { isRoot } from '../../helpers/tools.js';
import { gnuTarList } from './gnu-tar-listing.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1700000000 } as const;
const name300 = `${'n'.repeat(100)}/${'o'.repeat(100)}/${'p'.repeat(98)}.txt`;
const name200 = `${'s'.repeat(120)}/${'t'.repeat(75)}`;
const target200 = `/${'l'.repeat(199)}`;

const entries: Array<{ h: TarHeader; body?: string }> = [
  { h: { ...base, name: 'dir/', type: 'dir', size: 0, mode: 0o755, uname: 'root', gname: 'root' } },
  { h: { ...base, name: 'dir/file.txt', type: 'file', size: 6, uid: 1000, gid: 1001 }, body: 'hello\n' },
  { h: { ...base, name: name300, type: 'file', size: 4 }, body: 'long' },
  { h: { ...base, name: name200, type: 'file', size: 5 }, body: 'split' },
  { h: { ...base, name: 'utf8/grüße-日本語-ñ.txt', type: 'file', size: 3 }, body: 'ünï'.slice(0, 3) },
  { h: { ...base, name: 'dir/hard', type: 'hardlink', size: 0, linkname: 'dir/file.txt' } },
  { h: { ...base, name: 'dir/sym', type: 'symlink', size: 0, mode: 0o777, linkname: target200 } },
  { h: { ...base, name: 'dev/null', type: 'char', size: 0, mode: 0o666, devmajor: 1, devminor: 3 } },
  { h: { ...base, name: 'dev/sda', type: 'block', size: 0, mode: 0o660, devmajor: 8, devminor: 0 } },
  { h: { ...base, name: 'fifo', type: 'fifo', size: 0 } },
  { h: { ...base, name: 'xattr.txt', type: 'file', size: 1, pax: { 'SCHILY.xattr.user.comment': Buffer.from('héllo').toString('latin1') } }, body: 'x' },
  { h: { ...base, name: 'bigid', type: 'file', size: 0, uid: 3000000, gid: 4000000, mtime: 1700000000.25, uname: 'u'.repeat(40) } },
];

async function writeSample(file: string): Promise<number> {
  const out = createWriteStream(file);
  const w = new TarWriter(out);
  for (const [i, { h, body }] of entries.entries()) {
    // alternate the two body kinds the API takes
    const b = body === undefined ? undefined : i % 2 ? Buffer.from(body) : Readable.from([Buffer.from(body)]);
    await w.add({ ...h, size: body === undefined ? h.size : Buffer.byteLength(body) }, b);
  }
  await w.finish();
  return w.bytesWritten;
}

describe('TarWriter', () => {
  test('GNU tar lists exactly what was written', async () => {
    const file = join(await tmp.make(), 'w.tar');
    const n = await writeSample(file);
    assert.equal(n, (await stat(file)).size);
    const listed = await gnuTarList(file);
    assert.deepEqual(
      listed.map((l) => [l.name, l.type, l.size, l.linkname, l.devmajor, l.devminor, l.mode]),
      entries.map(({ h, body }) => [h.name, h.type, body === undefined ? 0 : Buffer.byteLength(body), h.linkname, h.devmajor, h.devminor, h.mode]),
    );
    const r = await runProcess('tar', ['--numeric-owner', '-tvf', file]);
    assert.match(r.stdout, /3000000\/4000000/);
  });

  test('GNU tar extracts contents, link targets and xattrs', { skip: isRoot() ? false : 'needs root for device nodes' }, async () => {
    const file = join(await tmp.make(), 'w.tar');
    await writeSample(file);
    const dir = await tmp.make();
    const r = await runProcess('tar', ['--xattrs', '--xattrs-include=user.*', '-xf', file, '-C', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(dir, name300), 'utf8'), 'long');
    assert.equal(await readFile(join(dir, 'dir/hard'), 'utf8'), 'hello\n');
    assert.equal((await stat(join(dir, 'dir/hard'))).ino, (await stat(join(dir, 'dir/file.txt'))).ino);
    assert.equal(await readlink(join(dir, 'dir/sym')), target200);
    const x = execFileSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.comment").decode())', join(dir, 'xattr.txt')]);
    assert.equal(x.toString().trim(), 'héllo');
  });

  test('our reader and TOC give back every header field', async () => {
    const file = join(await tmp.make(), 'w.tar');
    await writeSample(file);
    const read: TarHeader[] = [];
    for await (const { header, body } of readTarEntries(Readable.from(await readFile(file)), 'w.tar')) {
      read.push(header);
      body.resume();
    }
    const expected = entries.map(({ h, body }) => ({ ...h, size: body === undefined ? h.size : Buffer.byteLength(body) }));
    assert.deepEqual(read, expected);
    const toc = await buildToc(file, 'w.tar');
    assert.deepEqual(
      toc.entries.map(({ path: _p, headerOffset: _h, dataOffset: _d, ...h }) => h),
      expected,
    );
  });

  test('refuses a body longer or shorter than the header size', async () => {
    for (const [declared, body] of [
      [3, 'four'],
      [5, 'four'],
    ] as const) {
      const w = new TarWriter(new PassThrough().resume());
      await assert.rejects(w.add({ ...base, name: 'f', type: 'file', size: declared }, Readable.from([Buffer.from(body)])), (e: unknown) => {
        assert.ok(e instanceof BalerError);
        assert.match(e.message, new RegExp(`tar entry "f" declared ${declared} bytes`));
        return true;
      });
      await assert.rejects(new TarWriter(new PassThrough().resume()).add({ ...base, name: 'g', type: 'file', size: declared }, Buffer.from(body)), /declared/);
    }
  });

  test('finish() writes the end blocks; {end:false} leaves the output open', async () => {
    const out = new PassThrough();
    const collected = buffer(out);
    const w = new TarWriter(out, { end: false });
    await w.add({ ...base, name: 'a', type: 'file', size: 1 }, Buffer.from('a'));
    await w.finish();
    assert.equal(out.writableEnded, false);
    out.end();
    const bytes = await collected;
    assert.equal(bytes.length, 512 + 512 + 1024);
    assert.ok(bytes.subarray(1024).every((b) => b === 0));
  });
});
