/**
 * Listing a compressed archive spools it to a temp dir; making the first one sweeps the temp dirs of
 * balers that died (io/leftovers.ts). The CLI prints a line for that; the TUI shows the same line
 * with the image list.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { ownerTag } from '../../src/io/owner.js';
import { createTuiServices } from '../../src/tui/services.js';
import { fixture } from '../helpers/paths.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { KEY } from './keys.js';
import { renderWith } from './render-app.js';

const tmp = new TempDirs();
const savedTmpdir = process.env.BALER_TMPDIR;
after(async () => {
  if (savedTmpdir === undefined) delete process.env.BALER_TMPDIR;
  else process.env.BALER_TMPDIR = savedTmpdir;
  await tmp.removeAll();
});
afterEach(() => cleanup());

/** Above Linux's largest pid_max (4194304), so never a running process. */
const DEAD_PID = 9_999_999;

describe('a temp-dir sweep while the TUI lists a compressed archive', () => {
  it('is shown on the Images screen, in the CLI’s words', async () => {
    const dir = await tmp.make('baler-tui-sweep-');
    // a temp root of this test's own: the sweep runs once per process and temp root
    const temps = join(dir, 'temps');
    await mkdir(temps);
    process.env.BALER_TMPDIR = temps;
    const stale = join(temps, `baler-archive-${DEAD_PID}-h${ownerTag()}.Abc123`);
    await mkdir(stale);
    await writeFile(join(stale, 'spool'), Buffer.alloc(5000));

    const app = renderWith(createTuiServices({ storePath: join(dir, 'store'), cwd: dir, env: {} }));
    await app.waitFor('Embedded store');
    await app.press(KEY.down, KEY.enter, ...fixture('docker20-multi.tar.gz'), KEY.enter);
    await app.waitFor('bbbase:1');
    await app.waitFor(`removed 1 leftover temp dir of an interrupted baler in ${temps} (5.0 kB)`);
    assert.equal(existsSync(stale), false, 'the dead baler’s temp dir was removed');
    const line = app.frame().split('\n').find((l) => l.includes('leftover temp dir'));
    assert.match(line ?? '', /^ {2}removed 1 leftover temp dir/, 'a notice line, not a warning');
  });
});
