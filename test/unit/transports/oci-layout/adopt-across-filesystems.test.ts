/**
 * save --format oci-dir --resume into a DIR on another file system than its partial (DIR is a mount
 * point; here a symlink to an empty directory in /dev/shm, a tmpfs, beside a partial on the disk): the commit cannot rename
 * the partial's blobs into DIR and copies them. Such a copy ends as a plain save's layout, and a Ctrl-C
 * (a real SIGINT to a real baler) while it copies stops it, leaves no temp blob in DIR and keeps the
 * partial for the rerun.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { listFilesRecursive, TempDirs } from '../../../helpers/temp-dirs.js';
import { actOnChild } from '../split/interrupt.js';

const tmp = new TempDirs();
let dir = '';
/** A directory on another file system than `dir`, or undefined when the host has none. */
let other: string | undefined;
let clean: Record<string, string> = {};
const MiB = 1024 * 1024;
const save = (out: string, ...more: string[]): string[] => ['save', '--from', 'docker-archive:src.tar', '--format', 'oci-dir', '-o', out, ...more, 'big:1'];

async function layoutFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFilesRecursive(root)) out[f] = createHash('sha256').update(await readFile(join(root, f))).digest('hex');
  return out;
}

/** Temp blobs (not leases) in a layout's blobs/sha256. */
const tempBlobs = async (root: string): Promise<string[]> => (await readdir(join(root, 'blobs', 'sha256')).catch(() => [] as string[])).filter((n) => n.startsWith('.baler-tmp-') && !n.endsWith('.lease'));

before(async () => {
  dir = await tmp.make('baler-adopt-exdev-');
  if (existsSync('/dev/shm') && (await stat('/dev/shm')).dev !== (await stat(dir)).dev) other = await mkdtemp('/dev/shm/baler-adopt-exdev-');
  // one large layer (its copy into DIR takes long enough to be interrupted) and a small one
  const layers = [writeTar([{ name: 'big.bin', data: randomBytes(96 * MiB) }]), writeTar([{ name: 'small.txt', data: Buffer.from('small') }])];
  await writeFile(join(dir, 'src.tar'), writeTar(dockerArchiveParts('big:1', layers).entries));
  await balerInProcessOk(save('clean'), dir);
  clean = await layoutFiles(join(dir, 'clean'));
});
after(async () => {
  if (other) await rm(other, { recursive: true, force: true });
  await tmp.removeAll();
});

test('a resumed save whose DIR is on another file system than its partial ends as a plain save does, leaving nothing else', async (t) => {
  if (!other) return t.skip('no second file system (/dev/shm) here');
  await mkdir(join(other, 'copied'));
  await symlink(join(other, 'copied'), join(dir, 'copied'));
  await balerInProcessOk(save('copied', '--resume'), dir);
  assert.deepEqual(await layoutFiles(join(other, 'copied')), clean);
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('copied.')), [], 'the partial and its lock are gone');
});

test('Ctrl-C while the commit copies a blob across file systems stops it: exit 130, no temp blob in DIR, the partial kept; the rerun ends byte-identical', async (t) => {
  if (!other) return t.skip('no second file system (/dev/shm) here');
  const target = join(other, 'stopped');
  await mkdir(target);
  await symlink(target, join(dir, 'stopped'));
  const stopped = await actOnChild(save('stopped', '--resume'), dir, async () => (await tempBlobs(target)).length > 0, async (child) => {
    child.kill('SIGINT');
  });
  assert.ok(stopped.acted, 'the copy into DIR ended before it could be interrupted');
  assert.equal(stopped.code, ExitCode.cancelled, stopped.stderr);
  assert.match(stopped.stderr, /^baler: kept stopped\.baler-partial /m, stopped.stderr);
  assert.deepEqual(await tempBlobs(target), [], 'a temp blob was left in DIR');
  const again = await balerInProcessOk(save('stopped', '--resume'), dir);
  assert.match(again.stderr, /^Resumed: reused /m, again.stderr);
  assert.deepEqual(await layoutFiles(target), clean);
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('stopped.')), []);
});
