/**
 * An export whose signal fired while its tar was being produced ends with the signal's own error, and
 * publishes nothing: a producer that stopped early without failing wrote a short tar, which must not
 * appear at -o although the run then says nothing partial was left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, type PathLike } from 'node:fs';
import fsPromises, { readdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { errorText } from '../../../src/cli/render/error-text.js';
import { BalerError } from '../../../src/errors.js';
import { writeTarOutput } from '../../../src/pipeline/export.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';

const tmp = new TempDirs();
let dir = '';
before(async () => {
  dir = await tmp.make('baler-export-interrupt-');
});
after(() => tmp.removeAll());

/** A producer that notices the interrupt only by ending early: a complete-looking, shorter tar. */
function stopsEarlyOn(controller: AbortController, reason: BalerError) {
  return async (tar: NodeJS.WritableStream): Promise<void> => {
    tar.write(writeTar([{ name: 'etc/first', data: 'one' }]).subarray(0, 1024));
    controller.abort(reason);
    tar.end();
  };
}

test('interrupted while writing -o FILE: the signal\'s error, and no file at FILE', async () => {
  const controller = new AbortController();
  const reason = new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'nothing' } });
  const path = join(dir, 'rootfs.tar');
  await assert.rejects(
    writeTarOutput({ to: { kind: 'file', path }, compression: 'none', signal: controller.signal }, stopsEarlyOn(controller, reason)),
    (err: unknown) => err instanceof BalerError && errorText(err) === 'interrupted; nothing partial was left behind',
  );
  assert.equal(existsSync(path), false, 'a short tar was published at -o');
  assert.deepEqual(await readdir(dir), [], 'no temp file left either');
});

test('to a stream: a reader gone from stdout ends the export with that error, not as an interrupt', async () => {
  const controller = new AbortController();
  const reason = new BalerError('E_IO', 'stdout: broken pipe');
  const out = new PassThrough();
  out.resume();
  await assert.rejects(
    writeTarOutput({ to: { kind: 'stream', stream: out, what: 'stdout' }, compression: 'none', signal: controller.signal }, stopsEarlyOn(controller, reason)),
    (err: unknown) => err === reason,
  );
});

test('a signal that comes while -o FILE is being published does not call a finished export interrupted', async () => {
  const controller = new AbortController();
  const path = join(dir, 'published.tar');
  const block = Buffer.alloc(1 << 20);
  // aborts right after the commit's rename puts the file under its name (fs/promises' rename, wrapped
  // for this test and put back after): the signal then comes during the publishing, every time
  const realRename = fsPromises.rename;
  fsPromises.rename = async (from: PathLike, to: PathLike): Promise<void> => {
    await realRename(from, to);
    if (to === path) controller.abort(new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'nothing' } }));
  };
  syncBuiltinESMExports();
  try {
    const out = await writeTarOutput({ to: { kind: 'file', path }, compression: 'none', signal: controller.signal }, async (tar: NodeJS.WritableStream) => {
      for (let i = 0; i < 64; i++) if (!tar.write(block)) await new Promise((r) => tar.once('drain', r));
      tar.end();
    });
    assert.equal(out.bytesWritten, 64 * block.length);
  } finally {
    fsPromises.rename = realRename;
    syncBuiltinESMExports();
  }
  // the signal came after the rename, or the case above was not what ran
  assert.ok(controller.signal.aborted, 'the signal came during the commit');
  assert.equal(statSync(path).size, 64 * block.length, 'the whole tar is at -o');
});
