/**
 * What the TUI's real services (src/tui/services.ts) lease when they read the store: listing its images
 * (and an inventory) reads manifests and configs only and leases nothing, so a refresh writes nothing and
 * never waits for a prune holding the store's lock; the layer browser reads one image's layers and leases
 * that image only. A "prune" here is this test holding the store's lock.
 */
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseImageName } from '../../src/model/image-name.js';
import { takeInventory } from '../../src/pipeline/inventory.js';
import { blobsDir } from '../../src/store/layout.js';
import { withLayoutLock } from '../../src/store/lock.js';
import { openStore } from '../../src/store/store.js';
import { storeRef } from '../../src/transports/store/transport.js';
import { createTuiServices } from '../../src/tui/services.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { putImage, testImage } from '../unit/store/fixture-images.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

async function storeOfTwo(): Promise<{ dir: string; path: string }> {
  const dir = await tmp.make('baler-tui-lease-');
  const path = join(dir, 'store');
  const store = await openStore(path);
  const w = store.writer();
  await putImage(w, testImage(0), parseImageName('imga:1'));
  await putImage(w, testImage(1), parseImageName('imgb:1'));
  await w.commit();
  return { dir, path };
}

/** Names of lease files made in the store's blobs/sha256 while `fn` runs. */
async function leasesMadeDuring<T>(path: string, fn: () => Promise<T>): Promise<{ result: T; leases: string[] }> {
  const leases: string[] = [];
  const watcher = watch(blobsDir(path), (_event, name) => {
    if (name?.endsWith('.lease')) leases.push(name);
  });
  try {
    const result = await fn();
    await sleep(50); // events of the last writes
    return { result, leases };
  } finally {
    watcher.close();
  }
}

/** `read` must be done within `ms` although the store's lock is held all along. */
async function doneWhileLocked<T>(path: string, ms: number, read: () => Promise<T>): Promise<T> {
  let reading: Promise<T> | undefined;
  await withLayoutLock(path, async () => {
    reading = read();
    reading.catch(() => undefined);
    const first = await Promise.race([reading.then(() => 'done'), sleep(ms).then(() => 'still waiting')]);
    assert.equal(first, 'done', `it waited for the lock (over ${ms}ms)`);
  });
  assert.ok(reading);
  return reading;
}

describe('the TUI reading the store', () => {
  it('lists its images without a lease: nothing is written, and a prune holding the lock does not hold the list up', async () => {
    const { dir, path } = await storeOfTwo();
    const services = createTuiServices({ storePath: path, cwd: dir, env: {} });
    const plain = await leasesMadeDuring(path, () => services.listImages({ kind: 'store' }));
    assert.deepEqual(plain.result.map((r) => r.names).sort(), [['imga:1'], ['imgb:1']]);
    assert.deepEqual(plain.leases, [], 'no lease file was made for a listing');

    const locked = await leasesMadeDuring(path, () => doneWhileLocked(path, 1000, () => services.listImages({ kind: 'store' })));
    assert.equal(locked.result.length, 2);
    assert.deepEqual(locked.leases, []);
    // an inventory walks the same manifests and configs
    const inventory = await leasesMadeDuring(path, () => doneWhileLocked(path, 1000, () => takeInventory(storeRef(path))));
    assert.equal(inventory.result.images.length, 2);
    assert.deepEqual(inventory.leases, []);
    assert.deepEqual((await readdir(blobsDir(path))).filter((n) => n.endsWith('.lease')), []);
  });

  it('browses the layers of one image holding a lease on that image only', async () => {
    const { dir, path } = await storeOfTwo();
    const services = createTuiServices({ storePath: path, cwd: dir, env: {} });
    const rows = await services.listImages({ kind: 'store' });
    const a = rows.find((r) => r.names.includes('imga:1'));
    assert.ok(a);
    const [imageA, imageB] = [testImage(0), testImage(1)];
    let browsing: ReturnType<typeof services.listLayers> | undefined;
    let leased = '';
    // the lock held makes the browser wait with its lease written, so the test can read it
    await withLayoutLock(path, async () => {
      browsing = services.listLayers({ kind: 'store' }, a);
      browsing.catch(() => undefined);
      for (let waited = 0; !leased.includes('\n'); waited += 20) {
        assert.ok(waited < 30_000, 'the layer browser wrote no lease');
        await sleep(20);
        const lease = (await readdir(blobsDir(path))).find((n) => n.endsWith('.lease'));
        if (lease) leased = await readFile(join(blobsDir(path), lease), 'utf8').catch(() => '');
      }
    });
    assert.ok(browsing);
    const layers = await browsing;
    assert.equal(layers.length, imageA.layers.length);
    const held = leased.split('\n').filter(Boolean).sort();
    assert.deepEqual(held, [imageA.manifest.descriptor.digest, imageA.config.descriptor.digest, ...imageA.layers.map((l) => l.descriptor.digest)].sort());
    assert.ok(!held.includes(imageB.config.descriptor.digest), 'the other image is not leased');
  });
});
