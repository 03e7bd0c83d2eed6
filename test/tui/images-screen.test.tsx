import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { renderApp } from './render-app.js';
import { KEY } from './keys.js';
import { FakeServices } from './fake-services.js';

afterEach(() => cleanup());

describe('Images screen', () => {
  it('lists name, ID, size and created for every image in the store', async () => {
    const app = renderApp();
    await app.openStore();
    const f = app.frame();
    for (const n of ['debian:12', 'debian:11', 'myorg/app:1', 'myorg/app:2', 'alpine:3.20']) assert.match(f, new RegExp(n.replace('.', '\\.')));
    assert.match(f, /NAME\s+ID\s+SIZE\s+CREATED/);
    assert.match(f, /50 MB/);
    assert.match(f, /2024-05-01 10:00/);
    assert.match(f, /5 shown · 0 selected/);
  });

  it('filters by glob (debian:*) and by glob with a slash (*/app*)', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press('/', ...'debian:*');
    await app.waitFor('2 of 5 shown');
    assert.doesNotMatch(app.frame(), /alpine/);
    assert.doesNotMatch(app.frame(), /myorg/);
    await app.press(...Array(8).fill(KEY.backspace), ...'*/app*');
    await app.waitFor('/*/app*');
    await app.waitFor('2 of 5 shown');
    assert.match(app.frame(), /myorg\/app:1/);
    assert.doesNotMatch(app.frame(), /debian:12/);
    await app.press(KEY.escape);
    await app.waitFor('5 shown');
  });

  it('space selects many; the side panel shows total size, shared-layer savings and who shares what', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.down, KEY.down, KEY.space, KEY.down, KEY.space);
    await app.waitFor('2 selected');
    const f = app.frame();
    assert.match(f, /\[x\] myorg\/app:1/);
    assert.match(f, /\[x\] myorg\/app:2/);
    assert.match(f, /\[ \] debian:12/);
    // 50 MB base shared by both: 107 MB naive, 57 MB unique.
    assert.match(f, /Total size: 57 MB/);
    assert.match(f, /Shared layers save: 50 MB/);
    assert.match(f, /50 MB ← myorg\/app:1, myorg\/app:2/);
    await app.press(KEY.space);
    await app.waitFor('1 selected');
    assert.match(app.frame(), /Shared layers save: 0 B/);
  });

  it('keeps the selection while filtering and typing j/k into the filter', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press('/', 'a', 'l', 'p');
    await app.waitFor('1 of 5 shown');
    await app.press(KEY.space, KEY.enter);
    await app.waitFor('1 selected');
    assert.match(app.frame(), /\[x\] alpine:3\.20/);
  });

  it('fits 80 columns with the panel below the table', async () => {
    const app = renderApp();
    await app.openStore();
    for (const line of app.frame().split('\n')) assert.ok(line.length <= 100, `line too long: ${line}`);
    assert.match(app.frame(), /Selected: 0 images/);
  });

  it('an empty store says how to load images into it', async () => {
    const services = new FakeServices();
    services.images = [];
    const app = renderApp(services);
    await app.waitFor('Embedded store');
    await app.press(KEY.enter);
    await app.waitFor('The store holds no images yet. To load some: esc, then choose an archive or OCI layout path.');
  });
});
