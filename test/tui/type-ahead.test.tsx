/**
 * While the image list loads, q and ctrl-c quit at once and esc goes back to Source at once (stopping
 * the listing); every other key waits for the list and then applies in the order typed. The screen
 * says how many keys wait.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { ImageRow, SourceSpec } from '../../src/tui/tui-services.js';
import { FakeServices } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp } from './render-app.js';

afterEach(() => cleanup());

/** Lists only when the test says so; fails then when `failure` is set. */
class SlowListing extends FakeServices {
  signals: Array<AbortSignal | undefined> = [];
  failure: Error | undefined;
  private release: (() => void) | undefined;
  private readonly gate = new Promise<void>((r) => (this.release = r));

  override async listImages(source: SourceSpec, signal?: AbortSignal): Promise<ImageRow[]> {
    this.signals.push(signal);
    await this.gate;
    if (this.failure) throw this.failure;
    return super.listImages(source);
  }

  finishListing(): void {
    this.release?.();
  }
}

async function openStoreSlowly() {
  const services = new SlowListing();
  const app = renderApp(services);
  await app.waitFor('Embedded store');
  await app.press(KEY.enter);
  await app.waitFor('Reading images…');
  return { app, services };
}

describe('keys typed while the image list loads', () => {
  it('moving, selecting and enter typed ahead apply once the list is there', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press(KEY.down, KEY.down, KEY.space, KEY.enter);
    assert.match(app.frame(), /Reading images…/);
    services.finishListing();
    await app.waitFor('Action for 1 image: myorg/app:1');
  });

  it('j/k typed in one burst (a paste, a script) apply too', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press('jjjk ');
    services.finishListing();
    await app.waitFor('1 selected');
    assert.match(app.frame(), /› \[x\] +myorg\/app:1/);
  });

  it('a filter typed ahead narrows the list, and the moves after it act on the filtered rows', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press('/', ...'app', KEY.enter, KEY.down, KEY.space, KEY.enter);
    assert.match(app.frame(), /Reading images…/);
    services.finishListing();
    await app.waitFor('Action for 1 image: myorg/app:2');
  });

  it('help typed ahead opens after the keys before it acted, and the list is as they left it', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press(KEY.down, KEY.space, '?');
    assert.match(app.frame(), /Reading images…/, 'help waits its turn behind ↓ and space');
    services.finishListing();
    await app.waitFor('this help');
    await app.press('?');
    await app.waitFor('1 selected');
    assert.match(app.frame(), /› \[x\] +debian:11/);
  });

  it('select-all typed before a filter selects every image, not only the filtered ones', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press('a', '/', ...'myorg', KEY.enter);
    services.finishListing();
    await app.waitFor('5 selected');
    assert.match(app.frame(), /2 of 5 shown · 5 selected/);
  });

  it('q typed into a filter typed ahead is a letter of it, and esc closes that filter, as once the list is there', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press('/', ...'quay', KEY.escape);
    assert.deepEqual(app.outcomes, [], 'q in /quay did not quit');
    assert.equal(services.signals[0]?.aborted, false, 'esc closing the filter did not stop the listing');
    await app.press('/', ...'myorg', KEY.enter, 'q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }], 'q after the filter was closed quits at once');
  });

  it('q quits at once even after ? typed ahead, whose help has not opened yet', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press('?', 'q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
    assert.equal(services.signals[0]?.aborted, true);
  });

  it('esc goes back at once even after ? or a kept filter typed ahead, which have not acted yet', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press('?', KEY.escape);
    await app.waitFor('Choose a source');
    assert.equal(services.signals[0]?.aborted, true);
    await app.press(KEY.enter);
    await app.waitFor('Reading images…');
    await app.press('/', ...'alp', KEY.enter, KEY.escape);
    await app.waitFor('Choose a source');
    assert.equal(services.signals[1]?.aborted, true);
    services.finishListing();
    await new Promise((r) => setTimeout(r, 100));
    assert.match(app.frame(), /Choose a source/);
    assert.doesNotMatch(app.frame(), /this help|alp/);
  });

  it('the Images screen says how many keys wait for the list', async () => {
    const { app, services } = await openStoreSlowly();
    assert.doesNotMatch(app.frame(), /typed ahead/);
    await app.press(KEY.down);
    await app.waitFor('1 key typed ahead; it applies once the list is read');
    await app.press(KEY.space, '?');
    await app.waitFor('3 keys typed ahead; they apply once the list is read');
    services.finishListing();
    await app.waitFor('this help');
    assert.doesNotMatch(app.frame(), /typed ahead/);
  });

  it('2000 keys pasted while it loads are all queued, then replayed in order', async () => {
    const { app, services } = await openStoreSlowly();
    app.stdin.write(`${'jk'.repeat(998)}jjk `);
    await app.waitFor('2000 keys typed ahead');
    services.finishListing();
    await app.waitFor('1 selected');
    assert.match(app.frame(), /› \[x\] +debian:11/);
  });

  it('q quits at once, without waiting for the list, and stops the listing', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press(KEY.down, 'q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
    assert.equal(services.signals[0]?.aborted, true);
  });

  it('ctrl-c quits at once too', async () => {
    const { app } = await openStoreSlowly();
    await app.press(KEY.space, KEY.ctrlC);
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
  });

  it('esc goes back to Source at once, stops the listing, and drops what was typed ahead', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press(KEY.down, KEY.space, KEY.escape);
    await app.waitFor('Choose a source');
    assert.equal(services.signals[0]?.aborted, true, 'a compressed archive would go on spooling to the temp dir');
    services.finishListing();
    await new Promise((r) => setTimeout(r, 100));
    // replayed here, ↓ and space would move to the path choice and open its input
    assert.match(app.frame(), /› Embedded store/);
    assert.doesNotMatch(app.frame(), /Path:/);
  });

  it('a listing left with esc that fails later changes nothing', async () => {
    const { app, services } = await openStoreSlowly();
    services.failure = new Error('gzip: unexpected end of file');
    await app.press(KEY.escape);
    await app.waitFor('Choose a source');
    services.finishListing();
    await new Promise((r) => setTimeout(r, 100));
    assert.doesNotMatch(app.frame(), /unexpected end of file/);
    assert.match(app.frame(), /› Embedded store/);
    // and choosing a source again lists it afresh
    services.failure = undefined;
    await app.press(KEY.enter);
    await app.waitFor('debian:12');
  });
});
