import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { BalerError } from '../../src/errors.js';
import { renderApp } from './render-app.js';
import { KEY } from './keys.js';
import { blobEvent } from './fake-services.js';

afterEach(() => cleanup());

async function startSave(app: ReturnType<typeof renderApp>) {
  await app.openStore();
  await app.press(KEY.down, KEY.down, KEY.space, KEY.down, KEY.space, KEY.enter);
  await app.waitFor('Action for 2 images');
  await app.press('s');
  await app.waitFor('ctrl-c cancels');
  const call = app.services.copies[0]!;
  call.emit({ kind: 'plan', images: [], totalBytes: 57_001_000, sharedBytes: 50_000_000, blobs: 3 });
  return call;
}

describe('Progress and Done screens', () => {
  it('shows one row per blob with state and bytes, finished rows once, and the overall bar', async () => {
    const app = renderApp();
    const call = await startSave(app);
    call.emit(blobEvent('deb-base', 'copying', 25_000_000, 50_000_000));
    call.emit(blobEvent('app1', 'queued', 0, 3_000_000));
    await app.waitFor('copying');
    assert.match(app.frame(), /↻ layer +[0-9a-f]{12} +copying +25 MB \/ 50 MB/);
    assert.match(app.frame(), /1 queued/);
    assert.match(app.frame(), /blobs 0\/3/);
    call.emit(blobEvent('deb-base', 'verified', 50_000_000, 50_000_000));
    call.emit(blobEvent('app1', 'skipped-present', 0, 3_000_000));
    await app.waitFor('blobs 2/3');
    const f = app.frame();
    assert.match(f, /✓ layer +[0-9a-f]{12} +verified +50 MB \/ 50 MB/);
    assert.match(f, /= layer +[0-9a-f]{12} +skipped-present +3\.0 MB \/ 3\.0 MB/);
    assert.match(f, /█+░* +92% 53 MB \/ 57 MB/);
    // <Static> prints each finished row exactly once.
    assert.equal(f.split('\n').filter((l) => l.includes('verified')).length, 1);
  });

  it('the Done screen sums up and shows the equivalent command; quitting returns it', async () => {
    const app = renderApp();
    const call = await startSave(app);
    call.resolve({ images: 2, bytesRead: 57_000_000, bytesWritten: 57_010_000, blobsCopied: 5, blobsSkipped: 0, durationMs: 2000, location: '/tmp/images.tar', warnings: [], archiveSha256: 'ab'.repeat(32) });
    await app.waitFor('✓ Done');
    const f = app.frame();
    assert.match(f, /Images +2/);
    assert.match(f, /Written +57 MB \(5 blobs copied, 0 already there\)/);
    assert.match(f, /Dedupe saved +50 MB/);
    assert.match(f, /Time +2s/);
    assert.match(f, /Throughput +29 MB\/s/);
    assert.match(f, /Output +\/tmp\/images\.tar/);
    assert.match(f, new RegExp(`sha256 +${'ab'.repeat(32)}`));
    assert.match(f, /baler save -o images\.tar myorg\/app:1 myorg\/app:2/);
    await app.press('q');
    assert.deepEqual(app.outcomes, [{ commands: ['baler save -o images.tar myorg/app:1 myorg/app:2'], interrupted: false }]);
  });

  it('ctrl-c aborts the pipeline and says nothing partial was left', async () => {
    const app = renderApp();
    const call = await startSave(app);
    await app.press(KEY.ctrlC);
    await app.waitFor('Nothing partial was left behind');
    assert.equal(call.signal.aborted, true);
    assert.equal(app.outcomes.length, 0, 'ctrl-c during a copy cancels, it does not quit');
    await app.press(KEY.escape);
    await app.waitFor('Images in store');
    await app.press('q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: true }]);
  });

  it('a pipeline error is shown with its message', async () => {
    const app = renderApp();
    const call = await startSave(app);
    call.reject(new BalerError('E_IO', '/tmp/images.tar: no space left on device'));
    await app.waitFor('✗ /tmp/images.tar: no space left on device');
    await app.press('q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
  });
});
