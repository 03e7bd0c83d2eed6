/**
 * On a short terminal the Images screen gives up rows (side panel, then table rows) so that its frame,
 * notices included, never grows taller than the terminal.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { ImageRow, SourceSpec } from '../../src/tui/tui-services.js';
import { FakeServices } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp } from './render-app.js';

afterEach(() => cleanup());

/** Lists with notices, as a sweep of dead balers' temp dirs does. */
class NoticeListing extends FakeServices {
  constructor(private readonly notices: string[]) {
    super();
  }

  override async listImages(source: SourceSpec, _signal?: AbortSignal, onNotice?: (line: string) => void): Promise<ImageRow[]> {
    for (const n of this.notices) onNotice?.(n);
    return super.listImages(source);
  }
}

/** The App on a terminal `rows` high (ink-testing-library's stdout is 100 columns and knows no height). */
async function imagesOn(rows: number, notices: string[], columns = 100) {
  const app = renderApp(new NoticeListing(notices));
  Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
  Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
  app.stdout.emit('resize');
  await app.openStore();
  await app.waitFor('5 shown');
  return app;
}

const notice = (i: number): string => `removed 1 leftover temp dir of an interrupted baler in /tmp/baler-${i} (5.0 kB)`;

describe('Images screen on a short terminal', () => {
  for (const rows of [11, 12, 14, 18, 24]) {
    for (const count of [0, 1, 3, 5]) {
      it(`${rows} rows, ${count} notices: the frame fits, with its title and key hints`, async () => {
        const app = await imagesOn(rows, Array.from({ length: count }, (_, i) => notice(i)));
        const lines = app.frame().split('\n');
        assert.ok(lines.length <= rows - 1, `${lines.length} lines on a ${rows}-row terminal:\n${app.frame()}`);
        assert.match(lines[0] ?? '', /baler · Images/);
        assert.match(lines.at(-1) ?? '', /q quit/);
        assert.match(app.frame(), /^Images in store · 5 shown · 0 selected/m);
        assert.match(app.frame(), /^ +NAME +ID +SIZE/m, 'the table keeps its header');
        assert.match(app.frame(), /^› \[ \] debian:12 /m, 'and the row under the cursor');
      });
    }
  }

  it('a wide terminal keeps the side panel while it fits, and drops it before the table', async () => {
    const roomy = await imagesOn(11, [], 120);
    assert.match(roomy.frame(), /› \[ \] debian:12 .*│ Selected: 0 images/);
    cleanup();
    const tight = await imagesOn(12, [notice(1), notice(2), notice(3)], 120);
    assert.ok(tight.frame().split('\n').length <= 11, tight.frame());
    assert.match(tight.frame(), /^› \[ \] debian:12 /m);
    assert.doesNotMatch(tight.frame(), /Selected:/);
  });

  it('moving down on a short terminal keeps the cursor row in view, under the notices that fit', async () => {
    const app = await imagesOn(12, [1, 2, 3, 4, 5].map(notice));
    await app.press(KEY.down, KEY.down, KEY.down, KEY.down);
    await app.waitFor('› [ ] alpine:3.20');
    assert.ok(app.frame().split('\n').length <= 11, app.frame());
    assert.match(app.frame(), /^ {2}5-5 of 5/m);
    assert.match(app.frame(), /^ {2}… 3 more notices$/m, 'the notices that do not fit are counted');
  });
});
