/**
 * Notes are plain text; warnings are yellow. Colour needs chalk's level set before Ink loads it, so this
 * file imports the screens only after forcing colour (node --test runs each file in its own process).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

process.env.FORCE_COLOR = '1';
const { render, cleanup } = await import('ink-testing-library');
const { createElement } = await import('react');
const { DoneScreen } = await import('../../src/tui/screens/DoneScreen.js');
const { ThemeContext, makeTheme } = await import('../../src/tui/components/theme.js');
const { ProgressScreen } = await import('../../src/tui/screens/ProgressScreen.js');
const { initialState, reduce } = await import('../../src/tui/state/machine.js');
const { FakeServices, sampleImages } = await import('./fake-services.js');

const NOTE = 'myorg/app:1: layer 0: resuming at 16.8MB of 41.9MB';
const WARNING = 'myorg/app:1: left out 1 attestation manifest(s) of the index';
/** An SGR foreground colour (30-37, 90-97) opened on a line. */
const COLOURED = /\x1b\[(?:3|9)[0-7]m/;

describe('copy notes, coloured terminal', () => {
  it('the Done screen draws a note without colour and a warning in yellow', () => {
    const outcome = { images: 1, bytesRead: 1, bytesWritten: 1, blobsCopied: 1, blobsSkipped: 0, durationMs: 1000, location: '/tmp/x.tar', warnings: [WARNING] };
    const r = render(createElement(ThemeContext.Provider, { value: makeTheme(true) }, createElement(DoneScreen, { done: { outcome, notes: [NOTE], dedupeSaved: 0, command: 'baler save -o x.tar myorg/app:1' } })));
    const lines = (r.lastFrame() ?? '').split('\n');
    const noteLine = lines.find((l) => l.includes('resuming at')) ?? '';
    const warnLine = lines.find((l) => l.includes('attestation')) ?? '';
    assert.match(warnLine, /\x1b\[33m/, `the warning is yellow: ${JSON.stringify(warnLine)}`);
    assert.doesNotMatch(noteLine, COLOURED, `the note carries no colour: ${JSON.stringify(noteLine)}`);
    assert.match(noteLine, /^ {2}myorg\/app:1/);
    cleanup();
  });

  it('the Progress screen draws a note without colour', () => {
    const services = new FakeServices();
    let state = reduce(initialState(services.sourceChoices(), services.actions), { type: 'source/choose', source: { kind: 'store' } });
    state = reduce(state, { type: 'images/loaded', rows: sampleImages });
    state = reduce(state, { type: 'copy/start', at: 0 });
    state = reduce(state, { type: 'copy/event', event: { kind: 'note', code: 'I_RESUME', message: NOTE }, at: 5 });
    const r = render(createElement(ThemeContext.Provider, { value: makeTheme(true) }, createElement(ProgressScreen, { state, width: 100, height: 30 })));
    const noteLine = (r.lastFrame() ?? '').split('\n').find((l) => l.includes('resuming at')) ?? '';
    assert.match(noteLine, /^ {2}myorg\/app:1/, r.lastFrame());
    assert.doesNotMatch(noteLine, COLOURED, `the note carries no colour: ${JSON.stringify(noteLine)}`);
    cleanup();
  });

  it('the Progress screen draws a warning in yellow, also after the copy failed', () => {
    const services = new FakeServices();
    let state = reduce(initialState(services.sourceChoices(), services.actions), { type: 'source/choose', source: { kind: 'store' } });
    state = reduce(state, { type: 'images/loaded', rows: sampleImages });
    state = reduce(state, { type: 'copy/start', at: 0 });
    state = reduce(state, { type: 'copy/event', event: { kind: 'warning', code: 'W_ATTESTATION', message: WARNING }, at: 5 });
    state = reduce(state, { type: 'copy/failed', message: 'disk full' });
    const r = render(createElement(ThemeContext.Provider, { value: makeTheme(true) }, createElement(ProgressScreen, { state, width: 100, height: 30 })));
    const warnLine = (r.lastFrame() ?? '').split('\n').find((l) => l.includes('attestation')) ?? '';
    assert.match(warnLine, /\x1b\[33m! myorg\/app:1/, `the warning is yellow: ${JSON.stringify(warnLine)}`);
    cleanup();
  });
});
