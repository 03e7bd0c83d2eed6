/**
 * save --format oci-dir -o DIR --resume from a local archive: an interrupted save keeps the blobs it
 * verified in DIR.baler-partial (DIR itself is not made), the rerun re-hashes them, copies only the
 * rest and ends with a layout byte-identical to an uninterrupted save's. A damaged kept blob is not
 * trusted, a save without --resume starts over, and a partial another save holds is refused (exit 7).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { ownerTag } from '../../../src/io/owner.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../helpers/image-archives.js';
import { listFilesRecursive, TempDirs } from '../../helpers/temp-dirs.js';
import { runInterrupted } from './split/interrupt.js';

const tmp = new TempDirs();
let dir = '';
let clean: Record<string, string> = {};
const LAYERS = 5;
const save = (out: string, ...more: string[]): string[] => ['save', '--from', 'docker-archive:src.tar', '--format', 'oci-dir', '-o', out, ...more, 'big:1'];

/** Every file of a layout with the sha256 of its bytes. */
async function layoutFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFilesRecursive(root)) out[f] = createHash('sha256').update(await readFile(join(root, f))).digest('hex');
  return out;
}

async function leftovers(out: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith(`${out}.`) || n.startsWith(`.${out}.`));
}

/** Kept blob files (their hex names) in OUT.baler-partial. */
async function keptBlobs(out: string): Promise<string[]> {
  return (await readdir(join(dir, `${out}.baler-partial`, 'blobs', 'sha256'))).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

before(async () => {
  dir = await tmp.make('baler-oci-dir-resume-');
  const layers = Array.from({ length: LAYERS }, (_, i) => writeTar([{ name: `f${i}.bin`, data: randomBytes(3 * 1024 * 1024) }]));
  await writeFile(join(dir, 'src.tar'), writeTar(dockerArchiveParts('big:1', layers).entries));
  await balerInProcessOk(save('clean'), dir);
  clean = await layoutFiles(join(dir, 'clean'));
});
after(() => tmp.removeAll());

/** `save --resume -o OUT` interrupted (as SIGINT does) after two layers were copied. */
async function interrupted(out: string): Promise<string[]> {
  const r = await runInterrupted(save(out, '--resume'), dir, /^Copied layer /, 2);
  assert.ok(r.interrupted, `the save ended before it was interrupted\n${r.stderr}`);
  assert.equal(r.code, ExitCode.cancelled, r.stderr);
  assert.match(r.stderr, new RegExp(`^baler: kept ${out}\\.baler-partial \\(\\d+ verified blobs?, \\S+\\); run the same save with --resume to continue$`, 'm'));
  assert.ok(!existsSync(join(dir, out)), `${out} was made although the save did not finish`);
  const kept = await keptBlobs(out);
  assert.ok(kept.length >= 2, `kept ${kept.length} blobs`);
  return kept;
}

test('an interrupted oci-dir save --resume keeps its verified blobs; the rerun copies only the rest and writes the same layout', async () => {
  const kept = await interrupted('out');
  const r = await balerInProcessOk(save('out', '--resume'), dir);
  assert.match(r.stderr, new RegExp(`^baler: re-verifying the \\S+ an interrupted save left in out\\.baler-partial: ${kept.length} complete blobs to re-hash and keep; anything else is fetched again$`, 'm'));
  assert.match(r.stderr, new RegExp(`^Resumed: reused ${kept.length} blobs \\(\\S+\\) already written and verified$`, 'm'));
  const copied = r.stderr.split('\n').filter((l) => l.startsWith('Copied layer ')).length;
  assert.ok(copied <= LAYERS - 2, `the rerun copied ${copied} of ${LAYERS} layers again\n${r.stderr}`);
  assert.deepEqual(await layoutFiles(join(dir, 'out')), clean, 'the layout differs from an uninterrupted save');
  assert.deepEqual(await leftovers('out'), [], 'no partial or lock left');
});

test('a kept blob that was damaged is re-hashed, removed and copied again, not trusted', async () => {
  const kept = await interrupted('bad');
  // the largest kept file is a layer: flip a byte in its middle
  const files = await Promise.all(kept.map(async (n) => ({ n, bytes: await readFile(join(dir, 'bad.baler-partial', 'blobs', 'sha256', n)) })));
  const victim = files.sort((a, b) => b.bytes.length - a.bytes.length)[0];
  assert.ok(victim && victim.bytes.length > 1024 * 1024);
  const at = Math.floor(victim.bytes.length / 2);
  victim.bytes[at] = (victim.bytes[at] as number) ^ 0xff;
  await writeFile(join(dir, 'bad.baler-partial', 'blobs', 'sha256', victim.n), victim.bytes);

  const r = await balerInProcessOk(save('bad', '--resume'), dir);
  assert.match(r.stderr, /^baler: warning: \S+bad\.baler-partial: 1 kept blob did not hash to its digest; removed, and fetched again$/m, r.stderr);
  assert.match(r.stderr, new RegExp(`^Copied layer ${victim.n.slice(0, 12)} `, 'm'), r.stderr);
  assert.match(r.stderr, new RegExp(`^Resumed: reused ${kept.length - 1} blobs? `, 'm'));
  assert.deepEqual(await layoutFiles(join(dir, 'bad')), clean);
  assert.deepEqual(await leftovers('bad'), []);
});

test('a save without --resume removes what an interrupted one kept and starts over', async () => {
  await interrupted('fresh');
  const r = await balerInProcessOk(save('fresh'), dir);
  assert.doesNotMatch(r.stderr, /Resumed|re-verifying/);
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('Copied layer ')).length, LAYERS, r.stderr);
  assert.deepEqual(await layoutFiles(join(dir, 'fresh')), clean);
  assert.deepEqual(await leftovers('fresh'), []);
});

test('a partial another save is using is refused, with or without --resume, and DIR is not made', async () => {
  await interrupted('held');
  const lock = join(dir, 'held.baler-partial.lock');
  // this test process stands for the other save: it runs, on this host
  await writeFile(lock, `${process.pid} ${ownerTag()}\n`);
  for (const args of [save('held', '--resume'), save('held')]) {
    const r = await balerInProcess(args, dir);
    assert.equal(r.code, ExitCode.conflict, r.stderr);
    assert.match(r.stderr, new RegExp(`held\\.baler-partial: another baler \\(pid ${process.pid}\\) is writing it`), r.stderr);
    assert.ok(!existsSync(join(dir, 'held')));
  }
  assert.ok((await keptBlobs('held')).length >= 2, 'the other save\'s blobs are untouched');
  assert.equal(await readFile(lock, 'utf8'), `${process.pid} ${ownerTag()}\n`);
});
