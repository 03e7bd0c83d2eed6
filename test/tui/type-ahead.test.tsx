/**
 * Keys typed while the image list loads: those that act on the list wait for it and then apply in order;
 * q and ctrl-c quit at once; filtering needs no list and types straight away.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { ImageRow, SourceSpec } from '../../src/tui/tui-services.js';
import { FakeServices } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp } from './render-app.js';

afterEach(() => cleanup());

/** Lists only when the test says so. */
class SlowListing extends FakeServices {
  signals: Array<AbortSignal | undefined> = [];
  private release: (() => void) | undefined;
  private readonly gate = new Promise<void>((r) => (this.release = r));

  override async listImages(source: SourceSpec, signal?: AbortSignal): Promise<ImageRow[]> {
    this.signals.push(signal);
    await this.gate;
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
    await app.waitFor('/app');
    services.finishListing();
    await app.waitFor('Action for 1 image: myorg/app:2');
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

  it('esc goes back to Source at once; what was typed ahead for the list is dropped', async () => {
    const { app, services } = await openStoreSlowly();
    await app.press(KEY.down, KEY.space, KEY.escape);
    await app.waitFor('Choose a source');
    services.finishListing();
    await new Promise((r) => setTimeout(r, 100));
    // replayed here, ↓ and space would move to the path choice and open its input
    assert.match(app.frame(), /› Embedded store/);
    assert.doesNotMatch(app.frame(), /Path:/);
  });
});
