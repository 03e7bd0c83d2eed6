import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { FakeServices } from './fake-services.js';
import { renderApp } from './render-app.js';
import { KEY } from './keys.js';

afterEach(() => cleanup());

describe('Layer browser', () => {
  it('lists layers with their history step, the file tree of changes and the wasted space', async () => {
    const services = new FakeServices();
    services.layers = [
      { createdBy: '/bin/sh -c #(nop) ADD file:abc in / ', entries: [{ path: 'var', type: 'dir', size: 0 }, { path: 'var/cache', type: 'dir', size: 0 }, { path: 'var/cache/big.bin', type: 'file', size: 40_000_000 }] },
      { createdBy: '/bin/sh -c rm -rf /var/cache/big.bin && echo hi > /hi', entries: [{ path: 'var/cache/.wh.big.bin', type: 'file', size: 0 }, { path: 'hi', type: 'file', size: 3 }] },
    ];
    const app = renderApp(services);
    await app.openStore();
    await app.press(KEY.down, KEY.down, 'L');
    await app.waitFor('Layers of myorg/app:1');
    const f = app.frame();
    assert.match(f, /› +1 [0-9a-f]{8} +50 MB \+3 ~0 -0 +ADD file:abc in \//);
    assert.match(f, /  +2 [0-9a-f]{8} +3\.0 MB \+1 ~0 -1 +RUN rm -rf \/var\/cache\/big\.bin/);
    assert.match(f, /\+ +var\//);
    assert.match(f, /\+ +40 MB +big\.bin/);
    assert.match(f, /Wasted space: 40 MB in 1 hidden file/);
    assert.match(f, /Suggest: squash 1–2 saves 40 MB/);
    await app.press('j');
    await app.waitFor('Layer 2: 2 changes');
    assert.match(app.frame(), /- +40 MB +var\/cache\/big\.bin/);
    await app.press(KEY.escape);
    await app.waitFor('Images in store');
  });
});

describe('Layer browser with a long layer', () => {
  it('keeps the first rows visible and scrolls with J', async () => {
    const services = new FakeServices();
    const entries = [{ path: 'bin', type: 'dir' as const, size: 0 }, ...Array.from({ length: 60 }, (_, i) => ({ path: `bin/tool${String(i).padStart(2, '0')}`, type: 'file' as const, size: 10 }))];
    services.layers = [{ createdBy: 'ADD rootfs', entries }];
    const app = renderApp(services);
    await app.openStore();
    await app.press('L');
    await app.waitFor('Layers of debian:12');
    assert.match(app.frame(), /\+ +bin\//);
    assert.match(app.frame(), /tool00/);
    assert.match(app.frame(), /1-\d+ of 61 \(J\/K scroll\)/);
    await app.press('J');
    await app.waitFor(/11-\d+ of 61/);
    assert.doesNotMatch(app.frame(), /tool00/);
  });
});
