/**
 * The save journal is only ever replaced atomically or appended to: forget() (a blob whose kept start
 * turned out bad) leaves the journal's entries and drops that blob's progress lines, entries written
 * meanwhile are kept, no temp file stays, and a process killed at any write to the journal (a real
 * SIGKILL, injected by strace) leaves every entry it had.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Digest } from '../../../../src/model/digest.js';
import { JournalFile } from '../../../../src/transports/resume/journal-file.js';
import { formatJournalLine, formatProgressLine, journalPathFor, parseJournal, partialPathFor, type BlobProgress, type JournalEntry } from '../../../../src/transports/resume/save-journal.js';
import { openResumableOutput, removeLeftoverPartial } from '../../../../src/transports/resume/resumable-output.js';
import { blobHeaderBytes, layoutHeadBytes } from '../../../../src/transports/layout-tar-writer.js';
import { sha256Of } from '../../../../src/model/digest.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
let dir = '';
before(async () => {
  dir = await tmp.make('baler-journal-');
});
after(() => tmp.removeAll());

const digest = (i: number): Digest => `sha256:${i.toString(16).padStart(64, '0')}` as Digest;
const entry = (i: number): JournalEntry => ({ digest: digest(i), size: 1, mediaType: 'application/octet-stream', start: i * 1024, end: (i + 1) * 1024 });
const progressOf = (i: number): BlobProgress => ({ digest: digest(i), size: 1 << 30, mediaType: 'application/octet-stream', start: i * 1024, have: 4 << 20, sha256: 'a'.repeat(64) });

test('forget() leaves the entries, drops the blob\'s progress lines, keeps entries written meanwhile and leaves no temp file', async () => {
  const sub = join(dir, 'forget');
  mkdirSync(sub);
  const path = join(sub, 'out.tar.baler-partial.journal');
  const journal = await JournalFile.create(path, [entry(0), entry(1)]);
  journal.progress(progressOf(2), 2 * 1024 + 1);
  journal.flush(2 * 1024 + 1);
  assert.equal(readFileSync(path, 'utf8').split('\n').length - 1, 3, 'the progress line is written');
  const forgotten = journal.forget(digest(2));
  // the next entries complete while the file is being replaced (which starts in a microtask)
  await new Promise(setImmediate);
  journal.add(entry(2));
  journal.add(entry(3));
  journal.flush(4 * 1024);
  journal.progress(progressOf(2), 3 * 1024); // a forgotten blob's progress is not taken again
  await forgotten;
  journal.add(entry(4));
  journal.flush(5 * 1024);
  await journal.close();
  assert.equal(readFileSync(path, 'utf8'), [0, 1, 2, 3, 4].map((i) => formatJournalLine(entry(i))).join(''));
  assert.deepEqual(readdirSync(sub), ['out.tar.baler-partial.journal']);
});

test('forget() after close() still drops the progress lines', async () => {
  const path = join(dir, 'closed.journal');
  const journal = await JournalFile.create(path, [entry(0)]);
  journal.progress(progressOf(1), 1024 + 1);
  journal.flush(1024 + 1);
  await journal.close();
  await journal.forget(digest(1));
  assert.equal(readFileSync(path, 'utf8'), formatJournalLine(entry(0)));
});

test('close() waits for a replacement under way: nothing writes the journal once it is done', async () => {
  const sub = join(dir, 'close-waits');
  mkdirSync(sub);
  const path = join(sub, 'out.tar.baler-partial.journal');
  const journal = await JournalFile.create(path, [entry(0)]);
  journal.progress(progressOf(1), 1024 + 1);
  journal.flush(1024 + 1);
  void journal.forget(digest(1)).catch(() => undefined);
  await journal.close();
  // the run's commit removes the journal once it is closed
  unlinkSync(path);
  await sleep(300);
  assert.deepEqual(readdirSync(sub), []);
});

const strace = spawnSync('strace', ['-qq', '-o', '/dev/null', 'true']).status === 0;
const noStrace = strace ? false : 'strace cannot trace here';
const child = join(import.meta.dirname, 'journal-forget-child.ts');
const count = 2000;
const journalOf = (n: number): string => Array.from({ length: n }, (_, i) => formatJournalLine(entry(i))).join('');

/**
 * Runs the child (create, forget, close: two replacements) under strace, which kills or fails it at one
 * system call. One libuv thread: strace counts calls per thread, and fsync and rename run on that one
 * (the 1st fsync and rename are the create's, the 2nd fsync fsyncs the directory, the 3rd and 4th and
 * the 2nd rename are the forget's).
 */
function runChild(path: string, strace: string[], meanwhile: boolean | 'streaming' = false): { killed: boolean; stderr: string } {
  const mode = meanwhile === 'streaming' ? ['streaming'] : meanwhile ? ['meanwhile'] : [];
  const args = [...strace, process.execPath, '--import', import.meta.resolve('tsx'), child, path, String(count), ...mode];
  const r = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
  return { killed: r.signal === 'SIGKILL' || r.status === 137, stderr: r.stderr };
}

test('a baler SIGKILLed at any write, fsync or rename of its journal (while making it, or forgetting a blob) leaves every entry the journal had, and a plain save then leaves nothing', { skip: noStrace }, async () => {
  const sub = join(dir, 'killed');
  mkdirSync(sub);
  const injections: Array<[string, string[]]> = [];
  // writes to the journal itself (its temp file is named at random: the fsyncs and renames cover it)
  for (let when = 1; when <= 3; when++) injections.push([`write ${when}`, ['-e', 'trace=write', '-e', `inject=write:signal=KILL:when=${when}`]]);
  for (let when = 1; when <= 4; when++) injections.push([`fsync ${when}`, ['-e', 'trace=fsync', '-e', `inject=fsync:signal=KILL:when=${when}`]]);
  for (let when = 1; when <= 2; when++) injections.push([`rename ${when}`, ['-e', 'trace=rename', '-e', `inject=rename:signal=KILL:when=${when}`]]);
  const lost: string[] = [];
  const notKilled: string[] = [];
  for (const [n, [at, inject]] of injections.entries()) {
    const output = join(sub, `out-${n}.tar`);
    const path = journalPathFor(output);
    // an earlier run's journal: the child keeps all of its entries
    writeFileSync(path, journalOf(count));
    const pathOnly = at.startsWith('write') ? ['-P', path] : [];
    const r = runChild(path, [...pathOnly, ...inject]);
    if (!r.killed) notKilled.push(at);
    const kept = parseJournal(readFileSync(path, 'utf8')).length;
    if (kept !== count) lost.push(`killed at ${at}: ${kept} of ${count} entries left ${r.stderr}`);
    // a save without --resume starts over: the journal, and whatever its replacement left, go
    await removeLeftoverPartial(output);
    assert.deepEqual(readdirSync(sub), [], `killed at ${at}`);
  }
  assert.deepEqual(lost, []);
  assert.deepEqual(notKilled.filter((at) => !at.startsWith('write')), [], 'strace killed the child at every fsync and rename');
  assert.ok(notKilled.length < 3, 'strace killed the child at a write');
});

test('a journal\'s temp file is removed by a plain save even when the run was killed making the journal (none was there before)', { skip: noStrace }, async () => {
  const sub = join(dir, 'killed-new');
  mkdirSync(sub);
  const output = join(sub, 'out.tar');
  assert.ok(runChild(journalPathFor(output), ['-e', 'trace=rename', '-e', 'inject=rename:signal=KILL:when=1']).killed);
  assert.equal(readdirSync(sub).length, 1, 'the temp file is there');
  assert.match(readdirSync(sub)[0] as string, /^\.out\.tar\.baler-partial\.journal\.baler-tmp-\d+-[0-9a-f]{12}$/);
  await removeLeftoverPartial(output);
  assert.deepEqual(readdirSync(sub), []);
});

test('entries written while forget() replaces the journal are in it once the rename is done, even when the run is killed right after', { skip: noStrace }, () => {
  const sub = join(dir, 'meanwhile');
  mkdirSync(sub);
  const path = join(sub, 'out.tar.baler-partial.journal');
  // the 4th fsync is the directory's, after the forget's rename
  assert.ok(runChild(path, ['-e', 'trace=fsync', '-e', 'inject=fsync:signal=KILL:when=4'], true).killed);
  assert.equal(readFileSync(path, 'utf8'), journalOf(count + 3));
});

test('entries written while forget() replaces the journal stay in the old journal when the rename fails', { skip: noStrace }, () => {
  const sub = join(dir, 'rename-fails');
  mkdirSync(sub);
  const path = join(sub, 'out.tar.baler-partial.journal');
  runChild(path, ['-e', 'trace=rename', '-e', 'inject=rename:error=EIO:when=2'], true);
  assert.deepEqual(parseJournal(readFileSync(path, 'utf8')), Array.from({ length: count + 3 }, (_, i) => entry(i)));
  assert.deepEqual(readdirSync(sub), ['out.tar.baler-partial.journal'], 'no temp file stays');
});

test('entries that keep completing while a failed replacement goes back to the old journal stay in order there', { skip: noStrace }, () => {
  const sub = join(dir, 'rename-fails-streaming');
  mkdirSync(sub);
  const path = join(sub, 'out.tar.baler-partial.journal');
  const r = runChild(path, ['-e', 'trace=rename', '-e', 'inject=rename:error=EIO:when=2'], 'streaming');
  const text = readFileSync(path, 'utf8');
  // the old journal keeps the forgotten blob's progress line (the forget failed); the rest are entries
  const lines = text.split('\n').filter((line) => line.includes('"end"')).length;
  assert.ok(lines > count + 1, `entries were written during the replacement (${lines} entry lines; ${r.stderr})`);
  // each entry starts where the last ended, or parseJournal stops there: every entry line must be one of them
  assert.deepEqual(parseJournal(text), Array.from({ length: lines }, (_, i) => entry(i)));
  assert.deepEqual(readdirSync(sub), ['out.tar.baler-partial.journal'], 'no temp file stays');
});

/** A partial FILE.baler-partial holding the start of a blob, and a journal whose progress line names it. */
function cutShortPartial(output: string): BlobProgress {
  const blob = randomBytes(3 * 1024 * 1024);
  const have = 2 * 1024 * 1024;
  const p: BlobProgress = { digest: sha256Of(blob), size: blob.length, mediaType: 'application/octet-stream', start: layoutHeadBytes().length, have, sha256: createHash('sha256').update(blob.subarray(0, have)).digest('hex') };
  writeFileSync(partialPathFor(output), Buffer.concat([layoutHeadBytes(), blobHeaderBytes(p.digest, p.size), blob.subarray(0, have)]));
  writeFileSync(journalPathFor(output), formatProgressLine(p));
  return p;
}

/** Opens a --resume run that keeps the blob's start, and discards it once its progress line is written again. */
async function runDiscarded(output: string, p: BlobProgress): Promise<() => void> {
  const run = await openResumableOutput(output, { compression: 'none' });
  const kept = run.journal.partialBlob;
  assert.ok(kept && 'forget' in kept, 'the start of the blob is kept');
  run.journal.progress?.(p, 0);
  await run.discard();
  assert.match(readFileSync(journalPathFor(output), 'utf8'), /"have"/);
  return () => kept.forget();
}

test('a kept blob start that proves bad after the run released its lock leaves the journal, under the lock taken again', async () => {
  const sub = join(dir, 'late-forget');
  mkdirSync(sub);
  const output = join(sub, 'out.tar');
  const p = cutShortPartial(output);
  const forget = await runDiscarded(output, p);
  forget();
  for (let waited = 0; waited < 5000 && readFileSync(journalPathFor(output), 'utf8') !== ''; waited += 50) await sleep(50);
  assert.equal(readFileSync(journalPathFor(output), 'utf8'), '');
  await sleep(100);
  assert.deepEqual(readdirSync(sub).sort(), ['out.tar.baler-partial', 'out.tar.baler-partial.journal']);
});

test('a forget after the run released its lock leaves alone the journal of the run that holds it now', async () => {
  const sub = join(dir, 'late-forget-busy');
  mkdirSync(sub);
  const output = join(sub, 'out.tar');
  const p = cutShortPartial(output);
  const forget = await runDiscarded(output, p);
  const next = await openResumableOutput(output, { compression: 'none' });
  const journal = statSync(journalPathFor(output)).ino;
  forget();
  await sleep(500);
  assert.equal(statSync(journalPathFor(output)).ino, journal, 'the next run writes to the file at the journal\'s name');
  assert.ok(!readdirSync(sub).some((n) => n.includes('baler-tmp')));
  await next.discard();
});
