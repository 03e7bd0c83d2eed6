/**
 * The save journal is only ever replaced atomically or appended to: forget() (a blob whose kept start
 * turned out bad) leaves the journal's entries and drops that blob's progress lines, entries written
 * meanwhile are kept, no temp file stays, and a process killed at any write to the journal (a real
 * SIGKILL, injected by strace) leaves every entry it had.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Digest } from '../../../../src/model/digest.js';
import { JournalFile } from '../../../../src/transports/resume/journal-file.js';
import { formatJournalLine, parseJournal, type BlobProgress, type JournalEntry } from '../../../../src/transports/resume/save-journal.js';
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
  // the next entries complete while the file is being replaced
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

test('forget() after close() still drops the progress lines; close() waits for a replacement under way', async () => {
  const path = join(dir, 'closed.journal');
  const journal = await JournalFile.create(path, [entry(0)]);
  journal.progress(progressOf(1), 1024 + 1);
  journal.flush(1024 + 1);
  const closing = journal.close();
  await journal.forget(digest(1));
  await closing;
  assert.equal(readFileSync(path, 'utf8'), formatJournalLine(entry(0)));
});

const strace = spawnSync('strace', ['-qq', '-o', '/dev/null', 'true']).status === 0;

test('a baler SIGKILLed at any write to its journal (while making it, or forgetting a blob) leaves every entry the journal had', { skip: strace ? false : 'strace cannot trace here' }, () => {
  const count = 2000;
  const child = join(import.meta.dirname, 'journal-forget-child.ts');
  let killed = 0;
  const lost: string[] = [];
  // strace counts writes per thread: 1 and 2 are the first writes of each thread that writes the journal
  for (let when = 1; when <= 3; when++) {
    const path = join(dir, `killed-${when}.journal`);
    // an earlier run's journal: the child keeps all of its entries
    writeFileSync(path, Array.from({ length: count }, (_, i) => formatJournalLine(entry(i))).join(''));
    const r = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-P', path, '-e', 'trace=write', '-e', `inject=write:signal=KILL:when=${when}`, process.execPath, '--import', import.meta.resolve('tsx'), child, path, String(count)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) killed++;
    const kept = parseJournal(readFileSync(path, 'utf8')).length;
    if (kept !== count) lost.push(`killed at write ${when} (${r.signal ?? r.status}): ${kept} of ${count} entries left ${r.stderr}`);
  }
  assert.deepEqual(lost, []);
  assert.ok(killed > 0, 'strace killed no run: the test tested nothing');
});
