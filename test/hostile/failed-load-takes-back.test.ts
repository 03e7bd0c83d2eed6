import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { balerInProcessOk } from '../helpers/cli-in-process.js';
import { fixture } from '../helpers/paths.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { listFilesRecursive, TempDirs } from '../helpers/temp-dirs.js';

/**
 * A load that fails after it has written blobs (a corrupt part 2 of a split set, a corrupt layer of the
 * second image of an archive) takes them back: the store is left file for file as it was, with nothing
 * for prune to find, and a store that did not exist does not exist afterwards.
 */
const tmp = new TempDirs();
after(() => tmp.removeAll());

const MULTI = fixture('docker20-multi.tar');
const IMAGES = ['imga:1', 'imgb:1', 'imgo:1', 'bbbase:1'];

let work: string;
/** A store holding only bbbase:1, copied per case. */
let baseStore: string;
before(async () => {
  work = await tmp.make('baler-takes-back-');
  baseStore = join(work, 'base-store');
  await balerInProcessOk(['load', '-q', '--store', baseStore, '-i', MULTI, 'bbbase:1'], work);
});

/** Flips one byte of `file` at `offset`. */
async function flipByte(file: string, offset: number): Promise<void> {
  const b = await readFile(file);
  b[offset] = (b[offset] as number) ^ 0xff;
  await writeFile(file, b);
}

/** Where the data of the tar member `name` starts in a plain ustar archive (what baler save writes). */
function dataOffset(tar: Buffer, name: string): number {
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const member = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = Number.parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    if (member === name) return at + 512;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name}: not in the archive`);
}

/** Runs `baler load ARGS`, asserting the exit status and that the last stderr line is the one `baler:` error line. */
async function loadFails(args: readonly string[], exit: number, line: RegExp): Promise<void> {
  const r = await runBaler(['load', ...args], { cwd: work });
  const why = describeRun(['load', ...args], r);
  assert.equal(r.code, exit, why);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.filter((l) => l.startsWith('baler:')).length, 1, why);
  assert.match(lines[lines.length - 1] as string, line, why);
}

/** What a user checks after the failure: the store's files, fsck and what prune would reclaim. */
async function assertStoreAsBefore(store: string, before: readonly string[]): Promise<void> {
  assert.deepEqual(await listFilesRecursive(store), before, 'the store keeps exactly the files it had');
  const fsck = await runBaler(['fsck', '--store', store], { cwd: work });
  assert.equal(fsck.code, 0, describeRun(['fsck'], fsck));
  assert.match(fsck.stdout, /: OK \(1 image, 3 blobs, /);
  const prune = await runBaler(['prune', '--dry-run', '--store', store], { cwd: work });
  assert.equal(prune.stdout, 'Would reclaim: 0B (0 files)\n', describeRun(['prune', '--dry-run'], prune));
}

describe('a split set whose part 2 is corrupt', () => {
  let setDir: string;
  before(async () => {
    setDir = join(work, 'split');
    await mkdir(setDir);
    await balerInProcessOk(['save', '-q', '--from', `docker-archive:${MULTI}`, '--split', '300K', '-o', join(setDir, 'set.tar'), ...IMAGES], work);
    await flipByte(join(setDir, 'set.tar.002'), 1000);
  });
  const partTwo = /^baler: part 2 of \d+ \(\S*\/split\/set\.tar\.002\) is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/;

  it('into a store that did not exist: there is still no store', async () => {
    const store = join(work, 'split-new-store');
    await loadFails(['-i', join(setDir, 'set.tar.001'), '--store', store], ExitCode.integrity, partTwo);
    assert.equal(existsSync(store), false, `${store} was left behind: ${(await listFilesRecursive(store)).join(' ')}`);
  });

  it('into a store holding the base image: the blobs it wrote are removed, the base image and its blobs stay', async () => {
    const store = join(work, 'split-base-store');
    await cp(baseStore, store, { recursive: true });
    const before = await listFilesRecursive(store);
    await loadFails(['-i', join(setDir, 'set.tar.001'), '--store', store], ExitCode.integrity, partTwo);
    await assertStoreAsBefore(store, before);
  });

  it('into oci:DIR that did not exist: there is still no DIR', async () => {
    const dir = join(work, 'split-new-layout');
    await loadFails(['-i', join(setDir, 'set.tar.001'), '--store', join(work, 'unused'), '--into', `oci:${dir}`], ExitCode.integrity, partTwo);
    assert.equal(existsSync(dir), false, `${dir} was left behind: ${(await listFilesRecursive(dir)).join(' ')}`);
  });
});

describe('an archive whose second image has a corrupt layer', () => {
  let archive: string;
  before(async () => {
    archive = join(work, 'two.tar');
    await balerInProcessOk(['save', '-q', '--from', `docker-archive:${MULTI}`, '-o', archive, 'imga:1', 'imgb:1'], work);
    const tar = await readFile(archive);
    const manifest = JSON.parse(tar.subarray(dataOffset(tar, 'manifest.json')).toString('latin1').replace(/\0.*$/s, '')) as Array<{ RepoTags: string[]; Layers: string[] }>;
    const second = manifest.find((m) => m.RepoTags.includes('imgb:1'));
    const layer = second?.Layers[second.Layers.length - 1] as string;
    assert.ok(!manifest.find((m) => m.RepoTags.includes('imga:1'))?.Layers.includes(layer), 'the corrupt layer is only in the second image');
    await flipByte(archive, dataOffset(tar, layer) + 700);
  });

  it('the blobs of the first image and the config of the second are removed again', async () => {
    const store = join(work, 'archive-base-store');
    await cp(baseStore, store, { recursive: true });
    const before = await listFilesRecursive(store);
    await loadFails(['-i', archive, '--store', store], ExitCode.integrity, /^baler: .*two\.tar.*sha256:[0-9a-f]{64}/);
    await assertStoreAsBefore(store, before);
  });
});
