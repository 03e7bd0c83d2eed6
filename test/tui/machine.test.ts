import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialState, reduce, type TuiAction, type TuiState } from '../../src/tui/state/machine.js';
import { intentsForKey } from '../../src/tui/state/keymap.js';
import { overallProgress, plannedCopy, visibleImages } from '../../src/tui/state/selectors.js';
import { FakeServices, blobEvent, layerDigest, sampleImages } from './fake-services.js';

const services = new FakeServices();
const run = (s: TuiState, ...actions: TuiAction[]): TuiState => actions.reduce(reduce, s);
const start = (): TuiState => run(initialState(services.sourceChoices(), services.actions), { type: 'source/choose', source: { kind: 'store' } }, { type: 'images/loaded', rows: sampleImages });
const key = (s: TuiState, input: string, k: Parameters<typeof intentsForKey>[2] = {}): TuiState =>
  intentsForKey(s, input, k).reduce((acc, i) => (i.kind === 'dispatch' ? reduce(acc, i.action) : acc), s);

describe('TUI state machine (no renderer)', () => {
  it('choosing a source goes to Images and loading fills it', () => {
    const s = start();
    assert.equal(s.screen, 'images');
    assert.equal(s.imagesStatus, 'ready');
    assert.equal(s.images.length, 5);
  });

  it('a failed listing returns to Source with the error', () => {
    const s = run(initialState(services.sourceChoices(), services.actions), { type: 'source/choose', source: { kind: 'path', path: 'x.tar' } }, { type: 'images/failed', message: 'x.tar: not an archive' });
    assert.equal(s.screen, 'source');
    assert.equal(s.imagesError, 'x.tar: not an archive');
  });

  it('toggle adds and removes; select-only replaces', () => {
    const id = sampleImages[0]!.key;
    let s = run(start(), { type: 'images/toggle', id });
    assert.deepEqual(s.selected, [id]);
    s = run(s, { type: 'images/toggle', id });
    assert.deepEqual(s.selected, []);
    s = run(s, { type: 'images/select-only', ids: [sampleImages[1]!.key, sampleImages[2]!.key] });
    assert.equal(s.selected.length, 2);
  });

  it('the filter narrows the visible rows and the cursor stays inside them', () => {
    let s = run(start(), { type: 'images/move', delta: 4, visible: 5 });
    assert.equal(s.cursor, 4);
    s = run(s, { type: 'filter/start' }, { type: 'filter/input', value: 'debian:*' });
    assert.deepEqual(visibleImages(s).map((r) => r.names[0]), ['debian:12', 'debian:11']);
    assert.equal(s.cursor, 0);
    s = run(s, { type: 'images/move', delta: 9, visible: visibleImages(s).length });
    assert.equal(s.cursor, 1);
  });

  it('keys: / starts a filter in which j, k and q are text; esc clears it', () => {
    let s = key(start(), '/');
    assert.equal(s.filtering, true);
    for (const c of 'jkq') s = key(s, c);
    assert.equal(s.filter, 'jkq');
    assert.deepEqual(intentsForKey(s, 'q', {}).map((i) => i.kind), ['dispatch']);
    s = key(s, '', { escape: true });
    assert.equal(s.filtering, false);
    assert.equal(s.filter, '');
    assert.deepEqual(intentsForKey(s, 'q', {}).map((i) => i.kind), ['quit']);
  });

  it('esc walks back: Action -> Images -> Source', () => {
    let s = run(start(), { type: 'images/toggle', id: sampleImages[0]!.key }, { type: 'action/open', names: ['debian:12'] });
    assert.equal(s.screen, 'action');
    assert.equal(s.form.output, 'debian_12.tar');
    s = key(s, '', { escape: true });
    assert.equal(s.screen, 'images');
    s = key(s, '', { escape: true });
    assert.equal(s.screen, 'source');
  });

  it('the Action form cycles choices and edits text; the plan follows', () => {
    let s = run(start(), { type: 'images/toggle', id: sampleImages[0]!.key }, { type: 'action/open', names: ['debian:12'] });
    s = run(s, { type: 'action/move', delta: 1 }, { type: 'action/cycle', delta: 1 }); // format -> oci
    s = run(s, { type: 'action/move', delta: 1 }, { type: 'action/cycle', delta: 2 }); // compression keep -> zstd
    s = run(s, { type: 'action/move', delta: 2 }, { type: 'action/edit', editing: true }, { type: 'action/input', value: 'out/deb.tar' }, { type: 'action/edit', editing: false });
    const plan = plannedCopy(s);
    assert.ok(!('error' in plan));
    assert.deepEqual(plan.request, { kind: 'save', source: { kind: 'store' }, images: ['debian:12'], output: 'out/deb.tar', format: 'oci', compression: 'zstd', archive: 'auto' });
  });

  it('switching the action to an OCI directory renames the default output', () => {
    let s = run(start(), { type: 'images/toggle', id: sampleImages[0]!.key }, { type: 'action/open', names: ['debian:12'] });
    s = run(s, { type: 'action/cycle', delta: 1 });
    assert.equal(s.form.kind, 'oci-dir');
    assert.equal(s.form.output, 'debian_12-oci');
  });

  it('a malformed platform is refused before the copy starts', () => {
    let s = run(start(), { type: 'images/toggle', id: sampleImages[0]!.key }, { type: 'action/open', names: ['debian:12'] });
    s = run(s, { type: 'action/move', delta: 5 }, { type: 'action/input', value: '/tmp/x.tar' });
    const plan = plannedCopy(s);
    assert.ok('error' in plan && /platform/.test(plan.error), JSON.stringify(plan));
  });

  it('export flattens exactly one image', () => {
    let s = run(start(), { type: 'images/toggle', id: sampleImages[0]!.key }, { type: 'action/open', names: ['debian:12'] });
    s = run(s, { type: 'action/cycle', delta: 2 });
    assert.equal(s.form.kind, 'export');
    s = run(s, { type: 'action/move', delta: 2 }, { type: 'action/input', value: 'deb-rootfs.tar.gz' });
    const plan = plannedCopy(s);
    assert.ok(!('error' in plan), JSON.stringify(plan));
    assert.deepEqual(plan.request, { kind: 'export', source: { kind: 'store' }, image: 'debian:12', output: 'deb-rootfs.tar.gz', archive: 'auto' });
    s = run(s, { type: 'images/toggle', id: sampleImages[1]!.key });
    assert.deepEqual(plannedCopy(s), { error: 'export flattens one image: select exactly one' });
  });

  it('a Docker data directory is typed in and saved from with --from docker-root:DIR', async () => {
    const { equivalentCommand } = await import('../../src/cli/command-line.js');
    const choices = [...services.sourceChoices().slice(0, 2), { id: 'docker-root' as const, label: 'Docker store directory (offline)…', available: true, defaultPath: '/var/lib/docker' }];
    let s = initialState(choices, services.actions);
    s = key(key(key(s, 'j'), 'j'), '', { return: true });
    assert.equal(s.pathEditing, true);
    assert.equal(s.pathInput, '/var/lib/docker');
    const intents = intentsForKey(s, '', { return: true });
    assert.deepEqual(intents, [{ kind: 'choose-source', source: { kind: 'docker-root', path: '/var/lib/docker' } }]);
    s = run(s, { type: 'source/choose', source: { kind: 'docker-root', path: '/var/lib/docker' } }, { type: 'images/loaded', rows: sampleImages });
    s = run(s, { type: 'images/toggle', id: sampleImages[0]!.key }, { type: 'action/open', names: ['debian:12'] });
    const plan = plannedCopy(s);
    assert.ok(!('error' in plan));
    assert.equal(equivalentCommand(plan.action), 'baler save --from docker-root:/var/lib/docker -o debian_12.tar debian:12');
  });

  it('an archive source offers load only, and nothing runs without a selection', () => {
    let s = run(initialState(services.sourceChoices(), services.actions), { type: 'source/choose', source: { kind: 'path', path: '/x/a.tar' } }, { type: 'images/loaded', rows: sampleImages });
    assert.equal(s.form.kind, 'load');
    assert.deepEqual(plannedCopy(s), { error: 'select at least one image (space)' });
    s = run(s, { type: 'images/toggle', id: sampleImages[4]!.key }, { type: 'action/open', names: [] });
    const plan = plannedCopy(s);
    assert.ok(!('error' in plan));
    assert.deepEqual(plan.action, { verb: 'load', input: '/x/a.tar', images: ['alpine:3.20'] });
  });

  it('copy events: rows update in place, finished order is append-only, totals add up', () => {
    let s = run(start(), { type: 'copy/start', at: 1000 });
    s = run(
      s,
      { type: 'copy/event', at: 1000, event: { kind: 'plan', images: [], totalBytes: 300, sharedBytes: 50, blobs: 2 } },
      { type: 'copy/events', at: 2000, events: [blobEvent('a', 'copying', 50, 100), blobEvent('b', 'copying', 10, 200)] },
      { type: 'copy/event', at: 3000, event: blobEvent('b', 'verified', 200, 200) },
      { type: 'copy/event', at: 3000, event: blobEvent('a', 'verified', 100, 100) },
      // the second image that shares layer a reports it again
      { type: 'copy/event', at: 3000, event: blobEvent('a', 'queued', 0, 100) },
      { type: 'copy/event', at: 3000, event: blobEvent('a', 'skipped-present', 0, 100) },
    );
    assert.equal(s.progress.blobs.find((b) => b.digest === layerDigest('a'))?.state, 'verified');
    assert.equal(s.progress.blobs.length, 2);
    assert.deepEqual(s.progress.finished, [layerDigest('b'), layerDigest('a')]);
    const o = overallProgress(s.progress);
    assert.equal(o.done, 300);
    assert.equal(o.total, 300);
    assert.equal(o.fraction, 1);
    assert.equal(o.rate, 150); // 300 bytes in 2 s
    assert.equal(o.finishedBlobs, 2);
  });

  it('ctrl-c during a copy asks to cancel instead of quitting; q is ignored until it settles', () => {
    const s = run(start(), { type: 'copy/start', at: 0 });
    assert.deepEqual(intentsForKey(s, 'c', { ctrl: true }).map((i) => i.kind), ['cancel-copy']);
    assert.deepEqual(intentsForKey(s, 'q', {}), []);
    const cancelled = run(s, { type: 'copy/cancel' }, { type: 'copy/cancelled' });
    assert.equal(cancelled.progress.status, 'cancelled');
    assert.deepEqual(intentsForKey(cancelled, 'q', {}).map((i) => i.kind), ['quit']);
    assert.equal(key(cancelled, '', { escape: true }).screen, 'images');
  });

  it('finishing records the command and the dedupe saving', () => {
    let s = run(start(), { type: 'copy/start', at: 0 }, { type: 'copy/event', at: 0, event: { kind: 'plan', images: [], totalBytes: 10, sharedBytes: 7, blobs: 1 } });
    s = run(s, {
      type: 'copy/finished',
      command: 'baler save -o x.tar a',
      outcome: { images: 1, bytesRead: 10, bytesWritten: 20, blobsCopied: 1, blobsSkipped: 0, durationMs: 5, location: 'x.tar', warnings: [] },
    });
    assert.equal(s.screen, 'done');
    assert.equal(s.done?.dedupeSaved, 7);
    assert.equal(s.done?.command, 'baler save -o x.tar a');
  });

  it('? toggles help from any screen but is text while typing', () => {
    let s = key(start(), '?');
    assert.equal(s.help, true);
    s = key(s, 'x');
    assert.equal(s.help, false);
    s = key(key(s, '/'), '?');
    assert.equal(s.help, false);
    assert.equal(s.filter, '?');
  });
});

describe('splitKeys', () => {
  it('splits a run of plain bytes into single keys', async () => {
    const { splitKeys } = await import('../../src/tui/state/keymap.js');
    assert.deepEqual(splitKeys(' \rjj\t\u007Fq', {}), [
      [' ', {}],
      ['', { return: true }],
      ['j', {}],
      ['j', {}],
      ['', { tab: true }],
      ['', { backspace: true }],
      ['q', {}],
    ]);
    assert.deepEqual(splitKeys('j', {}), [['j', {}]]);
    assert.deepEqual(splitKeys('\n', {}), [['', { return: true }]]);
    assert.deepEqual(splitKeys('', { upArrow: true }), [['', { upArrow: true }]]);
  });
});
