/**
 * What a --resume run says about its partial, and when: the kept line names only work that is there
 * (blobs a failed oci-dir commit really moved into DIR, partial bytes that exist), -q leaves out the
 * re-verifying note but not the kept line of a failed run, the output's directory is named `.` and a
 * missing parent as a plain save names it, and a partial path holding the other shape is refused in
 * one line before anything is touched.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { hexOf, sha256Of, type Digest } from '../../../../src/model/digest.js';
import { leftPartial } from '../../../../src/transports/resume/left-partial.js';
import { ociDirPartialSummary } from '../../../../src/transports/resume/oci-dir-partial.js';
import { balerInProcess, balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { runInterrupted } from '../split/interrupt.js';

const tmp = new TempDirs();
let dir = '';
const LAYER = 1536 * 1024;
const saveArgs = (...more: string[]): string[] => ['save', '--from', 'docker-archive:src.tar', ...more];
const KEPT = /^baler: kept /m;

before(async () => {
  dir = await tmp.make('baler-resume-notes-');
  const { entries } = dockerArchiveParts('big:1', ['a', 'b', 'c', 'd', 'e'].map((s) => writeTar([{ name: `${s}.bin`, data: randomBytes(LAYER) }])));
  await writeFile(join(dir, 'src.tar'), writeTar(entries));
});
after(() => tmp.removeAll());

/** Writes `data` as blob `d` under `root`/blobs/sha256, making the directories. */
async function putBlob(root: string, data: Buffer): Promise<Digest> {
  const d = sha256Of(data);
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(root, 'blobs', 'sha256', hexOf(d)), data);
  return d;
}

/** An empty OCI layout at `root` (so a save into it finds a layout). */
async function emptyLayout(root: string): Promise<void> {
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }));
}

test('the moved-into-DIR count takes only listed blobs that DIR holds and the partial does not', async () => {
  const out = join(dir, 'counted');
  const partial = `${out}.baler-partial`;
  const moved = await putBlob(out, Buffer.from('moved'));
  const stayed = await putBlob(partial, Buffer.from('stayed')); // the commit failed before moving it
  const heldBoth = await putBlob(out, Buffer.from('held')); // DIR held it already; the partial's copy stayed
  await putBlob(partial, Buffer.from('held'));
  const never = sha256Of(Buffer.from('never written'));
  await writeFile(join(partial, 'moved-into-dir'), [moved, stayed, heldBoth, never].sort().map((d) => `${d}\n`).join(''));
  const kept = await ociDirPartialSummary(out);
  assert.equal(kept?.movedIntoDir, 1);
  assert.equal(kept?.blobs, 2);
  // DIR removed since: nothing was moved into it any more; a partial holding only the list holds nothing
  await rm(out, { recursive: true });
  assert.equal((await ociDirPartialSummary(out))?.movedIntoDir, 0);
  await rm(join(partial, 'blobs'), { recursive: true });
  assert.equal(await ociDirPartialSummary(out), undefined);
});

test('a failed oci-dir save --resume whose commit moved nothing into DIR does not say it did; with DIR gone, it keeps nothing', async () => {
  const out = join(dir, 'outd2');
  await emptyLayout(out);
  const partial = `${out}.baler-partial`;
  const blob = await putBlob(partial, randomBytes(1000));
  await writeFile(join(partial, 'moved-into-dir'), `${blob}\n`);
  const r = await balerInProcess(saveArgs('--format', 'oci-dir', '-o', 'outd2', '--resume', 'nosuch:1'), dir);
  assert.equal(r.code, ExitCode.notFound, r.stderr);
  assert.match(r.stderr, /^baler: kept outd2\.baler-partial \(1 verified blob, \S+\); run the same save with --resume to continue$/m, r.stderr);

  const gone = join(dir, 'outd3');
  await putBlob(gone, Buffer.from('was moved'));
  await mkdir(`${gone}.baler-partial`, { recursive: true });
  await writeFile(join(`${gone}.baler-partial`, 'moved-into-dir'), `${sha256Of(Buffer.from('was moved'))}\n`);
  await rm(gone, { recursive: true });
  const r3 = await balerInProcess(saveArgs('--format', 'oci-dir', '-o', 'outd3', '--resume', 'nosuch:1'), dir);
  assert.equal(r3.code, ExitCode.notFound, r3.stderr);
  assert.doesNotMatch(r3.stderr, KEPT, r3.stderr);
});

test('save --format oci-dir -o . --resume names the directory ".", not ""', async () => {
  const here = join(dir, 'here');
  await emptyLayout(here);
  const d = await putBlob(here, Buffer.from('moved by a failed commit'));
  await mkdir(`${here}.baler-partial`, { recursive: true });
  await writeFile(join(`${here}.baler-partial`, 'moved-into-dir'), `${d}\n`);
  const r = await balerInProcess(['save', '--from', `docker-archive:${join(dir, 'src.tar')}`, '--format', 'oci-dir', '-o', '.', '--resume', 'nosuch:1'], here);
  assert.equal(r.code, ExitCode.notFound, r.stderr);
  assert.match(r.stderr, /^baler: kept \.\.\/here\.baler-partial \(1 blob already moved into \.\); run the same save with --resume to continue$/m, r.stderr);
});

test('a --resume run that fails before writing a byte says it kept nothing, and leaves nothing', async () => {
  const load = await balerInProcess(['load', '--store', join(dir, 'unused'), '--resume', '-i', 'src.tar', '--into', 'docker-archive:y.tar', 'nosuch:tag'], dir);
  assert.equal(load.code, ExitCode.notFound, load.stderr);
  assert.doesNotMatch(load.stderr, KEPT, load.stderr);
  assert.equal(load.stderr.trim().split('\n').length, 1, load.stderr);
  const save = await balerInProcess(saveArgs('-o', 'z.tar', '--resume', 'nosuch:1'), dir);
  assert.equal(save.code, ExitCode.notFound, save.stderr);
  assert.doesNotMatch(save.stderr, KEPT, save.stderr);
  assert.equal(save.stderr.trim().split('\n').length, 1, save.stderr);
  const left = (await readdir(dir)).filter((n) => n.startsWith('y.tar') || n.startsWith('z.tar') || n.startsWith('.y.tar') || n.startsWith('.z.tar'));
  assert.deepEqual(left, [], 'no empty partial, journal or temp file');
});

test('-q: no re-verifying note; the kept line of a failed run stays, as part of its error', async () => {
  const cases = [
    { verb: 'save', file: 'q.tar', args: (...more: string[]) => saveArgs('-o', 'q.tar', '--resume', ...more) },
    { verb: 'load', file: 'lq.tar', args: (...more: string[]) => ['load', '--store', join(dir, 'unused'), '--resume', '-i', 'src.tar', '--into', 'docker-archive:lq.tar', ...more] },
  ];
  for (const c of cases) {
    const r0 = await runInterrupted(c.args('big:1'), dir, /^Copied layer /, 2);
    assert.ok(r0.interrupted, r0.stderr);
    const failed = await balerInProcess(c.args('-q', 'nosuch:1'), dir);
    assert.equal(failed.code, ExitCode.notFound, failed.stderr);
    const lines = failed.stderr.trim().split('\n');
    assert.equal(lines.length, 2, failed.stderr);
    assert.match(failed.stderr, new RegExp(`^baler: kept ${c.file.replace('.', '\\.')}\\.baler-partial and its journal; run the same ${c.verb} with --resume to continue$`, 'm'));
    const done = await balerInProcessOk(c.args('-q', 'big:1'), dir);
    assert.equal(done.stderr, '', `${c.verb}: ${done.stderr}`);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith(`${c.file}.`)), []);
  }
});

test('--resume into a missing directory names it as a save without --resume does', async () => {
  const plain = await balerInProcess(saveArgs('-o', 'newdir/x.tar', 'big:1'), dir);
  const resumed = await balerInProcess(saveArgs('-o', 'newdir/x.tar', '--resume', 'big:1'), dir);
  assert.equal(resumed.code, plain.code);
  assert.equal(resumed.stderr, plain.stderr);
  assert.match(resumed.stderr, /^baler: \S*newdir: no such file or directory\n$/);
  assert.equal(existsSync(join(dir, 'newdir')), false);
});

test('a partial path holding the other shape is refused in one line, before anything is read or written', async () => {
  // an oci-dir save's partial directory where an archive's partial file goes
  await mkdir(join(dir, 'X.tar.baler-partial', 'blobs'), { recursive: true });
  assert.equal(await leftPartial(join(dir, 'X.tar'), 'file'), undefined);
  for (const args of [saveArgs('-o', 'X.tar', '--resume', 'big:1'), ['load', '--store', join(dir, 'unused'), '--resume', '-i', 'src.tar', '--into', 'docker-archive:X.tar']]) {
    const r = await balerInProcess(args, dir);
    assert.equal(r.code, ExitCode.conflict, r.stderr);
    assert.match(r.stderr, /^baler: (save|load): X\.tar\.baler-partial is a directory, not the partial file of a (save|load) --resume to X\.tar; remove it, or write to another FILE\n$/, r.stderr);
    assert.equal(existsSync(join(dir, 'X.tar')), false);
    assert.ok((await stat(join(dir, 'X.tar.baler-partial', 'blobs'))).isDirectory());
  }
  // a file where an oci-dir save's partial directory goes
  await writeFile(join(dir, 'D.baler-partial'), 'not a directory');
  const r = await balerInProcess(saveArgs('--format', 'oci-dir', '-o', 'D', '--resume', 'big:1'), dir);
  assert.equal(r.code, ExitCode.conflict, r.stderr);
  assert.match(r.stderr, /^baler: save: D\.baler-partial is a file, not the partial directory of a save --resume --format oci-dir to D; remove it, or write to another DIR\n$/, r.stderr);
  assert.equal(existsSync(join(dir, 'D')), false);
});
