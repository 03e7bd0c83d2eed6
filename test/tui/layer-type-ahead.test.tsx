/**
 * While the layer browser reads an image's layers, keys wait as they do while the image list loads
 * (the same queue): they act once the layers are there, in the order typed. q and ctrl-c quit at once,
 * and esc goes back to the image list at once, stopping the read and dropping what was typed ahead.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { LayerListing, ImageRow, SourceSpec } from '../../src/tui/tui-services.js';
import { FakeServices } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp } from './render-app.js';

afterEach(() => cleanup());

const tools = (n: number) => [{ path: 'bin', type: 'dir' as const, size: 0 }, ...Array.from({ length: n }, (_, i) => ({ path: `bin/tool${String(i).padStart(2, '0')}`, type: 'file' as const, size: 10 }))];

/** Lists the layers (and, when `slowImages`, the images) only when the test says so. */
class SlowLayers extends FakeServices {
  layerSignals: Array<AbortSignal | undefined> = [];
  private releaseLayers: (() => void) | undefined;
  private readonly layersGate = new Promise<void>((r) => (this.releaseLayers = r));
  private releaseImages: (() => void) | undefined;
  private readonly imagesGate: Promise<void>;

  constructor(slowImages = false) {
    super();
    // two layers of 60 files each: J scrolls a tree, j moves to the next layer (and back to its top)
    this.layers = [
      { createdBy: 'ADD rootfs', entries: tools(60) },
      { createdBy: 'RUN make tools', entries: tools(60) },
    ];
    this.imagesGate = slowImages ? new Promise<void>((r) => (this.releaseImages = r)) : Promise.resolve();
  }

  override async listImages(source: SourceSpec): Promise<ImageRow[]> {
    await this.imagesGate;
    return super.listImages(source);
  }

  override async listLayers(source: SourceSpec, image: ImageRow, signal?: AbortSignal): Promise<LayerListing[]> {
    this.layerSignals.push(signal);
    await this.layersGate;
    return super.listLayers(source, image);
  }

  finishImages(): void {
    this.releaseImages?.();
  }

  finishLayers(): void {
    this.releaseLayers?.();
  }
}

/** myorg/app:1 (two layers) under the cursor, its layer browser opened and still reading. */
async function openLayersSlowly() {
  const services = new SlowLayers();
  const app = renderApp(services);
  await app.openStore();
  await app.press(KEY.down, KEY.down, 'L');
  await app.waitFor('Layers of myorg/app:1: reading layer headers…');
  return { app, services };
}

describe('keys typed while the layer browser loads', () => {
  it('apply once the layers are there, in the order typed', async () => {
    const { app, services } = await openLayersSlowly();
    // j then J: the second layer, scrolled; J then j would leave it at its top
    await app.press('j', 'J');
    assert.match(app.frame(), /reading layer headers…/);
    services.finishLayers();
    await app.waitFor('Layer 2: 61 changes');
    await app.waitFor(/11-\d+ of 61 \(J\/K scroll\)/);
    assert.match(app.frame(), /› +2 [0-9a-f]{8} .*RUN make tools/);
  });

  it('the other order gives the other result', async () => {
    const { app, services } = await openLayersSlowly();
    await app.press('J', 'j');
    services.finishLayers();
    await app.waitFor('Layer 2: 61 changes');
    assert.match(app.frame(), / 1-\d+ of 61 \(J\/K scroll\)/);
  });

  it('the screen says how many keys wait, and help typed ahead opens after the moves before it', async () => {
    const { app, services } = await openLayersSlowly();
    await app.press(KEY.down);
    await app.waitFor('1 key typed ahead; it applies once the layer list is read');
    await app.press('?');
    await app.waitFor('2 keys typed ahead; they apply once the layer list is read');
    services.finishLayers();
    await app.waitFor('this help');
    await app.press('?');
    await app.waitFor('Layer 2: 61 changes');
    assert.doesNotMatch(app.frame(), /typed ahead/);
  });

  it('q quits at once and stops the read', async () => {
    const { app, services } = await openLayersSlowly();
    await app.press('j', 'q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
    assert.equal(services.layerSignals[0]?.aborted, true);
  });

  it('esc goes back to the images at once, stops the read, and drops what was typed ahead', async () => {
    const { app, services } = await openLayersSlowly();
    await app.press(KEY.down, KEY.space, KEY.escape);
    await app.waitFor('Images in store');
    assert.equal(services.layerSignals[0]?.aborted, true);
    services.finishLayers();
    await new Promise((r) => setTimeout(r, 100));
    // replayed on the image list, ↓ and space would select myorg/app:2
    assert.match(app.frame(), /0 selected/);
    assert.match(app.frame(), /› \[ \] +myorg\/app:1/);
    assert.doesNotMatch(app.frame(), /Layers of/);
  });

  it('keys typed before the image list loaded that open the layers keep waiting, for the layers', async () => {
    const services = new SlowLayers(true);
    const app = renderApp(services);
    await app.waitFor('Embedded store');
    await app.press(KEY.enter);
    await app.waitFor('Reading images…');
    await app.press('j', 'j', 'L', 'j', 'J');
    services.finishImages();
    await app.waitFor('Layers of myorg/app:1: reading layer headers…');
    await app.waitFor('2 keys typed ahead; they apply once the layer list is read');
    services.finishLayers();
    await app.waitFor('Layer 2: 61 changes');
    await app.waitFor(/11-\d+ of 61/);
  });
});
