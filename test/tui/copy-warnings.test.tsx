/**
 * A copy's warnings (a platform mismatch, an attestation left out) are shown on the Progress screen
 * as `! ` lines: the last few while it runs, as many as fit once it failed or was cancelled, since such a
 * copy never reaches the Done screen that lists them otherwise.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { CopyEvent } from '../../src/pipeline/events.js';
import { FakeServices } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp, startSave } from './render-app.js';

afterEach(() => cleanup());

const PLATFORM = 'debian:12: is linux/arm64, not linux/amd64; copying it anyway';
const warning = (message: string): CopyEvent => ({ kind: 'warning', code: 'W_PLATFORM', message });


const warningLines = (frame: string): string[] => frame.split('\n').filter((l) => l.startsWith('! '));

describe('copy warnings on the Progress screen', () => {
  it('a running copy shows its warning as a "! " line', async () => {
    const app = renderApp();
    const call = await startSave(app, 1000, 1);
    call.emit(warning(PLATFORM));
    await app.waitFor(`! ${PLATFORM}`);
  });

  it('a running copy shows its last three warnings and counts the earlier ones', async () => {
    const app = renderApp();
    const call = await startSave(app, 1000, 1);
    for (let i = 1; i <= 5; i++) call.emit(warning(`warning number ${i}`));
    await app.waitFor('! warning number 5');
    assert.deepEqual(warningLines(app.frame()), ['! warning number 3', '! warning number 4', '! warning number 5']);
    assert.match(app.frame(), /^ {2}… 2 earlier warnings$/m);
  });

  it('a failed copy keeps every warning under the failure', async () => {
    const app = renderApp();
    const call = await startSave(app, 1000, 1);
    for (let i = 1; i <= 4; i++) call.emit(warning(`warning number ${i}`));
    call.emit(warning(PLATFORM));
    call.reject(new Error('disk full'));
    await app.waitFor('✗ disk full');
    assert.deepEqual(warningLines(app.frame()), [1, 2, 3, 4].map((i) => `! warning number ${i}`).concat(`! ${PLATFORM}`));
    assert.doesNotMatch(app.frame(), /earlier warning/);
  });

  it('a cancelled copy keeps its warnings too', async () => {
    const services = new FakeServices();
    const app = renderApp(services);
    const call = await startSave(app, 1000, 1);
    call.emit(warning(PLATFORM));
    await app.press(KEY.ctrlC);
    await app.waitFor('(esc: back, q: quit)');
    assert.deepEqual(warningLines(app.frame()), [`! ${PLATFORM}`]);
  });
});
