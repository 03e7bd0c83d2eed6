import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeImageChanges, squashHints, type LayerEntry } from '../../src/image/layer-changes.js';

const f = (path: string, size: number): LayerEntry => ({ path, type: 'file', size });
const dir = (path: string): LayerEntry => ({ path, type: 'dir', size: 0 });

describe('layer changes and wasted space', () => {
  it('marks added, changed and removed files per layer', () => {
    const c = computeImageChanges([
      [dir('etc'), f('etc/a', 10), f('etc/b', 20), dir('usr'), f('usr/x', 5)],
      [dir('etc'), f('etc/a', 11), f('etc/.wh.b', 0), f('etc/c', 3)],
    ]);
    const l1 = c.layers[1]!;
    const byPath = Object.fromEntries(l1.changes.map((x) => [x.path, x.kind]));
    assert.deepEqual(byPath, { etc: 'changed', 'etc/a': 'changed', 'etc/b': 'removed', 'etc/c': 'added' });
    assert.equal(c.layers[0]!.added, 5);
    assert.deepEqual([l1.added, l1.changed, l1.removed], [1, 2, 1]);
    // etc/a (10, overwritten) and etc/b (20, deleted) are still in layer 0.
    assert.equal(c.wastedBytes, 30);
    assert.deepEqual(c.hidden.map((h) => [h.path, h.size, h.layer, h.hiddenBy]).sort(), [['etc/a', 10, 0, 1], ['etc/b', 20, 0, 1]]);
    assert.equal(c.totalBytes, 10 + 20 + 5 + 11 + 3);
  });

  it('a deleted directory hides everything below it, from every lower layer', () => {
    const c = computeImageChanges([
      [dir('cache'), f('cache/1', 100), f('cache/2', 200)],
      [f('cache/3', 300)],
      [f('.wh.cache', 0)],
    ]);
    const removed = c.layers[2]!.changes[0]!;
    assert.equal(removed.kind, 'removed');
    assert.equal(removed.path, 'cache');
    assert.equal(removed.size, 600);
    assert.equal(c.wastedBytes, 600);
    assert.deepEqual(c.squash, [
      { from: 0, to: 2, saves: 300 },
      { from: 1, to: 2, saves: 300 },
    ]);
  });

  it('an opaque directory hides lower children but keeps its own layer\'s (formats.md §4.3)', () => {
    const c = computeImageChanges([
      [dir('d'), f('d/old', 7)],
      [dir('d'), f('d/.wh..wh..opq', 0), f('d/new', 4)],
    ]);
    assert.equal(c.wastedBytes, 7);
    const kinds = c.layers[1]!.changes.map((x) => `${x.kind}:${x.path}`);
    assert.ok(kinds.includes('removed:d/'));
    assert.ok(kinds.includes('added:d/new'));
  });

  it('a whiteout for a path that was never there hides nothing', () => {
    const c = computeImageChanges([[f('a', 1)], [f('.wh.zzz', 0)]]);
    assert.equal(c.wastedBytes, 0);
    assert.deepEqual(c.squash, []);
  });

  it('a file replacing a directory hides the directory\'s files', () => {
    const c = computeImageChanges([[dir('x'), f('x/y', 9)], [f('x', 1)]]);
    assert.equal(c.wastedBytes, 9);
  });

  it('squash hints rank layer ranges by the bytes they would drop', () => {
    const hints = squashHints([
      { path: 'a', size: 5, layer: 0, hiddenBy: 1 },
      { path: 'b', size: 50, layer: 1, hiddenBy: 3 },
      { path: 'c', size: 6, layer: 0, hiddenBy: 1 },
    ]);
    assert.deepEqual(hints, [
      { from: 1, to: 3, saves: 50 },
      { from: 0, to: 1, saves: 11 },
    ]);
  });
});
