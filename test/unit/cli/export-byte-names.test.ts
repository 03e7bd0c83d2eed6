/**
 * File names are bytes: a name that is not valid UTF-8 (here byte 0xff, and Latin-1 "é" = 0xe9) must
 * come out of `baler export` with exactly the bytes it went in with — through GNU tar's short names,
 * its ././@LongLink long names, POSIX PAX `path` records, symlink targets, and a rootfs directory.
 * Archives are made and extracted by GNU tar, and names compared as raw bytes from readdir.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { balerOk } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { skipUnlessTools } from '../../helpers/tools.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const FF = Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]); // "f\xff.txt"
const LATIN1_DIR = Buffer.from('caf\xe9', 'latin1'); // "café" in Latin-1
const LONG = Buffer.concat([Buffer.from('x'.repeat(120)), Buffer.from([0xff])]);
const TARGET = Buffer.from([0x74, 0x2d, 0xfe]); // "t-\xfe"

const p = (...parts: Buffer[]): Buffer => Buffer.concat(parts.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from('/'), b])));

/** Every path below `root` as raw bytes (sorted), with symlink targets as `name -> target` hex. */
async function byteTree(root: Buffer): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: Buffer, rel: Buffer | undefined): Promise<void> => {
    for (const ent of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
      const name = ent.name;
      const abs = p(dir, name);
      const r = rel ? p(rel, name) : name;
      if (ent.isSymbolicLink()) out.push(`${r.toString('hex')} -> ${(await readlink(abs, { encoding: 'buffer' })).toString('hex')}`);
      else out.push(r.toString('hex'));
      if (ent.isDirectory()) await walk(abs, r);
    }
  };
  await walk(root, undefined);
  return out.sort();
}

const gnuTar = skipUnlessTools('tar');

describe('non-UTF-8 file names survive export byte for byte', { skip: gnuTar }, () => {
  let dir = '';
  let store = '';
  let src: Buffer;
  let want: string[] = [];
  before(async () => {
    dir = await tmp.make('baler-bytenames-');
    store = join(dir, 'store');
    src = Buffer.from(join(dir, 'src'));
    await mkdir(p(src, LATIN1_DIR), { recursive: true });
    await writeFile(p(src, FF), 'ff\n');
    await writeFile(p(src, LATIN1_DIR, LONG), 'long\n');
    await symlink(TARGET, p(src, Buffer.from('link')));
    want = await byteTree(src);
    assert.equal(want.length, 4);
  });

  async function exportAndExtract(image: string, label: string): Promise<string[]> {
    const out = join(dir, `${label}.tar`);
    await balerOk(['export', '--store', store, '-o', out, image]);
    const x = join(dir, `${label}-x`);
    await mkdir(x);
    const r = spawnSync('tar', ['-xf', out, '-C', x]);
    assert.equal(r.status, 0, r.stderr.toString());
    return byteTree(Buffer.from(x));
  }

  for (const format of ['gnu', 'posix']) {
    test(`a ${format} tar made by GNU tar`, async () => {
      const layer = join(dir, `${format}.tar`);
      const r = spawnSync('tar', ['--format', format, '-cf', layer, '-C', src.toString(), '.']);
      assert.equal(r.status, 0, r.stderr.toString());
      await balerOk(['import', '--store', store, layer, `bytes:${format}`]);
      assert.deepEqual(await exportAndExtract(`bytes:${format}`, format), want);
    });
  }

  test('a rootfs directory', async () => {
    await balerOk(['import', '--store', store, join(dir, 'src'), 'bytes:dir']);
    assert.deepEqual(await exportAndExtract('bytes:dir', 'dir'), want);
  });
});
