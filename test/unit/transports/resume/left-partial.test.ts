/**
 * What an interrupted save --resume left, as the CLI reports it before re-verifying: the partial's size
 * (one file or the parts of a split save), the complete blobs its journal names, and the blob it was
 * cutting short. The journal is read as the rerun reads it: a torn line ends it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sha256Of } from '../../../../src/model/digest.js';
import { foreignPartial, leftPartial } from '../../../../src/transports/resume/left-partial.js';
import { formatJournalLine, formatProgressLine, journalPathFor, partialPathFor, type JournalEntry } from '../../../../src/transports/resume/save-journal.js';
import { partialPartPath } from '../../../../src/transports/split/partial-parts.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
let dir = '';
before(async () => {
  dir = await tmp.make();
});
after(() => tmp.removeAll());

const first: JournalEntry = { digest: sha256Of(Buffer.from('a')), size: 1, mediaType: 'application/octet-stream', start: 1024, end: 2048 };
const second: JournalEntry = { digest: sha256Of(Buffer.from('b')), size: 1, mediaType: 'application/octet-stream', start: 2048, end: 3072 };
const big = randomBytes(64);
const cut = { digest: sha256Of(big), size: 6_000_000, mediaType: 'application/octet-stream', start: 3072, have: 4_194_304, sha256: createHash('sha256').update(big).digest('hex') };

test('nothing left: no summary and no kept shape', async () => {
  const out = join(dir, 'none.tar');
  assert.equal(await leftPartial(out, 'file'), undefined);
  assert.equal(await foreignPartial(out, 'file'), undefined);
  await writeFile(partialPathFor(out), '');
  assert.equal(await leftPartial(out, 'file'), undefined, 'an empty partial has nothing to continue');
});

test('one partial file: its size, the journaled blobs and the blob cut short', async () => {
  const out = join(dir, 'one.tar');
  await writeFile(partialPathFor(out), Buffer.alloc(5000));
  await writeFile(journalPathFor(out), formatJournalLine(first) + formatJournalLine(second) + formatProgressLine(cut));
  assert.deepEqual(await leftPartial(out, 'file'), { partialBytes: 5000, parts: 0, keptBlobs: 2, cutShort: { digest: cut.digest, size: cut.size, have: cut.have } });
  assert.equal(await foreignPartial(out, 'file'), undefined, 'a partial file is of the file shape');
  // a split run does not continue it (it removes it): nothing of its shape is left
  assert.equal(await leftPartial(out, 'parts'), undefined);
});

test('a torn journal line ends what it names; no journal names nothing', async () => {
  const out = join(dir, 'torn.tar');
  await writeFile(partialPathFor(out), Buffer.alloc(100));
  await writeFile(journalPathFor(out), formatJournalLine(first) + formatJournalLine(second).slice(0, 20));
  assert.deepEqual(await leftPartial(out, 'file'), { partialBytes: 100, parts: 0, keptBlobs: 1 });
  const bare = join(dir, 'bare.tar');
  await writeFile(partialPathFor(bare), Buffer.alloc(7));
  assert.deepEqual(await leftPartial(bare, 'file'), { partialBytes: 7, parts: 0, keptBlobs: 0 });
});

test('a split save: the parts up to the first gap, summed', async () => {
  const out = join(dir, 'split.tar');
  await writeFile(partialPartPath(out, 1), Buffer.alloc(300));
  await writeFile(partialPartPath(out, 2), Buffer.alloc(120));
  await writeFile(partialPartPath(out, 4), Buffer.alloc(999)); // after a gap: not part of what is continued
  await writeFile(journalPathFor(out), formatJournalLine(first));
  assert.deepEqual(await leftPartial(out, 'parts'), { partialBytes: 420, parts: 2, keptBlobs: 1 });
  assert.equal(await leftPartial(out, 'file'), undefined, 'a run without --split does not continue parts');
});

test('a directory at FILE.baler-partial (an oci-dir save\'s partial) holds no partial bytes and is of the other shape', async () => {
  const out = join(dir, 'dir.tar');
  await mkdir(join(partialPathFor(out), 'blobs'), { recursive: true });
  await writeFile(journalPathFor(out), formatJournalLine(first));
  assert.equal(await leftPartial(out, 'file'), undefined);
  assert.deepEqual(await foreignPartial(out, 'file'), { path: partialPathFor(out), is: 'a directory' });
  assert.equal(await foreignPartial(out, 'oci-dir'), undefined, 'for an oci-dir save it is the partial directory');
  const file = join(dir, 'layout');
  await writeFile(partialPathFor(file), 'x');
  assert.deepEqual(await foreignPartial(file, 'oci-dir'), { path: partialPathFor(file), is: 'a file' });
});
