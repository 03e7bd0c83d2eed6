/**
 * The help overlay (?) on short and narrow terminals: its title and the line saying how to close it
 * always show, no line is wider than the terminal, the keys that do not fit are counted and j/k or the
 * arrows scroll to them, and the frame fits in rows - 1 on every screen.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { KEY, waitFor } from './keys.js';
import { renderApp, resize, startSave } from './render-app.js';

afterEach(() => cleanup());

type App = ReturnType<typeof renderApp>;

/** What the help lists: every key, and its closing remark, each found by the start of its line. */
const ENTRIES = ['↑ ↓ / j k', 'space', 'a ', '/ ', 'enter', '← → / h l', 's ', 'L / i', 'J K', 'tab', 'esc', 'ctrl-c', '? ', 'q ', 'Every action here'];

const SCREENS: Record<string, { title: RegExp; reach: (app: App) => Promise<void>; back: string }> = {
  Images: { title: /^baler · Images$/, reach: (app) => app.openStore(), back: '› [ ] debian:12' },
  Progress: {
    // wrapped by Ink at 40 columns
    title: /^baler · Progress · save debian:12 ->/,
    async reach(app) {
      await startSave(app, 50_000_000, 1);
    },
    back: 'ctrl-c cancels',
  },
  'Layer browser': {
    title: /^baler · Layer browser$/,
    async reach(app) {
      await app.openStore();
      await app.press(KEY.down, KEY.down, 'L');
      await app.waitFor('Layers of myorg/app:1');
    },
    back: 'Layers of myorg/app:1',
  },
};

/**
 * The lines on the terminal, from the last title down, trailing blank rows left out: ink-testing-library
 * keeps what the Progress screen printed through <Static> (its title) at the top of every frame.
 */
function onScreen(app: App): string[] {
  const lines = app.frame().split('\n');
  const shown = lines.slice(lines.findLastIndex((l) => l.startsWith('baler · ')));
  while (shown.length > 0 && shown.at(-1)?.trim() === '') shown.pop();
  return shown;
}

/** The overlay's inside: its lines between the borders, without the border and padding. */
function overlay(lines: string[]): string[] {
  const top = lines.findIndex((l) => l.startsWith('╭'));
  const bottom = lines.findIndex((l) => l.startsWith('╰'));
  assert.ok(top > 0 && bottom > top, `the overlay's border is whole:\n${lines.join('\n')}`);
  return lines.slice(top + 1, bottom).map((l) => l.replace(/^│ /, '').replace(/ *│$/, ''));
}

/** Checks the frame and returns the overlay's inside, its more line (if any) and the entries in view. */
function checkFrame(app: App, rows: number, columns: number, title: RegExp) {
  const lines = onScreen(app);
  assert.ok(lines.length <= rows - 1, `${lines.length} lines on a ${rows}-row terminal:\n${app.frame()}`);
  // the Static title above is Ink's to wrap; every line of the live region must fit
  for (const l of lines.slice(1)) assert.ok(l.length <= columns, `a line wider than ${columns} columns: ${JSON.stringify(l)}\n${app.frame()}`);
  assert.match(lines[0] ?? '', title, app.frame());
  assert.ok(lines.at(-1)?.startsWith('╰'), `the overlay ends the frame:\n${app.frame()}`);
  const inside = overlay(lines);
  assert.equal(inside[0], 'Keys', app.frame());
  assert.equal(inside.at(-1), 'press ? or esc to close', app.frame());
  const more = inside.at(-2)?.startsWith('… ') ? inside.at(-2) : undefined;
  const entries = ENTRIES.filter((e) => inside.some((l) => l.startsWith(e)));
  return { inside, more, entries };
}

const SIZES: Array<[number, number]> = [
  [10, 40],
  [12, 60],
  [24, 80],
];

describe('help overlay on a short or narrow terminal', () => {
  for (const [name, screen] of Object.entries(SCREENS)) {
    for (const [rows, columns] of SIZES) {
      it(`${name}, ${rows}x${columns}: title and how to close it in view, every key reached by scrolling, esc closes`, async () => {
        const app = renderApp();
        resize(app, rows, columns);
        await screen.reach(app);
        await app.press('?');
        await waitFor(() => onScreen(app).some((l) => l.includes('press ? or esc to close')), 'the help overlay', app.frame);
        const first = checkFrame(app, rows, columns, screen.title);
        const seen = new Set(first.entries);
        if (first.more === undefined) {
          assert.deepEqual(first.entries, ENTRIES, 'a terminal tall enough shows every key');
        } else {
          assert.match(first.more, /^… \d+ more \(j\/k\)$/);
          assert.equal(Number(/\d+/.exec(first.more)?.[0]) + first.entries.length, ENTRIES.length, app.frame());
          // j and the down arrow scroll down to the last entry, which says there is nothing more below
          for (let i = 0; i < ENTRIES.length && !/above \(k\)$/.test(checkFrame(app, rows, columns, screen.title).more ?? ''); i++) {
            const before = app.frame();
            await app.press(i % 2 ? 'j' : KEY.down);
            await waitFor(() => app.frame() !== before, 'the help to scroll', app.frame);
            for (const e of checkFrame(app, rows, columns, screen.title).entries) seen.add(e);
          }
          const last = checkFrame(app, rows, columns, screen.title);
          assert.match(last.more ?? '', /^… \d+ above \(k\)$/, app.frame());
          assert.equal(Number(/\d+/.exec(last.more ?? '')?.[0]) + last.entries.length, ENTRIES.length, app.frame());
          assert.deepEqual([...seen].sort(), [...ENTRIES].sort(), 'scrolling shows every key');
          // more presses at the end keep it there; one k goes back up at once
          const atEnd = app.frame();
          await app.press('j', 'j');
          assert.equal(app.frame(), atEnd);
          await app.press('k');
          await waitFor(() => /above, \d+ more \(j\/k\)$/.test(checkFrame(app, rows, columns, screen.title).more ?? ''), 'k to scroll up', app.frame);
          await app.press(KEY.up, ...Array(ENTRIES.length).fill('k'));
          await waitFor(() => /^… \d+ more \(j\/k\)$/.test(checkFrame(app, rows, columns, screen.title).more ?? ''), 'the top again', app.frame);
        }
        await app.press(KEY.escape);
        await app.waitFor(screen.back);
        assert.ok(!app.frame().includes('press ? or esc to close'), app.frame());
      });
    }
  }

  it('opened again, the help starts at its top; ? closes it too', async () => {
    const app = renderApp();
    resize(app, 10, 40);
    await app.openStore();
    await app.press('?', 'j', 'j', 'j');
    await app.waitFor(/… 3 above/);
    await app.press('?');
    await app.waitFor('› [ ] debian:12');
    await app.press('?');
    await app.waitFor('press ? or esc to close');
    assert.match(app.frame(), /│ ↑ ↓ \/ j k +move/);
    assert.match(app.frame(), /│ … 1\d more \(j\/k\) +│/);
  });

  it('a long description wraps under itself at 40 columns, not cut', async () => {
    const app = renderApp();
    resize(app, 24, 40);
    await app.openStore();
    await app.press('?', 'j', 'j', 'j');
    await app.waitFor(/^│ \/ +filter images: text, or +│$/m);
    assert.match(app.frame(), /^│ {13}a glob like debian:\* or +│$/m);
    assert.match(app.frame(), /^│ {13}\*\/app\* +│$/m);
  });
});

describe('help overlay during a copy on a short terminal', () => {
  it('ctrl-c still cancels the copy while the help is open', async () => {
    const app = renderApp();
    resize(app, 10, 40);
    const call = await startSave(app, 50_000_000, 1);
    await app.press('?');
    await app.waitFor('press ? or esc to close');
    await app.press(KEY.ctrlC);
    assert.equal(call.signal.aborted, true);
  });
});
