/**
 * The Progress screen prints its title and each finished row once, above the live region. Whatever
 * takes the live region's place for a while (the "terminal too small" line, the help overlay) must not
 * print them again when the screen comes back: the terminal's scrollback would show them twice.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { blobEvent } from './fake-services.js';
import { renderApp, resize, startSave } from './render-app.js';

afterEach(() => cleanup());

/** Lines printed more than once: ink-testing-library's frame is every <Static> line ever printed, then the live region. */
function repeatedLines(frame: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.trim() === '') continue;
    if (seen.has(line)) repeated.push(line);
    seen.add(line);
  }
  return repeated;
}

/** A save with one blob finished (printed through <Static>) and one moving. */
async function copyWithAFinishedRow() {
  const app = renderApp();
  resize(app, 24);
  const call = await startSave(app, 53_000_000, 2);
  call.emit(blobEvent('deb-base', 'verified', 50_000_000, 50_000_000));
  call.emit(blobEvent('app1', 'copying', 1_000_000, 3_000_000));
  await app.waitFor('blobs 1/2');
  return { app, call };
}

describe('Progress screen scrollback', () => {
  it('resized below 10 rows and back, twice, prints its title and finished rows once', async () => {
    const { app, call } = await copyWithAFinishedRow();
    for (const rows of [8, 9]) {
      resize(app, rows);
      await app.waitFor(`terminal too small: ${rows} rows`);
      resize(app, 24);
      await app.waitFor('ctrl-c cancels');
    }
    const frame = app.frame();
    assert.deepEqual(repeatedLines(frame), [], frame);
    assert.equal(frame.split('\n').filter((l) => l.startsWith('baler · Progress · save debian:12')).length, 1, frame);
    assert.equal(frame.split('\n').filter((l) => / verified +50 MB \/ 50 MB/.test(l)).length, 1, frame);
    // a row that finishes after the resizes is printed once too, below the first
    call.emit(blobEvent('app1', 'verified', 3_000_000, 3_000_000));
    await app.waitFor('blobs 2/2');
    assert.deepEqual(repeatedLines(app.frame()), [], app.frame());
    assert.equal(app.frame().split('\n').filter((l) => / verified /.test(l)).length, 2, app.frame());
  });

  it('a row that finishes while the terminal is too small is printed once, when it is', async () => {
    const { app, call } = await copyWithAFinishedRow();
    resize(app, 8);
    await app.waitFor('terminal too small');
    call.emit(blobEvent('app1', 'verified', 3_000_000, 3_000_000));
    resize(app, 24);
    await app.waitFor('blobs 2/2');
    assert.deepEqual(repeatedLines(app.frame()), [], app.frame());
    assert.equal(app.frame().split('\n').filter((l) => / verified /.test(l)).length, 2, app.frame());
  });

  it('the help overlay opened and closed during a copy prints nothing twice', async () => {
    const { app } = await copyWithAFinishedRow();
    await app.press('?');
    await app.waitFor('this help');
    await app.press('?');
    await app.waitFor('ctrl-c cancels');
    assert.deepEqual(repeatedLines(app.frame()), [], app.frame());
  });
});
