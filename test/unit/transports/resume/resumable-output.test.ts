/**
 * openResumableOutput's failure paths leave nothing open: when the journal cannot be created (here a
 * directory stands at its path) the call fails naming the file, the partial file written by an earlier
 * run is kept as it was, its writer is closed (no fd left open in this process) and the lock is released.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openResumableOutput } from '../../../../src/transports/resume/resumable-output.js';
import { journalPathFor, partialPathFor } from '../../../../src/transports/resume/save-journal.js';
import { lockPathFor } from '../../../../src/transports/resume/partial-lock.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
let dir = '';
before(async () => {
  dir = await tmp.make();
});
after(() => tmp.removeAll());

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('a journal that cannot be created fails the open, keeps the partial and leaves no fd or lock behind', async () => {
  const output = join(dir, 'out.tar');
  const kept = Buffer.alloc(3000, 7);
  writeFileSync(partialPathFor(output), kept);
  mkdirSync(journalPathFor(output));
  const before = openFds();
  await assert.rejects(openResumableOutput(output, { compression: 'none' }), (err: Error) => {
    assert.match(err.message, /out\.tar/);
    return true;
  });
  assert.equal(openFds(), before);
  assert.equal(existsSync(lockPathFor(output)), false);
  // nothing was verified as kept (no journal), so nothing was appended; the bytes on disk are what was there or fewer
  const left = existsSync(partialPathFor(output)) ? readFileSync(partialPathFor(output)) : Buffer.alloc(0);
  assert.ok(kept.subarray(0, left.length).equals(left));
  assert.equal(existsSync(output), false);
});
