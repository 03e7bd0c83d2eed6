import assert from 'node:assert/strict';
import { link, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { writeDirTar, type DirTarRequest } from '../../../../src/transports/docker-root/dir-tar.js';
import { runChecked } from '../../../helpers/run-process.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { readTar } from '../../../helpers/tiny-tar.js';
import { findTool, isRoot } from '../../../helpers/tools.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

async function tarOf(req: DirTarRequest): Promise<Array<{ name: string; type: string; linkname: string; data: string }>> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  await writeDirTar(req, out);
  return readTar(Buffer.concat(chunks)).map((e) => ({ name: e.name, type: e.type, linkname: e.linkname, data: e.data.toString() }));
}

test('rootfs mode: parents first, byte order, hard links once, symlinks to /etc/shadow kept as links', async () => {
  const dir = await tmp.make();
  await mkdir(join(dir, 'b/c'), { recursive: true });
  await writeFile(join(dir, 'b/c/f'), 'content');
  await link(join(dir, 'b/c/f'), join(dir, 'a-hard'));
  await symlink('/etc/shadow', join(dir, 'shadow'));
  await writeFile(join(dir, 'B'), 'upper');
  const got = await tarOf({ dir, mode: 'rootfs', what: 't' });
  assert.deepEqual(
    got.map((e) => `${e.name} ${e.type} ${e.type === 'file' ? e.data : e.linkname}`),
    ['B file upper', 'a-hard file content', 'b/ dir ', 'b/c/ dir ', 'b/c/f hardlink a-hard', 'shadow symlink /etc/shadow'],
  );
});

test('vfs-diff mode: only what differs from the parent copy, deletions as .wh. entries, parents of changes kept', async () => {
  const parent = await tmp.make();
  const dir = await tmp.make();
  for (const d of [parent, dir]) {
    await mkdir(join(d, 'etc/sub'), { recursive: true });
    await mkdir(join(d, 'usr'), { recursive: true });
    await writeFile(join(d, 'usr/same'), 'same');
    await utimes(join(d, 'usr/same'), 1000, 1000);
  }
  await writeFile(join(parent, 'etc/gone'), 'x');
  await mkdir(join(parent, 'olddir/deep'), { recursive: true });
  await writeFile(join(parent, 'etc/sub/changed'), 'old');
  await writeFile(join(dir, 'etc/sub/changed'), 'new!');
  await writeFile(join(dir, 'added'), 'a');
  const got = await tarOf({ dir, parentDir: parent, mode: 'vfs-diff', what: 't' });
  assert.deepEqual(
    got.map((e) => `${e.name} ${e.type}`),
    ['.wh.olddir file', 'added file', 'etc/ dir', 'etc/.wh.gone file', 'etc/sub/ dir', 'etc/sub/changed file'],
  );
});

const canMknod = isRoot() && findTool('mknod') && findTool('python3') ? false : 'needs root, mknod and python3 (to set a trusted.* xattr)';

test('overlay-diff mode: char 0/0 becomes .wh.NAME and an opaque directory gets .wh..wh..opq', { skip: canMknod || skipNoTar() }, async () => {
  const dir = await tmp.make();
  await mkdir(join(dir, 'opq'));
  await writeFile(join(dir, 'opq/new'), 'n');
  await mkdir(join(dir, 'plain'));
  await runChecked('mknod', [join(dir, 'plain/deleted'), 'c', '0', '0']);
  await runChecked('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")', join(dir, 'opq')]);
  const got = await tarOf({ dir, mode: 'overlay-diff', what: 't' });
  assert.deepEqual(got.map((e) => `${e.name} ${e.type}`), ['opq/ dir', 'opq/.wh..wh..opq file', 'opq/new file', 'plain/ dir', 'plain/.wh.deleted file']);
});

function skipNoTar(): string | false {
  return findTool('tar') ? false : 'GNU tar not installed';
}
