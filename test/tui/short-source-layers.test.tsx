/**
 * The Source screen with its path completions open, and the layer browser, on short (10-15 rows) and
 * narrow (40 columns) terminals: the frame fits in rows - 1, nothing is pushed off the top, and the
 * row under the cursor and the key hints stay in view.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { FakeServices } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp, resize } from './render-app.js';

afterEach(() => cleanup());

const SIZES: Array<[number, number]> = [
  [10, 40],
  [10, 100],
  [12, 40],
  [13, 60],
  [15, 40],
  [15, 100],
];

/** The frame fits a `rows`-row terminal, its title on the first line and its key hints on the last. */
function assertFits(frame: string, rows: number, columns: number, title: string, lastHint: RegExp): string[] {
  const lines = frame.replace(/\n$/, '').split('\n');
  assert.ok(lines.length <= rows - 1, `${lines.length} lines on a ${rows}-row terminal:\n${frame}`);
  for (const l of lines) assert.ok(l.length <= columns, `a line wider than ${columns} columns: ${JSON.stringify(l)}`);
  assert.equal(lines[0], title, frame);
  assert.match(lines.at(-1) ?? '', lastHint, frame);
  return lines;
}

const longNames = Array.from({ length: 12 }, (_, i) => `/tmp/fixtures/image-number-${String(i).padStart(2, '0')}-with-a-long-name.tar`);

describe('Source screen with path completions open, on a short or narrow terminal', () => {
  for (const [rows, columns] of SIZES) {
    it(`${rows}x${columns}: heading, the path choice, the path typed, the completions that fit and the count of the rest, the hints`, async () => {
      const services = new FakeServices();
      services.files = longNames;
      const app = renderApp(services);
      resize(app, rows, columns);
      await app.waitFor('Embedded store');
      await app.press(KEY.down, KEY.enter, ...'/tmp/fixtures/image', KEY.tab);
      await app.waitFor(/ more$/m);
      const lines = assertFits(app.frame(), rows, columns, 'baler · Source', /^tab complete {2}enter open {2}esc back$/);
      assert.equal(lines[1], 'Choose a source');
      assert.ok(lines.includes('› Archive or OCI layout path…'), app.frame());
      // tab completed the common prefix; the line shows its end, where the typing goes on
      const path = lines.find((l) => l.startsWith('Path: '));
      assert.ok(path?.trimEnd().endsWith('/image-number-'), app.frame());
      const shown = lines.filter((l) => /^ {2}(…|\/).*-with-a-long-name\.tar$/.test(l));
      assert.ok(shown.length >= 2, app.frame());
      // a name cut to fit keeps its end, the part that tells them apart
      assert.match(shown[0] ?? '', /image-number-00-with-a-long-name\.tar$/);
      const more = /^ {2}… (\d+) more$/m.exec(app.frame());
      assert.equal(Number(more?.[1]) + shown.length, 12, app.frame());
    });
  }

  it('10x40, a path that could not be read: the error, the choices and the hints fit', async () => {
    const app = renderApp();
    resize(app, 10, 40);
    await app.waitFor('Embedded store');
    await app.press(KEY.down, KEY.enter, ...'/tmp/a/very/long/directory/name/missing.tar', KEY.enter);
    await app.waitFor('✗ /tmp/a/very');
    const lines = assertFits(app.frame(), 10, 40, 'baler · Source', /q quit$/);
    assert.equal(lines[1], 'Choose a source');
    assert.ok(lines.includes('› Archive or OCI layout path…'), app.frame());
  });
});

/** myorg/app:1's layer browser on a `rows` x `columns` terminal, three layers of 30 files each. */
async function layersOn(rows: number, columns: number) {
  const services = new FakeServices();
  const tools = (step: string) => [{ path: 'bin', type: 'dir' as const, size: 0 }, ...Array.from({ length: 30 }, (_, i) => ({ path: `bin/${step}-${i}`, type: 'file' as const, size: 10 }))];
  services.images = [services.images[0]!, services.images[1]!, { ...services.images[2]!, layers: [...services.images[2]!.layers, { digest: services.images[3]!.layers[1]!.digest, size: 4_000_000 }] }];
  services.layers = [
    { createdBy: '/bin/sh -c #(nop) ADD file:abc in /', entries: tools('base') },
    { createdBy: '/bin/sh -c make tools', entries: tools('tools') },
    { createdBy: '/bin/sh -c make app', entries: tools('app') },
  ];
  const app = renderApp(services);
  resize(app, rows, columns);
  await app.openStore();
  await app.press(KEY.down, KEY.down, 'L');
  await app.waitFor('Layers of myorg/app:1 · 3 layers');
  return app;
}

describe('Layer browser on a short or narrow terminal', () => {
  for (const [rows, columns] of SIZES) {
    it(`${rows}x${columns}: its heading, the layer under the cursor with its step, a file of that layer and the hints`, async () => {
      const app = await layersOn(rows, columns);
      for (const [n, step] of [[1, 'ADD file:abc in /'], [2, 'RUN make tools'], [3, 'RUN make app']] as const) {
        if (n > 1) await app.press('j');
        await app.waitFor(new RegExp(`^› +${n} `, 'm'));
        const lines = assertFits(app.frame(), rows, columns, 'baler · Layer browser', /q quit$/);
        assert.equal(lines[1], 'Layers of myorg/app:1 · 3 layers');
        const at = lines.find((l) => l.startsWith('›')) ?? '';
        assert.ok(at.includes(step), `the step of layer ${n} on its row: ${JSON.stringify(at)}\n${app.frame()}`);
        const name = step.split(' ').at(-1) === '/' ? 'base' : step.split(' ').at(-1);
        assert.match(app.frame(), new RegExp(`^[+~] +(10 B +)?(bin/|${name}-0)$`, 'm'), 'the first row of its tree');
        assert.match(app.frame(), /^ {2}1-\d+ of 31 \(J\/K scroll\)$/m, app.frame());
      }
      await app.press('J');
      await app.waitFor(/^ {2}11-\d+ of 31/m);
      assertFits(app.frame(), rows, columns, 'baler · Layer browser', /q quit$/);
    });
  }

  it('a tall terminal still shows every layer, the wasted space and the squash suggestion', async () => {
    const app = await layersOn(30, 100);
    assert.match(app.frame(), /^› +1 [0-9a-f]{8} /m);
    assert.match(app.frame(), /^ +3 [0-9a-f]{8} /m);
    assert.match(app.frame(), /^Wasted space: /m);
    assert.match(app.frame(), /^Nothing to squash|^Suggest: /m);
  });
});
