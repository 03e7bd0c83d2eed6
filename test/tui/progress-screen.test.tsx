import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { BalerError } from '../../src/errors.js';
import { renderApp } from './render-app.js';
import { KEY } from './keys.js';
import { CopyFailure } from '../../src/tui/tui-services.js';
import { FakeServices, blobEvent } from './fake-services.js';

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

  it('ctrl-c aborts the pipeline and says what the check found at the destination', async () => {
    const services = new FakeServices();
    services.aftermathOnCancel = { left: [], clean: 'nothing was left at images.tar' };
    const app = renderApp(services);
    const call = await startSave(app);
    call.emit(blobEvent('deb-base', 'copying', 25_000_000, 50_000_000));
    await app.waitFor('copying');
    await app.press(KEY.ctrlC);
    await app.waitFor('Cancelled — nothing was left at images.tar. (esc: back, q: quit)');
    assert.equal(call.signal.aborted, true);
    // the row that was moving no longer claims to move
    assert.match(app.frame(), /✗ layer +[0-9a-f]{12} +stopped +25 MB \/ 50 MB/);
    assert.doesNotMatch(app.frame(), /ETA|copying/);
    assert.equal(app.outcomes.length, 0, 'ctrl-c during a copy cancels, it does not quit');
    await app.press(KEY.escape);
    await app.waitFor('Images in store');
    await app.press('q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: true }]);
  });

  it('ctrl-c claims nothing about leftovers when nobody looked', async () => {
    const app = renderApp();
    await startSave(app);
    await app.press(KEY.ctrlC);
    await app.waitFor('Cancelled. (esc: back, q: quit)');
    assert.doesNotMatch(app.frame(), /left/i);
  });

  it('a pipeline error is shown with its message', async () => {
    const app = renderApp();
    const call = await startSave(app);
    call.reject(new BalerError('E_IO', '/tmp/images.tar: no space left on device'));
    await app.waitFor('✗ /tmp/images.tar: no space left on device. (esc: back, q: quit)');
    // the fake services did not look at the destination, so nothing is claimed about it
    assert.doesNotMatch(app.frame(), /left behind|nothing partial/);
    await app.press('q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
  });

  it('a failure says what was left at the destination, not that nothing was', async () => {
    const app = renderApp();
    const call = await startSave(app);
    const left = '2 verified blobs written so far stay in the store, used by no image (baler prune removes them)';
    call.reject(new CopyFailure(new BalerError('E_DIGEST_MISMATCH', 'x.tar: layer 1: digest mismatch'), { left: [left], clean: 'the store was left as it was' }));
    await app.waitFor(`✗ x.tar: layer 1: digest mismatch — left behind: ${left}. (esc: back, q: quit)`);
    assert.doesNotMatch(app.frame(), /nothing partial|left as it was/);
  });

  it('a source that cannot be read: the error, then what the check found where it would have written', async () => {
    const app = renderApp();
    const call = await startSave(app);
    call.reject(new CopyFailure(new BalerError('E_NOT_FOUND', '/media/usb/missing.tar: no such file or directory'), { left: [], clean: 'images.tar was left as it was' }));
    await app.waitFor('✗ /media/usb/missing.tar: no such file or directory — images.tar was left as it was. (esc: back, q: quit)');
    assert.doesNotMatch(app.frame(), /nothing partial/);
  });

  it("an error that already says nothing partial was left is not repeated, and is dropped when the check disagrees", async () => {
    const app = renderApp();
    const call = await startSave(app);
    call.reject(new CopyFailure(new BalerError('E_CANCELLED', 'interrupted; nothing partial was left behind'), { left: [], clean: 'nothing was left at images.tar' }));
    await app.waitFor('✗ interrupted; nothing partial was left behind. (esc: back, q: quit)');
    assert.equal(app.frame().split('nothing partial was left behind').length, 2, app.frame());
    assert.doesNotMatch(app.frame(), /nothing was left at/);

    const again = renderApp();
    const second = await startSave(again);
    second.reject(new CopyFailure(new BalerError('E_CANCELLED', 'interrupted; nothing partial was left behind'), { left: ['partial file /tmp/.images.tar.baler-tmp-1-aaaaaaaaaaaa'], clean: 'nothing was left at images.tar' }));
    await again.waitFor('✗ interrupted — left behind: partial file /tmp/.images.tar.baler-tmp-1-aaaaaaaaaaaa. (esc: back, q: quit)');
    assert.doesNotMatch(again.frame(), /nothing partial/);
  });

  it('an error that already names what was left does not get it twice, nor a contrary claim', async () => {
    const app = renderApp();
    const call = await startSave(app);
    const kept = 'registry 127.0.0.1:5000/app may keep an unfinished upload until the registry purges stale uploads';
    call.reject(new CopyFailure(new BalerError('E_IO', `push failed; ${kept}`), { left: [kept], clean: 'nothing was left at images.tar' }));
    await app.waitFor(`✗ push failed; ${kept}. (esc: back, q: quit)`);
    assert.equal(app.text().split(kept).length, 2, app.frame());
    assert.doesNotMatch(app.frame(), /nothing/);
  });

  it('notices of things done on the way are listed under a failure', async () => {
    const app = renderApp();
    const call = await startSave(app);
    const notice = 'removed 1 leftover temp file of an interrupted baler beside /tmp/images.tar (2.0 MB)';
    call.reject(new CopyFailure(new BalerError('E_IO', '/tmp/images.tar: no space left on device'), { left: [], clean: 'nothing was left at images.tar' }, [notice]));
    await app.waitFor(notice);
    assert.match(app.frame(), /✗ \/tmp\/images\.tar: no space left on device — nothing was left at images\.tar\./);
  });
});
