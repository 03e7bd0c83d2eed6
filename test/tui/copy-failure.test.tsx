/**
 * What the Progress screen says when a copy fails, over the real services and pipeline: a store made
 * by `baler load -i` of a fixture, then damaged or given a bad destination. The line names the error
 * and then only what was found on disk afterwards, and the disk agrees with it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { createTuiServices } from '../../src/tui/services.js';
import { balerInProcessOk } from '../helpers/cli-in-process.js';
import { fixture } from '../helpers/paths.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { KEY } from './keys.js';
import { renderWith } from './render-app.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
afterEach(() => cleanup());

/** A store loaded from the fixture, then with its largest layer blob (the shared base) damaged by one byte. */
async function damagedStore(dir: string): Promise<string> {
  const store = join(dir, 'store');
  await balerInProcessOk(['load', '-i', fixture('docker20-multi.tar'), '--store', store], dir);
  const blobs = join(store, 'blobs', 'sha256');
  const largest = readdirSync(blobs)
    .map((n) => ({ path: join(blobs, n), size: statSync(join(blobs, n)).size }))
    .sort((a, b) => b.size - a.size)[0];
  assert.ok(largest && largest.size > 100_000, 'the fixture has a base layer');
  const bytes = readFileSync(largest.path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(largest.path, bytes);
  return store;
}

/** The TUI over the real services: store source, the image under the cursor, its Action screen. */
async function actionFor(dir: string, store: string) {
  const app = renderWith(createTuiServices({ storePath: store, cwd: dir, env: {} }));
  await app.waitFor('Embedded store');
  await app.press(KEY.enter);
  await app.waitFor('bbbase:1');
  await app.press(KEY.enter);
  await app.waitFor('Action for 1 image: bbbase:1');
  return app;
}

/** A copy of a docker-archive fixture with one byte of its largest layer.tar flipped (headers walked by hand). */
function damagedArchive(from: string, to: string): void {
  const bytes = readFileSync(from);
  let largest = { at: 0, size: 0 };
  for (let off = 0; off + 512 <= bytes.length; ) {
    const name = bytes.toString('utf8', off, off + 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(bytes.toString('ascii', off + 124, off + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (name.endsWith('/layer.tar') && size > largest.size) largest = { at: off + 512, size };
    off += 512 + Math.ceil(size / 512) * 512;
  }
  assert.ok(largest.size > 100_000, 'the fixture has a base layer');
  const at = largest.at + Math.floor(largest.size / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(to, bytes);
}

function namesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

describe('a failed load, as the Progress screen tells it', () => {
  it('says what it found in the store afterwards, and the store agrees', async () => {
    const dir = await tmp.make('baler-tui-load-fail-');
    const store = join(dir, 'store');
    await balerInProcessOk(['load', '-i', fixture('skopeo-gzip.oci-archive.tar'), '--store', store], dir);
    damagedArchive(fixture('docker20-multi.tar'), join(dir, 'bad.tar'));
    const blobsBefore = namesIn(join(store, 'blobs', 'sha256'));
    const indexBefore = readFileSync(join(store, 'index.json'), 'utf8');
    const app = renderWith(createTuiServices({ storePath: store, cwd: dir, env: {} }));
    await app.waitFor('Embedded store');
    await app.press(KEY.down, KEY.enter, ...'bad.tar', KEY.enter);
    await app.waitFor('Images in bad.tar');
    await app.waitFor('bbbase:1');
    await app.press(KEY.enter);
    await app.waitFor('‹load into the store›');
    await app.press('s');
    await app.waitFor(/✗ [^\n]*digest mismatch/);
    await app.waitFor('(esc: back, q: quit)');
    assert.equal(readFileSync(join(store, 'index.json'), 'utf8'), indexBefore);
    const added = namesIn(join(store, 'blobs', 'sha256')).filter((n) => !blobsBefore.includes(n));
    // a plain load takes back the blobs it wrote (store/discard.ts), and the line says the store is as it was
    assert.deepEqual(added, []);
    assert.match(app.text(), / — the store was left as it was\. \(esc: back, q: quit\)/);
    assert.doesNotMatch(app.text(), /nothing partial/);
  });
});

describe('a failed copy, as the Progress screen tells it', () => {
  let dir = '';
  let store = '';
  before(async () => {
    dir = await tmp.make('baler-tui-fail-');
    store = await damagedStore(dir);
  });

  it('an output in a missing directory: the error, and that nothing was left there', async () => {
    const app = await actionFor(dir, store);
    await app.press('j', 'j', 'j', 'j', KEY.enter, ...Array(20).fill(KEY.backspace), ...'nodir/x.tar', KEY.enter, 's');
    await app.waitFor(`✗ ${join(dir, 'nodir')}: no such file or directory — nothing was left at nodir/x.tar. (esc: back, q: quit)`);
    // it stopped before planning anything: no empty progress bar
    assert.doesNotMatch(app.frame(), /0 B \/ 0 B|blobs 0\/0/);
    assert.equal(existsSync(join(dir, 'nodir')), false);
  });

  it('a save over an existing archive that fails mid-copy leaves that archive as it was, and says so', async () => {
    const before = namesIn(dir);
    writeFileSync(join(dir, 'bbbase_1.tar'), 'the archive from yesterday');
    const app = await actionFor(dir, store);
    await app.press('s');
    await app.waitFor(/✗ [^\n]*digest mismatch/);
    await app.waitFor('— bbbase_1.tar was left as it was. (esc: back, q: quit)');
    assert.doesNotMatch(app.text(), /nothing partial/);
    assert.equal(readFileSync(join(dir, 'bbbase_1.tar'), 'utf8'), 'the archive from yesterday');
    assert.deepEqual(namesIn(dir), [...before, 'bbbase_1.tar'].sort(), 'no temp file beside it');
  });

  it('a save to a new OCI directory that fails removes the directory, and says nothing was left', async () => {
    const app = await actionFor(dir, store);
    await app.press(KEY.right);
    await app.waitFor('Directory    bbbase_1-oci');
    await app.press('s');
    await app.waitFor(/✗ [^\n]*digest mismatch/);
    await app.waitFor('— nothing was left at bbbase_1-oci. (esc: back, q: quit)');
    assert.equal(existsSync(join(dir, 'bbbase_1-oci')), false);
  });

  it('an export that fails says nothing was left at its output, and none was', async () => {
    const before = namesIn(dir);
    const app = await actionFor(dir, store);
    await app.press(KEY.right, KEY.right);
    await app.waitFor('Output file  bbbase_1-rootfs.tar');
    await app.press('s');
    await app.waitFor(/✗ [^\n]*digest mismatch/);
    await app.waitFor('— nothing was left at bbbase_1-rootfs.tar. (esc: back, q: quit)');
    assert.deepEqual(namesIn(dir), before);
  });
});
