/**
 * The Images and Action screens on a 40-column terminal, 10 and 15 rows: no line is wider than the
 * terminal, the frame fits in rows - 1, and the row under the cursor, the key hints and what the user
 * is typing stay in view. Names, the chosen action and the counts are not cut to make room for less.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { NoticeListing } from './fake-services.js';
import { KEY, waitFor } from './keys.js';
import { renderApp, resize } from './render-app.js';

afterEach(() => cleanup());

type App = ReturnType<typeof renderApp>;

const COLUMNS = 40;
const HEIGHTS = [10, 15];

/** The frame fits a `rows` x 40 terminal: its title first and the key hints (ending in q quit) last. */
function assertFits(app: App, rows: number, title: string): string[] {
  const lines = app.frame().split('\n');
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  assert.ok(lines.length <= rows - 1, `${lines.length} lines on a ${rows}-row terminal:\n${app.frame()}`);
  for (const l of lines) assert.ok(l.length <= COLUMNS, `a line wider than ${COLUMNS} columns: ${JSON.stringify(l)}\n${app.frame()}`);
  assert.equal(lines[0], title, app.frame());
  assert.match(lines.at(-1) ?? '', /q quit$/, app.frame());
  return lines;
}


const NAMES = ['debian:12', 'debian:11', 'myorg/app:1', 'myorg/app:2', 'alpine:3.20'];

describe('Images screen on 40 columns', () => {
  for (const rows of HEIGHTS) {
    it(`${rows}x40: every image under the cursor in turn, its whole name and size, selected or not`, async () => {
      const app = renderApp();
      resize(app, rows, COLUMNS);
      await app.openStore();
      for (const [i, name] of NAMES.entries()) {
        if (i > 0) await app.press(KEY.down);
        if (i % 2 === 1) await app.press(KEY.space);
        const selected = Math.ceil(i / 2);
        const mark = i % 2 === 1 ? 'x' : ' ';
        await app.waitFor(new RegExp(`^› \\[${mark}\\] ${name.replace('.', '\\.')} +\\d`, 'm'));
        const lines = assertFits(app, rows, 'baler · Images');
        assert.equal(lines[1], `Images in store · 5 shown · ${selected} selected`);
        assert.match(app.frame(), /^ {6}NAME +SIZE$/m, 'the table keeps its header');
        assert.match(lines.find((l) => l.startsWith('›')) ?? '', new RegExp(`^› \\[${mark}\\] ${name.replace('.', '\\.')} +[\\d.]+ [kMG]?B$`));
      }
    });

    it(`${rows}x40: a long source path gives way to the counts`, async () => {
      const app = renderApp();
      resize(app, rows, COLUMNS);
      await app.waitFor('Embedded store');
      await app.press(KEY.down, KEY.enter, ...'/tmp/some/quite/long/path/to/images.tar', KEY.enter);
      await app.waitFor('debian:12');
      await app.press(KEY.space);
      await app.waitFor('1 selected');
      const lines = assertFits(app, rows, 'baler · Images');
      assert.equal(lines[1], 'Images · 5 shown · 1 selected');
    });

    it(`${rows}x40: a long filter being typed shows its end, where the typing goes on`, async () => {
      const app = renderApp();
      resize(app, rows, COLUMNS);
      await app.openStore();
      await app.press('/', ...'registry.example.com/team/application-name');
      await app.waitFor(/^….*team\/application-name▌$/m);
      const lines = assertFits(app, rows, 'baler · Images');
      assert.equal(lines[1], 'Images · 0 of 5 shown · 0 selected');
      assert.match(app.frame(), /^No image matches$/m);
      await app.press(...Array(42).fill(KEY.backspace));
      await app.waitFor(/^\/▌$/m);
      await app.waitFor('› [ ] debian:12');
      assertFits(app, rows, 'baler · Images');
    });

    it(`${rows}x40: notices wrap between words and never push the list or the hints off`, async () => {
      const notices = [1, 2, 3].map((i) => `removed 1 leftover temp dir of an interrupted baler in /tmp/baler-${i} (5.0 kB)`);
      const app = renderApp(new NoticeListing(notices));
      resize(app, rows, COLUMNS);
      await app.openStore();
      await app.waitFor('5 shown');
      await app.press(KEY.down, KEY.down);
      await app.waitFor(/^› \[ \] myorg\/app:1 /m);
      assertFits(app, rows, 'baler · Images');
      assert.match(app.frame(), /^ {6}NAME +SIZE$/m);
      if (rows < 15) return; // 10 rows leave the table its least and no row for notices
      assert.match(app.frame(), /^ {2}… [1-3] more notices?$/m, 'the notices left out are counted');
      assert.match(app.frame(), /^ {2}removed 1 leftover temp dir of an$/m, 'a notice breaks between words');
    });
  }
});

/** The Action screen for the images selected by `keys` on the Images screen, on a `rows` x 40 terminal. */
async function actionOn(rows: number, ...keys: string[]): Promise<App> {
  const app = renderApp();
  resize(app, rows, COLUMNS);
  await app.openStore();
  await app.press(...keys, KEY.enter);
  await app.waitFor('Action for');
  return app;
}

describe('Action screen on 40 columns', () => {
  for (const rows of HEIGHTS) {
    it(`${rows}x40, five images: each field under the cursor in turn, with the command under them`, async () => {
      const app = await actionOn(rows, 'a');
      for (const field of ['Action', 'Format', 'Layers', 'Compress', 'Output file', 'Platform', '[ Start ]']) {
        if (field !== 'Action') await app.press(KEY.down);
        await app.waitFor(new RegExp(`^› ${field.replace(/[[\]]/g, '\\$&')}`, 'm'));
        const lines = assertFits(app, rows, 'baler · Action');
        assert.equal(lines[1], 'Action for 5 images: debian:12 debian:1…');
        assert.ok(lines.some((l) => l.startsWith('baler save -o images.tar debian:12')), app.frame());
      }
    });

    it(`${rows}x40: a chosen action too long for the row is cut inside its ‹›; the choices of a shorter field all show`, async () => {
      const app = await actionOn(rows);
      await app.press(KEY.right);
      await app.waitFor(/^› Action +‹save to an OCI layout …›$/m);
      assertFits(app, rows, 'baler · Action');
      await app.press(KEY.right);
      await app.waitFor(/^› Action +‹export the flattened f…›$/m);
      assertFits(app, rows, 'baler · Action');
      await app.press(KEY.right);
      await app.waitFor(/^› Action +‹save to an archive file›$/m);
      await app.press(KEY.down, KEY.down, KEY.right, KEY.right, KEY.right);
      await app.waitFor(/^› Layers +keep {2}gzip {2}zstd ‹none›$/m);
      assertFits(app, rows, 'baler · Action');
    });

    it(`${rows}x40: a long output path being typed shows its end, where the typing goes on`, async () => {
      const app = await actionOn(rows);
      await app.press(...Array(4).fill(KEY.down), KEY.enter, ...Array(12).fill(KEY.backspace), ...'/home/user/exports/a-very-long-output-name.tar');
      await app.waitFor(/^› Output file +….*-output-name\.tar▌$/m);
      assertFits(app, rows, 'baler · Action');
      await app.press(KEY.enter);
      await app.waitFor(/^› Output file +….*-output-name\.tar$/m);
      assertFits(app, rows, 'baler · Action');
    });

    it(`${rows}x40: an unparsable platform: the error and the reason in place of the command fit`, async () => {
      const app = await actionOn(rows, 'a');
      await app.press(...Array(5).fill(KEY.down), KEY.enter, ...'linux/', KEY.enter, 's');
      await app.waitFor(/^✗ /m);
      const lines = assertFits(app, rows, 'baler · Action');
      assert.ok(lines.some((l) => l.startsWith('› Platform     linux/')), app.frame());
      assert.ok(lines.some((l) => l.startsWith('✗ invalid platform "linux/"')), app.frame());
      assert.ok(lines.some((l) => l.startsWith('(invalid platform "linux/"')), 'the reason in place of the command');
    });
  }

  it('15x40, a command of several rows is broken between words and every row of it is counted', async () => {
    const app = await actionOn(15, 'a');
    await app.press(KEY.right, KEY.down, KEY.right, KEY.right, KEY.right);
    await app.waitFor(/^› Layers .*‹none›$/m);
    await waitFor(() => app.frame().includes('alpine:3.20'), 'the whole command', app.frame);
    const lines = assertFits(app, 15, 'baler · Action');
    const command = lines.slice(lines.findIndex((l) => l.startsWith('baler save')), lines.findIndex((l) => l.endsWith('alpine:3.20')) + 1);
    assert.equal(command.join(' '), 'baler save -o images-oci --format oci-dir --layers none debian:12 debian:11 myorg/app:1 myorg/app:2 alpine:3.20');
    assert.equal(lines.at(-3), '', 'the blank row above the key hints is kept');
  });
});
