/**
 * A save reading the store while a prune holds the store's lock: the save's read lease waits for the
 * prune (store/lease.ts waitForRemovers) and says so on stderr after a second, then finishes once the
 * prune is done. The "prune" is this test holding the lock, so the wait is as long as the test makes it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseImageName } from '../../../src/model/image-name.js';
import { blobsDir, lockPath } from '../../../src/store/layout.js';
import { withLayoutLock } from '../../../src/store/lock.js';
import { openStore } from '../../../src/store/store.js';
import { describeRun, runBaler } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { putImage, testImage } from './fixture-images.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

async function leaseFiles(store: string): Promise<string[]> {
  return (await readdir(blobsDir(store))).filter((n) => n.endsWith('.lease'));
}

/** A new store holding one small image, imga:1. */
async function storeWithImage(): Promise<{ work: string; path: string }> {
  const work = await tmp.make('baler-busy-read-');
  const path = join(work, 'store');
  const w = (await openStore(path)).writer();
  await putImage(w, testImage(), parseImageName('imga:1'));
  await w.commit();
  return { work, path };
}

test('a save that has to wait for a prune holding the store lock says so once, and finishes when it is done', async () => {
  const { work, path } = await storeWithImage();
  const out = join(work, 'saved.tar');
  const args = ['save', '--store', path, '-o', out, 'imga:1'];
  let saving: ReturnType<typeof runBaler> | undefined;
  await withLayoutLock(path, async () => {
    saving = runBaler(args);
    // the save has written its lease and now waits for the lock; it says so after a second
    for (let waited = 0; (await leaseFiles(path)).length === 0; waited += 20) {
      assert.ok(waited < 30_000, 'the save wrote no lease');
      await sleep(20);
    }
    await sleep(1600);
  });
  assert.ok(saving);
  const r = await saving;
  assert.equal(r.code, 0, describeRun(args, r));
  const waiting = r.stderr.split('\n').filter((line) => line.includes('waiting for another baler'));
  assert.equal(waiting.length, 1, `one waiting line on stderr: ${r.stderr}`);
  assert.ok(waiting[0]?.includes(lockPath(path)), waiting[0]);
  assert.ok(existsSync(out));
  assert.deepEqual(await leaseFiles(path), [], 'the lease went with the save');
});

test('a save that does not wait says nothing about waiting', async () => {
  const { work, path } = await storeWithImage();
  const args = ['save', '--store', path, '-o', join(work, 'saved.tar'), 'imga:1'];
  const r = await runBaler(args);
  assert.equal(r.code, 0, describeRun(args, r));
  assert.doesNotMatch(r.stderr, /waiting|warning/);
});
