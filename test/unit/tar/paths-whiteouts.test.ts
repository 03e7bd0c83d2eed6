import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { isSafeRelativePath, normalizeEntryPath, resolveLinkTarget } from '../../../src/tar/paths.js';
import { OPAQUE_MARKER, isOpaqueMarker, isWhiteoutMeta, whiteoutTarget } from '../../../src/tar/whiteouts.js';

describe('normalizeEntryPath', () => {
  const cases: Array<[string, string]> = [
    ['./etc/', 'etc'],
    ['/etc/passwd', 'etc/passwd'],
    ['etc//x/./y', 'etc/x/y'],
    ['./', ''],
    ['.', ''],
    ['a/b/../c', 'a/c'],
    ['grüße/日本', 'grüße/日本'],
  ];
  for (const [input, want] of cases) test(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => assert.equal(normalizeEntryPath(input, 'x'), want));

  test('escapes are E_PATH_ESCAPE naming the archive and entry', () => {
    for (const bad of ['..', '../x', 'a/../../x', '/../etc']) {
      assert.throws(
        () => normalizeEntryPath(bad, 'layer.tar'),
        (e: unknown) => e instanceof BalerError && e.code === 'E_PATH_ESCAPE' && e.message === `layer.tar: entry "${bad}" points outside the archive root`,
      );
    }
  });
});

test('isSafeRelativePath', () => {
  for (const ok of ['a', 'a/b', 'blobs/sha256/abc']) assert.equal(isSafeRelativePath(ok), true, ok);
  for (const bad of ['', '/a', 'a/../b', './a', 'a//b', 'a/', '..', 'a\0b']) assert.equal(isSafeRelativePath(bad), false, bad);
});

test('resolveLinkTarget', () => {
  assert.equal(resolveLinkTarget('v1/layer.tar', '../v2/layer.tar'), 'v2/layer.tar');
  assert.equal(resolveLinkTarget('a/b', '/etc/x'), 'etc/x');
  assert.equal(resolveLinkTarget('a', '../../x'), undefined);
});

describe('whiteouts', () => {
  test('whiteoutTarget', () => {
    assert.equal(whiteoutTarget('etc/.wh.motd'), 'etc/motd');
    assert.equal(whiteoutTarget('.wh.top'), 'top');
    assert.equal(whiteoutTarget('etc/motd'), undefined);
    assert.equal(whiteoutTarget(`data/${OPAQUE_MARKER}`), undefined);
    assert.equal(whiteoutTarget('.wh..wh.plnk'), undefined);
    assert.equal(whiteoutTarget('a/.wh.'), undefined);
  });
  test('opaque marker and aufs meta names', () => {
    assert.equal(isOpaqueMarker('data/.wh..wh..opq'), true);
    assert.equal(isOpaqueMarker('.wh..wh..opq'), true);
    assert.equal(isOpaqueMarker('data/.wh.x'), false);
    assert.equal(isWhiteoutMeta('.wh..wh.plnk'), true);
    assert.equal(isWhiteoutMeta('a/.wh..wh..opq'), true);
    assert.equal(isWhiteoutMeta('a/.wh.x'), false);
  });
});
