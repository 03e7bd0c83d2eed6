/**
 * A copy's 'note' events (save --resume saying where it continues a blob) are shown as plain lines on
 * the Progress and Done screens, and never counted or coloured as warnings.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { initialState, reduce, type TuiAction, type TuiState } from '../../src/tui/state/machine.js';
import type { CopyEvent } from '../../src/pipeline/events.js';
import { FakeServices, blobEvent, sampleImages } from './fake-services.js';
import { KEY } from './keys.js';
import { renderApp, startSave } from './render-app.js';

afterEach(() => cleanup());

const RESUMING = 'myorg/app:1: layer 0: resuming at 16.8MB of 41.9MB: the first 16.8MB re-hashed from the partial, the rest fetched with a Range request';
const note: CopyEvent = { kind: 'note', code: 'I_RESUME', message: RESUMING };
const warning: CopyEvent = { kind: 'warning', code: 'W_ATTESTATION', message: 'myorg/app:1: left out 1 attestation manifest(s) of the index' };

const services = new FakeServices();
const run = (s: TuiState, ...actions: TuiAction[]): TuiState => actions.reduce(reduce, s);


describe('copy notes in the TUI', () => {
  it('the reducer keeps notes apart from warnings, and hands them to the Done summary', () => {
    let s = run(initialState(services.sourceChoices(), services.actions), { type: 'source/choose', source: { kind: 'store' } }, { type: 'images/loaded', rows: sampleImages }, { type: 'copy/start', at: 0 });
    s = run(s, { type: 'copy/events', events: [note, warning, blobEvent('deb-base', 'copying', 1, 2)], at: 10 });
    assert.deepEqual(s.progress.notes, [RESUMING]);
    assert.deepEqual(s.progress.warnings, [warning.kind === 'warning' ? warning.message : '']);
    const outcome = { images: 1, bytesRead: 1, bytesWritten: 1, blobsCopied: 1, blobsSkipped: 0, durationMs: 1, location: '/tmp/x.tar', warnings: [] };
    s = run(s, { type: 'copy/finished', outcome, command: 'baler save -o x.tar debian:12' });
    assert.deepEqual(s.done?.notes, [RESUMING]);
    assert.deepEqual(s.done?.outcome.warnings, []);
  });

  it('the Progress screen shows a note as a plain line while copying, and the Done screen keeps it, not as a warning', async () => {
    const app = renderApp();
    const call = await startSave(app, 50_001_000, 2);
    call.emit(blobEvent('deb-base', 'copying', 16_800_000, 50_000_000));
    call.emit(note);
    await app.waitFor('resuming at 16.8MB of 41.9MB');
    assert.doesNotMatch(app.frame(), /! .*resuming|warning/i);
    call.emit(blobEvent('deb-base', 'verified', 50_000_000, 50_000_000));
    call.resolve({ images: 1, bytesRead: 33_200_000, bytesWritten: 50_000_000, blobsCopied: 2, blobsSkipped: 0, durationMs: 1000, location: '/tmp/debian_12.tar', warnings: [] });
    await app.waitFor('✓ Done');
    await app.waitFor(RESUMING);
    const line = app.frame().split('\n').find((l) => l.includes('resuming at'));
    assert.ok(line, app.frame());
    assert.match(line, /^ {2}myorg\/app:1: layer 0: resuming at/, 'a plain indented note, not a "! " warning line');
  });

  it('a failed copy still shows its notes under the failure', async () => {
    const app = renderApp();
    const call = await startSave(app, 50_001_000, 2);
    call.emit(note);
    call.reject(new Error('disk full'));
    await app.waitFor('✗ disk full');
    assert.match(app.frame(), /^ {2}myorg\/app:1: layer 0: resuming at 16\.8MB of 41\.9MB/m);
  });
});
