/**
 * On a short terminal the Images screen gives up rows (side panel, then table rows) so that its frame,
 * notices included, never grows taller than the terminal; so does the Progress screen of a stopped
 * copy, which keeps its newest notes and warnings and counts the earlier ones.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { ImageRow, SourceSpec } from '../../src/tui/tui-services.js';
import { FakeServices, blobEvent } from './fake-services.js';
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

/** Pretends ink-testing-library's stdout is `rows` x `columns`, as a resized terminal would say. */
function resize(app: ReturnType<typeof renderApp>, rows: number, columns = 100): void {
  Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
  Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
  app.stdout.emit('resize');
}

/** The App on a terminal `rows` high (ink-testing-library's stdout is 100 columns and knows no height). */
async function imagesOn(rows: number, notices: string[], columns = 100) {
  const app = renderApp(new NoticeListing(notices));
  resize(app, rows, columns);
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

/** A save, on a terminal `rows` high once it runs, two blobs moving and one queued, with `warnings` and `notes` so far. */
async function copyOn(rows: number, warnings: number, notes: number) {
  const app = renderApp();
  await app.openStore();
  await app.press(KEY.enter);
  await app.waitFor('Action for 1 image');
  await app.press('s');
  await app.waitFor('ctrl-c cancels');
  // only now: the Action screen is not what these tests look at
  resize(app, rows);
  const call = app.services.copies[0]!;
  call.emit({ kind: 'plan', images: [], totalBytes: 60_000_000, sharedBytes: 0, blobs: 3 });
  call.emit(blobEvent('deb-base', 'copying', 25_000_000, 50_000_000));
  call.emit(blobEvent('app1', 'copying', 1_000_000, 3_000_000));
  call.emit(blobEvent('app2', 'queued', 0, 4_000_000));
  for (let i = 1; i <= notes; i++) call.emit({ kind: 'note', code: 'I_RESUME', message: `note number ${i}` });
  for (let i = 1; i <= warnings; i++) call.emit({ kind: 'warning', code: 'W_PLATFORM', message: `warning number ${i}` });
  return { app, call };
}

const warningLines = (frame: string): string[] => frame.split('\n').filter((l) => l.startsWith('! '));

describe('Progress screen of a stopped copy on a short terminal', () => {
  for (const rows of [11, 14, 18]) {
    it(`${rows} rows, a failed copy with 12 warnings and 6 notes: the frame fits, with the newest warnings and the failure`, async () => {
      const { app, call } = await copyOn(rows, 12, 6);
      call.reject(new Error('disk full'));
      await app.waitFor('✗ disk full');
      const lines = app.frame().split('\n');
      assert.ok(lines.length <= rows - 1, `${lines.length} lines on a ${rows}-row terminal:\n${app.frame()}`);
      const shown = warningLines(app.frame());
      // 11 rows leave room only to count them
      assert.ok(rows < 14 || shown.length > 0, app.frame());
      assert.deepEqual(shown, Array.from({ length: shown.length }, (_, i) => `! warning number ${12 - shown.length + 1 + i}`), 'the newest ones, in order');
      assert.match(app.frame(), new RegExp(`^ {2}… ${12 - shown.length}${shown.length > 0 ? ' earlier' : ''} warnings$`, 'm'));
      assert.match(app.frame(), /… \d+ (earlier )?notes$/m, 'the notes left out are counted');
      assert.match(app.frame(), /blobs 0\/3/);
    });
  }

  it('a cancelled copy on 12 rows fits too, and a tall terminal still shows every warning', async () => {
    const { app } = await copyOn(12, 9, 0);
    await app.press(KEY.ctrlC);
    await app.waitFor('(esc: back, q: quit)');
    assert.ok(app.frame().split('\n').length <= 11, app.frame());
    assert.match(app.frame(), /^! warning number 9$/m);
    assert.match(app.frame(), /^ {2}… \d+ earlier warnings$/m);
    resize(app, 40);
    await app.waitFor('! warning number 1');
    assert.equal(warningLines(app.frame()).length, 9);
    assert.doesNotMatch(app.frame(), /earlier warning/);
  });
});
