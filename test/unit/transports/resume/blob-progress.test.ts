/**
 * The journal's progress lines (how much of a large blob an interrupted save had written): they never
 * name bytes that are not on disk yet, a rerun keeps the named start of the blob only when it re-hashes
 * to what the line recorded, and a blob whose digest later failed is not resumed from again.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { vouchFor } from '../../../../src/io/hashing.js';
import { sha256Of } from '../../../../src/model/digest.js';
import { blobHeaderBytes, layoutHeadBytes, LayoutTarWriter } from '../../../../src/transports/layout-tar-writer.js';
import { PROGRESS_MIN_SIZE } from '../../../../src/transports/resume/progress-tap.js';
import { keepBlobPrefix, prefixPathFor } from '../../../../src/transports/resume/blob-prefix.js';
import { JournalFile } from '../../../../src/transports/resume/journal-file.js';
import { removeLeftoverPartial } from '../../../../src/transports/resume/resumable-output.js';
import { lastProgress, parseJournal, partialPathFor, type BlobProgress } from '../../../../src/transports/resume/save-journal.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
let dir = '';
before(async () => {
  dir = await tmp.make();
});
after(() => tmp.removeAll());

const blob = randomBytes(3 * 1024 * 1024);
const digest = sha256Of(blob);
const start = layoutHeadBytes().length;
const have = 2 * 1024 * 1024 + 17;
const progress: BlobProgress = { digest, size: blob.length, mediaType: 'application/octet-stream', start, have, sha256: createHash('sha256').update(blob.subarray(0, have)).digest('hex') };

test('a progress line is written only once its bytes are on disk, and parseJournal reads past it', async () => {
  const path = join(dir, 'j1');
  const journal = await JournalFile.create(path, []);
  const end = start + 512 + have;
  journal.progress(progress, end);
  journal.flush(end - 1);
  assert.equal(readFileSync(path, 'utf8'), '');
  journal.flush(end);
  await journal.close();
  const text = readFileSync(path, 'utf8');
  assert.deepEqual(lastProgress(text, parseJournal(text)), progress);
  // a complete entry after a progress line is still read
  const entry = { digest, size: blob.length, mediaType: 'x', start, end: start + 512 + blob.length + ((512 - (blob.length % 512)) % 512) };
  const withEntry = `${text}${JSON.stringify(entry)}\n`;
  assert.deepEqual(parseJournal(withEntry), [entry]);
  assert.equal(lastProgress(withEntry, parseJournal(withEntry)), undefined, 'the line of a blob since completed names nothing to resume');
});

test('forget() drops the progress lines of a blob whose digest failed', async () => {
  const path = join(dir, 'j2');
  const journal = await JournalFile.create(path, []);
  journal.progress(progress, 0);
  journal.flush(10);
  assert.notEqual(readFileSync(path, 'utf8'), '');
  await journal.forget(digest);
  journal.progress({ ...progress, have: have + 1 }, 0);
  journal.flush(10);
  await journal.close();
  assert.equal(readFileSync(path, 'utf8'), '');
});

async function partialWith(output: string, data: Buffer): Promise<{ reader: import('node:fs/promises').FileHandle; size: number; what: string }> {
  writeFileSync(partialPathFor(output), Buffer.concat([layoutHeadBytes(), blobHeaderBytes(digest, blob.length), data]));
  const reader = await open(partialPathFor(output), 'r');
  return { reader, size: (await reader.stat()).size, what: partialPathFor(output) };
}

test('a rerun keeps the start of the blob when it re-hashes to the progress line, and drops it when one byte differs', async () => {
  const output = join(dir, 'out.tar');
  const good = await partialWith(output, blob.subarray(0, have + 1000));
  const kept = await keepBlobPrefix(good, progress, 0, output);
  await good.reader.close();
  assert.ok(kept && 'kept' in kept, JSON.stringify(kept));
  assert.equal(kept.kept.have, have);
  const chunks: Buffer[] = [];
  for await (const c of kept.kept.open()) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(blob.subarray(0, have)));

  const damaged = Buffer.from(blob.subarray(0, have));
  damaged[have - 1] = (damaged[have - 1] as number) ^ 1;
  const bad = await partialWith(output, damaged);
  const dropped = await keepBlobPrefix(bad, progress, 0, output);
  await bad.reader.close();
  assert.ok(dropped && 'dropped' in dropped);
  assert.equal(dropped.dropped, `the ${have} bytes an interrupted run wrote of ${digest} do not hash to what the journal recorded`);
  assert.equal(existsSync(prefixPathFor(output)), false, 'nothing kept from a damaged start');

  const short = await partialWith(output, blob.subarray(0, have - 1));
  const cut = await keepBlobPrefix(short, progress, 0, output);
  await short.reader.close();
  assert.ok(cut && 'dropped' in cut && /are not all in/.test(cut.dropped));
});

test('a plain rerun (no --resume) removes a kept blob start with the partial', async () => {
  const output = join(dir, 'plain.tar');
  writeFileSync(partialPathFor(output), 'x');
  writeFileSync(prefixPathFor(output), 'y');
  await removeLeftoverPartial(output);
  assert.equal(existsSync(partialPathFor(output)), false);
  assert.equal(existsSync(prefixPathFor(output)), false);
});

test('a large blob whose source stream is destroyed short of its end fails the save instead of leaving it waiting', async () => {
  const big = randomBytes(PROGRESS_MIN_SIZE + 1024 * 1024);
  const lines: BlobProgress[] = [];
  const journal = { kept: [], offset: 0, record: () => undefined, progress: (p: BlobProgress) => void lines.push(p) };
  const writer = new LayoutTarWriter(new Writable({ write: (_c, _e, cb) => cb() }), 'out.tar', journal);
  // a source that sends 1 MiB, then goes away without an error (a connection torn down, a stream closed);
  // vouched for, as the pipeline's verified streams are, so the writer pipes it into the tar directly
  const body = vouchFor(new Readable({ read() {} }), sha256Of(big), big.length);
  body.push(big.subarray(0, 1024 * 1024));
  setTimeout(() => body.destroy(), 50);
  const put = writer.putBlob(body, { mediaType: 'application/octet-stream', digest: sha256Of(big), size: big.length });
  const outcome = await Promise.race([put.then(() => 'written', (err: Error) => `failed: ${err.message}`), sleep(5000).then(() => 'still waiting after 5 s')]);
  assert.match(outcome, /^failed: /);
});
