/**
 * Walks the TUI over the real services and a real store (made by `baler load -i` of a fixture),
 * asserting what the screens say.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { createTuiServices } from '../../src/tui/services.js';
import { balerInProcessOk } from '../helpers/cli-in-process.js';
import { fixture } from '../helpers/paths.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { KEY } from './keys.js';
import { renderWith } from './render-app.js';
import { ownerTag } from '../../src/io/owner.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
afterEach(() => cleanup());

/** Above Linux's largest pid_max (4194304), so never a running process. */
const DEAD_PID = 9_999_999;

describe('the TUI over a store loaded from docker20-multi.tar', () => {
  let dir = '';
  let store = '';
  before(async () => {
    dir = await tmp.make('baler-tui-flows-');
    store = join(dir, 'store');
    await balerInProcessOk(['load', '-i', fixture('docker20-multi.tar'), '--store', store], dir);
  });

  async function openStore() {
    const app = renderWith(createTuiServices({ storePath: store, cwd: dir, env: {} }));
    await app.waitFor('Embedded store');
    await app.press(KEY.enter);
    await app.waitFor('bbbase:1');
    return app;
  }

  it('the layer browser shows a base layer’s history comment, not "(no history)"', async () => {
    const app = await openStore();
    await app.press('L');
    await app.waitFor('Layers of bbbase:1');
    await app.waitFor(/› +1 [0-9a-f]{8} +2\.0 MB .*\(baler fixture base \(busybox-static\)\)/);
    assert.doesNotMatch(app.frame(), /no history/);
  });

  it('a save that removed a dead baler’s temp file beside its output says so on the Done screen', async () => {
    const stale = join(dir, `.bbbase_1.tar.baler-tmp-${DEAD_PID}-${ownerTag()}456789ab`);
    writeFileSync(stale, Buffer.alloc(5000));
    const app = await openStore();
    await app.press(KEY.enter);
    await app.waitFor('Output file  bbbase_1.tar');
    await app.press('s');
    await app.waitFor('✓ Done');
    await app.waitFor(`removed 1 leftover temp file of an interrupted baler beside ${join(dir, 'bbbase_1.tar')} (5.0 kB)`);
    assert.equal(existsSync(stale), false);
  });

  it('a load that moves a name to the loaded image says so on the Done screen', async () => {
    const moving = join(dir, 'moving-store');
    await balerInProcessOk(['load', '-i', fixture('docker20-multi.tar'), '--store', moving], dir);
    await balerInProcessOk(['tag', '--store', moving, 'imgo:1', 'imga:1'], dir);
    const app = renderWith(createTuiServices({ storePath: moving, cwd: dir, env: {} }));
    await app.waitFor('Embedded store');
    await app.press(KEY.down, KEY.enter, ...fixture('docker20-multi.tar'), KEY.enter);
    await app.waitFor('imgo:1');
    await app.press('/', ...'imga', KEY.enter, KEY.enter);
    await app.waitFor('‹load into the store›');
    await app.press('s');
    await app.waitFor('✓ Done');
    await app.waitFor(/the name imga:1 moved from [0-9a-f]{12} to [0-9a-f]{12}; the old image is kept, without this name/);
  });
});
