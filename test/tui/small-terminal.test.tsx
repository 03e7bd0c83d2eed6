/**
 * Below 10 rows the TUI says the terminal is too small on one line; from 10 rows up every screen fits
 * in rows - 1 (the Action screen scrolls its fields and drops blank rows first). On a short terminal the Images screen gives up rows (side panel, then table rows) so that its frame,
 * notices included, never grows taller than the terminal; so does the Progress screen of a stopped
 * copy, which keeps its newest notes and warnings and counts the earlier ones.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { NoticeListing, blobEvent } from './fake-services.js';
import { KEY, waitFor } from './keys.js';
import { renderApp } from './render-app.js';

afterEach(() => cleanup());


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

/** Each screen a user reaches, driven there on a roomy terminal; `resize` then makes it short. */
const SCREENS: Record<string, { title: RegExp; heading: RegExp; keeps: RegExp[]; reach: (app: ReturnType<typeof renderApp>) => Promise<void> }> = {
  Source: { title: /^baler · Source$/, heading: /^Choose a source/m, keeps: [/^› Embedded store +\/tmp\/fake-store$/m], reach: (app) => app.waitFor('Embedded store') },
  Images: { title: /^baler · Images$/, heading: /^Images in store · 5 shown/m, keeps: [/^› \[ \] debian:12 /m], reach: (app) => app.openStore() },
  Action: {
    title: /^baler · Action$/,
    heading: /^Action for 1 image: debian:12$/m,
    keeps: [/^› Action +‹save to an archive file›$/m, /^baler save -o debian_12\.tar debian:12$/m],
    async reach(app) {
      await app.openStore();
      await app.press(KEY.enter);
      await app.waitFor('Action for 1 image');
    },
  },
  Progress: {
    title: /^baler · Progress · save debian:12 -> debian_12\.tar$/,
    heading: /^ctrl-c cancels$/m,
    keeps: [/ copying +25(\.0)? MB \/ 50(\.0)? MB/, /^blobs 0\/1 · images done 0$/m],
    async reach(app) {
      await SCREENS.Action!.reach(app);
      await app.press('s');
      await app.waitFor('ctrl-c cancels');
      const call = app.services.copies[0]!;
      call.emit({ kind: 'plan', images: [], totalBytes: 50_000_000, sharedBytes: 0, blobs: 1 });
      call.emit(blobEvent('deb-base', 'copying', 25_000_000, 50_000_000));
      await app.waitFor('blobs 0/1');
    },
  },
  Done: {
    title: /^baler · Done$/,
    heading: /^✓ Done$/m,
    keeps: [/^Output +\/tmp\/debian_12\.tar$/m, /^! a warning$/m, /^baler save -o debian_12\.tar debian:12$/m],
    async reach(app) {
      await SCREENS.Progress!.reach(app);
      app.services.copies[0]!.resolve({ images: 1, bytesRead: 50_000_000, bytesWritten: 50_000_000, blobsCopied: 1, blobsSkipped: 0, durationMs: 1000, location: '/tmp/debian_12.tar', warnings: ['a warning'], notes: ['a note'], archiveSha256: 'ab'.repeat(32) });
      await app.waitFor('✓ Done');
    },
  },
};

/**
 * The lines on the terminal, from the last title down: ink-testing-library keeps what the Progress
 * screen printed through <Static> at the top of every later frame, where a terminal scrolls it away
 * or has it cleared (the App clears the screen when it leaves Progress).
 */
function onScreen(app: ReturnType<typeof renderApp>): string[] {
  const lines = app.frame().split('\n');
  return lines.slice(lines.findLastIndex((l) => l.startsWith('baler · ')));
}

describe('every screen on a short terminal', () => {
  for (const [name, screen] of Object.entries(SCREENS)) {
    for (const rows of [8, 10, 12, 14]) {
      it(`${name}, ${rows} rows: ${rows < 10 ? 'one line says the terminal is too small' : 'the frame fits, its title and heading intact'}`, async () => {
        const app = renderApp();
        await screen.reach(app);
        resize(app, rows);
        if (rows < 10) {
          await app.waitFor('terminal too small');
          assert.deepEqual(onScreen(app), [`baler · ${name} · terminal too small: ${rows} rows, needs 10`]);
          resize(app, 24);
          await app.waitFor(screen.heading);
          return;
        }
        await waitFor(() => onScreen(app).length <= rows - 1, `a frame of at most ${rows - 1} lines`, app.frame);
        assert.match(onScreen(app)[0] ?? '', screen.title, app.frame());
        assert.match(onScreen(app).join('\n'), screen.heading);
        for (const kept of screen.keeps) assert.match(onScreen(app).join('\n'), kept, 'rows are left out whole, never drawn over');
      });
    }
  }
});

describe('Action screen on a short terminal', () => {
  it('10 rows: the fields scroll under the cursor, the command stays, and an error takes a row', async () => {
    const app = renderApp();
    await SCREENS.Action!.reach(app);
    resize(app, 10);
    await app.waitFor(/^↓ /m);
    for (const field of ['Format', 'Layers', 'Compress', 'Output file', 'Platform']) {
      await app.press(KEY.down);
      await app.waitFor(new RegExp(`^› ${field} `, 'm'));
      assert.ok(onScreen(app).length <= 9, app.frame());
      assert.match(app.frame(), /^baler save -o debian_12\.tar debian:12$/m);
    }
    await app.press(KEY.down);
    await app.waitFor('› [ Start ]');
    assert.match(app.frame(), /^↑ Compress /m, 'the fields above are pointed at');
    // an unparsable platform: the error and the reason in place of the command both fit
    await app.press(KEY.up, KEY.enter, ...'linux/', KEY.enter, 's');
    await app.waitFor(/^✗ /m);
    assert.ok(onScreen(app).length <= 9, app.frame());
    assert.match(onScreen(app)[1] ?? '', /^Action for 1 image: debian:12$/);
    assert.match(app.frame(), /^› Platform +linux\//m);
  });
});

describe('Done screen on a short terminal', () => {
  it('12 rows, 8 warnings: the facts that matter, the warnings that fit, the rest counted, the command', async () => {
    const app = renderApp();
    await SCREENS.Progress!.reach(app);
    resize(app, 12);
    const warnings = Array.from({ length: 8 }, (_, i) => `warning number ${i + 1}`);
    app.services.copies[0]!.resolve({ images: 1, bytesRead: 1, bytesWritten: 1, blobsCopied: 1, blobsSkipped: 0, durationMs: 1000, location: '/tmp/debian_12.tar', warnings });
    await app.waitFor('✓ Done');
    assert.ok(onScreen(app).length <= 11, app.frame());
    assert.match(app.frame(), /^Output +\/tmp\/debian_12\.tar$/m);
    const shown = onScreen(app).filter((l) => l.startsWith('! '));
    assert.ok(shown.length > 0, app.frame());
    assert.match(app.frame(), new RegExp(`^ {2}… ${8 - shown.length} more notes or warnings$`, 'm'));
    assert.match(app.frame(), /^baler save -o debian_12\.tar debian:12$/m);
  });
});

describe('every screen on a narrow terminal', () => {
  for (const [name, screen] of Object.entries(SCREENS)) {
    it(`${name}: below 30 columns one line says the terminal is too narrow; at 30 the frame fits its width again`, async () => {
      const app = renderApp();
      // reached at 30 columns, so what Progress prints above its live region is that wide too
      resize(app, 24, 30);
      await screen.reach(app);
      resize(app, 24, 20);
      const saysTooSmall = (): boolean => app.frame().replace(/\s+/g, ' ').includes('terminal too small: 20 columns, needs 30');
      await waitFor(saysTooSmall, 'the too-small line', app.frame);
      // wrapped, not cut: at 20 columns a cut line would not say what is wrong
      const lines = app.frame().split('\n');
      const said = lines.slice(lines.findLastIndex((l) => l.startsWith('baler'))).map((l) => l.trim());
      assert.equal(said.join(' '), `baler · ${name} · terminal too small: 20 columns, needs 30`);
      resize(app, 24, 30);
      await waitFor(() => !saysTooSmall(), 'the screen back', app.frame);
      await waitFor(() => onScreen(app).length <= 23, 'a frame of at most 23 lines', app.frame);
      // a title may wrap at 30 columns (Progress names its copy)
      assert.ok(onScreen(app).join(' ').startsWith(`baler · ${name}`), app.frame());
      for (const line of onScreen(app)) assert.ok([...line].length <= 30, `wider than 30 columns: ${JSON.stringify(line)}`);
    });
  }
});
