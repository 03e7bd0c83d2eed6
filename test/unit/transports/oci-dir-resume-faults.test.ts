/**
 * save --format oci-dir --resume when things go wrong around it: a full disk is one line and exit 6, a
 * garbled checkpoint is no checkpoint, missing parents are made, a SIGKILL leaves DIR untouched, a commit
 * that fails leaves its blobs where the rerun finds them, and the notes name the partial as it is.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { ownerTag } from '../../../src/io/owner.js';
import { digestFromHex, hexOf, sha256Of } from '../../../src/model/digest.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { parseOciLayoutSpec } from '../../../src/transports/oci-layout/transport.js';
import { writeBlobPart } from '../../../src/transports/resume/oci-dir-blob-part.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../helpers/image-archives.js';
import { listFilesRecursive, TempDirs } from '../../helpers/temp-dirs.js';
import { actOnChild, runInterrupted } from './split/interrupt.js';

const tmp = new TempDirs();
let dir = '';
let clean: Record<string, string> = {};
let cleanOne: Record<string, string> = {};
/** The hex of one.tar's only layer (6 MiB: written as a `.part` with checkpoints). */
let bigHex = '';
const MiB = 1024 * 1024;
const LAYERS = 6;
const save = (out: string, ...more: string[]): string[] => ['save', '--from', 'docker-archive:src.tar', '--format', 'oci-dir', '-o', out, ...more, 'big:1'];
const saveOne = (out: string, ...more: string[]): string[] => ['save', '--from', 'docker-archive:one.tar', '--format', 'oci-dir', '-o', out, ...more, 'one:1'];

async function layoutFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFilesRecursive(root)) out[f] = createHash('sha256').update(await readFile(join(root, f))).digest('hex');
  return out;
}

const blobNames = async (root: string): Promise<string[]> => (await readdir(join(root, 'blobs', 'sha256')).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));
const copiedLayers = (stderr: string): number => stderr.split('\n').filter((l) => l.startsWith('Copied layer ')).length;
const leftovers = async (out: string): Promise<string[]> => (await readdir(dir)).filter((n) => n.startsWith(`${out}.`));

before(async () => {
  dir = await tmp.make('baler-oci-dir-faults-');
  const layers = Array.from({ length: LAYERS }, (_, i) => writeTar([{ name: `f${i}.bin`, data: randomBytes(3 * MiB) }]));
  await writeFile(join(dir, 'src.tar'), writeTar(dockerArchiveParts('big:1', layers).entries));
  await writeFile(join(dir, 'one.tar'), writeTar(dockerArchiveParts('one:1', [writeTar([{ name: 'big.bin', data: randomBytes(6 * MiB) }])]).entries));
  await balerInProcessOk(save('clean'), dir);
  await balerInProcessOk(saveOne('clean-one'), dir);
  clean = await layoutFiles(join(dir, 'clean'));
  cleanOne = await layoutFiles(join(dir, 'clean-one'));
  for (const n of await blobNames(join(dir, 'clean-one'))) if ((await stat(join(dir, 'clean-one', 'blobs', 'sha256', n))).size > 4 * MiB) bigHex = n;
  assert.ok(bigHex);
});
after(() => tmp.removeAll());

/** Runs `fn` with a tmpfs of `size` mounted at `at`, or returns false when this host cannot mount one (not root). */
async function withTmpfs(at: string, size: string, fn: () => Promise<void>): Promise<boolean> {
  await mkdir(at, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
  } catch {
    return false;
  }
  try {
    await fn();
  } finally {
    execFileSync('umount', [at], { stdio: 'ignore' });
  }
  return true;
}

test('a full disk while a large blob is written to the partial is one line and exit 6, not an internal error', async (t) => {
  const mounted = await withTmpfs(join(dir, 'small'), '3m', async () => {
    const r = await balerInProcess(saveOne('small/out', '--resume'), dir);
    assert.equal(r.code, ExitCode.io, r.stderr);
    assert.match(r.stderr, /^baler: \S+: no space left on device/m, r.stderr);
    assert.doesNotMatch(r.stderr, /Internal error/);
  });
  if (!mounted) t.skip('cannot mount a tmpfs here (needs root)');
});

test('a garbled checkpoint is no checkpoint: the save goes on, fetches the blob whole and says nothing false', async () => {
  const part = (await readFile(join(dir, 'clean-one', 'blobs', 'sha256', bigHex))).subarray(0, 5 * MiB);
  for (const [i, garbled] of ['', 'null', '{"size":', '{}', '[1]'].entries()) {
    const out = `garbled${i}`;
    const blobs = join(dir, `${out}.baler-partial`, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${bigHex}.part`), part);
    await writeFile(join(blobs, `${bigHex}.part.json`), garbled);
    // a save that fails after opening the partial: its own error, not one about the checkpoint
    const failed = await balerInProcess(['save', '--from', 'docker-archive:one.tar', '--format', 'oci-dir', '-o', out, '--resume', 'nosuch:1'], dir);
    assert.equal(failed.code, ExitCode.notFound, failed.stderr);
    assert.doesNotMatch(failed.stderr, /Internal error|JSON/);
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${bigHex}.part`), part);
    await writeFile(join(blobs, `${bigHex}.part.json`), garbled);
    const r = await balerInProcessOk(saveOne(out, '--resume'), dir);
    assert.doesNotMatch(r.stderr, /Internal error|re-verifying|first \S+ of blob/, `${JSON.stringify(garbled)}: ${r.stderr}`);
    assert.deepEqual(await layoutFiles(join(dir, out)), cleanOne);
    assert.deepEqual(await leftovers(out), []);
  }
});

test('--resume makes the missing parents of DIR, as a plain save does', async () => {
  await balerInProcessOk(saveOne(join('x', 'y', 'z'), '--resume'), dir);
  assert.deepEqual(await layoutFiles(join(dir, 'x', 'y', 'z')), cleanOne);
  assert.deepEqual((await readdir(join(dir, 'x', 'y'))).sort(), ['z']);
});

test('a SIGKILLed save leaves an existing DIR untouched (no lease file); the rerun counts only what the partial kept and ends byte-identical', async () => {
  const out = join(dir, 'killed');
  await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
  await copyFile(join(dir, 'clean', 'oci-layout'), join(out, 'oci-layout'));
  await writeFile(join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
  // DIR already holds one of the layers: the save asks for it while it copies the others
  const held = (await blobNames(join(dir, 'clean')))[0] as string;
  await copyFile(join(dir, 'clean', 'blobs', 'sha256', held), join(out, 'blobs', 'sha256', held));
  const before = await layoutFiles(out);
  const partial = `${out}.baler-partial`;
  const killed = await actOnChild(save('killed', '--resume'), dir, async () => (await blobNames(partial)).length >= 2, async (child) => {
    child.kill('SIGKILL');
  });
  assert.ok(killed.acted, 'the save finished before it could be killed');
  assert.deepEqual(await layoutFiles(out), before, 'DIR changed before the save completed');
  const kept = (await blobNames(partial)).length;
  const r = await balerInProcessOk(save('killed', '--resume'), dir);
  // the layer DIR held was not resumed: only what the partial kept counts
  assert.match(r.stderr, new RegExp(`^Resumed: reused ${kept} blobs? `, 'm'), r.stderr);
  const after = await layoutFiles(out);
  assert.deepEqual(Object.keys(after).sort(), Object.keys(clean).sort());
  for (const [f, h] of Object.entries(clean)) if (f !== 'index.json') assert.equal(after[f], h, f);
  assert.deepEqual(await leftovers('killed'), []);
});

test('-o DIR/ (trailing slash): the kept and re-verifying lines name the partial as it is, DIR.baler-partial', async () => {
  const r = await runInterrupted(save('slash/', '--resume'), dir, /^Copied layer /, 2);
  assert.ok(r.interrupted && r.code === ExitCode.cancelled, r.stderr);
  assert.match(r.stderr, /^baler: kept slash\.baler-partial \(\d+ verified blobs?, \S+\); run the same save with --resume to continue$/m, r.stderr);
  const again = await balerInProcessOk(save('slash/', '--resume'), dir);
  assert.match(again.stderr, /^baler: re-verifying the \S+ an interrupted save left in slash\.baler-partial: /m, again.stderr);
  assert.deepEqual(await layoutFiles(join(dir, 'slash')), clean);
});

test('a commit that fails keeps the blobs it moved into DIR; the rerun finds them there and fetches none again', async (t) => {
  const out = join(dir, 'stuck');
  await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
  await copyFile(join(dir, 'clean', 'oci-layout'), join(out, 'oci-layout'));
  await writeFile(join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
  try {
    execFileSync('chattr', ['+i', join(out, 'index.json')], { stdio: 'ignore' });
  } catch {
    t.skip('chattr +i is not available here (needs root on ext4 or similar)');
    return;
  }
  let failed;
  try {
    failed = await balerInProcess(save('stuck', '--resume'), dir);
  } finally {
    execFileSync('chattr', ['-i', join(out, 'index.json')], { stdio: 'ignore' });
  }
  assert.equal(failed.code, ExitCode.io, failed.stderr);
  assert.doesNotMatch(failed.stderr, /Internal error/);
  const moved = (await blobNames(out)).length;
  assert.ok(moved >= LAYERS, 'the moved blobs stay in DIR');
  assert.match(failed.stderr, new RegExp(`^baler: kept stuck\\.baler-partial \\(${moved} blobs already moved into stuck\\); run the same save with --resume to continue$`, 'm'), failed.stderr);
  const r = await balerInProcessOk(save('stuck', '--resume'), dir);
  assert.equal(copiedLayers(r.stderr), 0, r.stderr);
  // nothing is left in the partial to re-hash; what the failed commit moved is this save's earlier work
  assert.doesNotMatch(r.stderr, /re-verifying/, r.stderr);
  assert.match(r.stderr, new RegExp(`^Resumed: reused ${LAYERS + 1} blobs \\(\\S+\\) already written and verified$`, 'm'), r.stderr);
  const got = await layoutFiles(out);
  for (const [f, h] of Object.entries(clean)) if (f !== 'index.json') assert.equal(got[f], h, f);
  assert.deepEqual(await leftovers('stuck'), []);
});

test('a save refused because another holds the partial does not first say it is re-verifying it', async () => {
  const r0 = await runInterrupted(save('busy', '--resume'), dir, /^Copied layer /, 2);
  assert.ok(r0.interrupted, r0.stderr);
  await writeFile(join(dir, 'busy.baler-partial.lock'), `${process.pid} ${ownerTag()}\n`);
  const r = await balerInProcess(save('busy', '--resume'), dir);
  assert.equal(r.code, ExitCode.conflict, r.stderr);
  assert.doesNotMatch(r.stderr, /re-verifying/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('a rewrite of a part from offset 0 keeps the larger checkpoint until it passes it', async () => {
  const root = await tmp.make('baler-part-ck-');
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  const data = randomBytes(16 * MiB);
  const d = digestFromHex(createHash('sha256').update(data).digest('hex'));
  const part = join(root, 'blobs', 'sha256', `${d.slice('sha256:'.length)}.part`);
  const have = 12 * MiB;
  const kept = { size: data.length, have, sha256: createHash('sha256').update(data.subarray(0, have)).digest('hex') };
  await writeFile(part, data.subarray(0, have));
  await writeFile(`${part}.json`, JSON.stringify(kept));
  // the same bytes again from the start, cut off after 6 MiB (a second interruption)
  const body = Readable.from((async function* () {
    for (let at = 0; at < 6 * MiB; at += MiB) yield data.subarray(at, at + MiB);
    throw new Error('cut off');
  })());
  await assert.rejects(writeBlobPart(root, body, d, data.length));
  assert.deepEqual(JSON.parse(await readFile(`${part}.json`, 'utf8')), kept);
  assert.ok(existsSync(part));
});

test('a blob DIR held that a prune removes before the commit fails it before any of the partial\'s blobs move: nothing changed', async () => {
  const out = join(dir, 'pruned');
  await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
  await copyFile(join(dir, 'clean', 'oci-layout'), join(out, 'oci-layout'));
  await writeFile(join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }));
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const configDigest = sha256Of(config);
  await writeFile(join(out, 'blobs', 'sha256', hexOf(configDigest)), config);
  const layer = randomBytes(4096);
  const layerDesc = { mediaType: MediaTypes.ociLayer, digest: sha256Of(layer), size: layer.length };
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: config.length }, layers: [layerDesc] }),
  );
  const manifestDesc = { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length };
  const sink = await parseOciLayoutSpec(`oci:${out}`).openSink({ removeIfUncommitted: true, resume: true });
  let before: Record<string, string>;
  try {
    assert.equal(await sink.hasBlob(configDigest), true);
    await sink.putBlob(Readable.from([layer]), layerDesc);
    await sink.putManifest(manifest, manifestDesc);
    await sink.addImage(manifestDesc);
    before = await layoutFiles(out);
    delete before[`blobs/sha256/${hexOf(configDigest)}`];
    await rm(join(out, 'blobs', 'sha256', hexOf(configDigest))); // a concurrent prune
    await assert.rejects(sink.commit(), (err: Error) => /vanished before commit .*; nothing was changed, run the command again$/.test(err.message));
  } finally {
    await sink[Symbol.asyncDispose]();
  }
  assert.deepEqual(await layoutFiles(out), before, 'DIR changed although the commit said nothing was');
  assert.equal((await blobNames(`${out}.baler-partial`)).length, 2, 'the partial keeps its blobs for the rerun');
});
