import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { planFlatten, type FlatHeader } from '../../../src/tar/flatten/plan.js';
import { FsTree, type FsEntry } from '../../../src/tar/flatten/tree.js';

type Spec = [type: FsEntry['type'], path: string, extra?: Partial<FsEntry>];

function entry([type, path, extra]: Spec): FsEntry {
  return { path, type, size: type === 'file' ? 5 : 0, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 1700000000, ...extra };
}

function build(layers: Spec[][]): FsTree {
  const tree = new FsTree();
  layers.forEach((entries, layer) => entries.forEach((e, ordinal) => tree.apply(layer, ordinal, entry(e), `layer ${layer}`)));
  return tree;
}

/** `path type [-> link]` lines of everything the plan writes, in write order (layer files last). */
function listing(tree: FsTree, filter?: (p: string, d: boolean) => boolean): string[] {
  const plan = planFlatten(tree, filter);
  const fmt = (h: FlatHeader): string => `${h.name} ${h.type}${h.linkname !== undefined ? ` -> ${h.linkname}` : ''}`;
  const out = plan.upfront.map(fmt);
  for (const layer of [...plan.fromLayers.keys()].sort()) {
    const byOrd = plan.fromLayers.get(layer)!;
    for (const ord of [...byOrd.keys()].sort((a, b) => a - b)) {
      const e = byOrd.get(ord)!;
      out.push(`${fmt(e.file)} @${layer}:${ord}`, ...e.links.map(fmt));
    }
  }
  return out;
}

describe('FsTree (formats.md §4.3)', () => {
  test('the fixture-3layers recipe gives docker export\'s tree', () => {
    const tree = build([
      [
        ['dir', 'etc'], ['file', 'etc/hosts'], ['dir', 'a'], ['file', 'a/keep.txt'], ['file', 'a/gone.txt'], ['dir', 'd'],
        ['dir', 'd/sub', { mode: 0o700 }], ['file', 'd/sub/x.txt'], ['file', 'd/y.txt'], ['dir', 'bin'], ['file', 'bin/tool'],
        ['symlink', 'lnk', { linkname: 'a/keep.txt' }], ['dir', 'hl'], ['file', 'hl/orig'], ['hardlink', 'hl/link', { linkname: 'hl/orig' }],
        ['dir', 'dev'], ['char', 'dev/null2', { devmajor: 1, devminor: 3 }], ['fifo', 'fifo'],
      ],
      [
        ['dir', 'a'], ['file', 'a/.wh.gone.txt'], ['dir', 'd'], ['file', 'd/new.txt'], ['file', 'd/.wh..wh..opq'], ['dir', 'bin'],
        ['file', 'bin/tool'], ['dir', 'hl'], ['file', 'hl/orig'], ['dir', 'e'], ['file', 'e/nnn/long-file.txt'], ['file', 'ünicode-é.txt'],
      ],
      [['file', '.wh.etc'], ['dir', 'etc2'], ['file', 'etc2/f'], ['dir', 'a'], ['file', 'a/keep.txt']],
    ]);
    assert.deepEqual(listing(tree), [
      'a dir', 'bin dir', 'd dir', 'dev dir', 'dev/null2 char', 'e dir', 'e/nnn dir', 'etc2 dir', 'fifo fifo', 'hl dir',
      'lnk symlink -> a/keep.txt',
      'hl/link file @0:13', // the old inode of hl/orig, materialised under its surviving name
      'd/new.txt file @1:3', 'bin/tool file @1:6', 'hl/orig file @1:8', 'e/nnn/long-file.txt file @1:10', 'ünicode-é.txt file @1:11',
      'etc2/f file @2:2', 'a/keep.txt file @2:4',
    ]);
    const plan = planFlatten(tree);
    // reclaimed: etc/hosts, a/keep.txt, a/gone.txt, d/sub/x.txt, d/y.txt, bin/tool (L1) = 6 files of 5 bytes
    assert.equal(plan.reclaimedBytes, 30);
    assert.equal(plan.upfront.find((h) => h.name === 'dev/null2')?.devminor, 3);
  });

  test('same-layer children survive an opaque marker whatever the tar order', () => {
    const tree = build([
      [['dir', 'd'], ['file', 'd/old'], ['dir', 'd/sub'], ['file', 'd/sub/old']],
      [['file', 'd/sub/new'], ['file', 'd/.wh..wh..opq'], ['file', 'd/after']],
    ]);
    assert.deepEqual(listing(tree), ['d dir', 'd/sub dir', 'd/sub/new file @1:0', 'd/after file @1:2']);
  });

  test('a whiteout removes a whole subtree, never shows itself, and ignores aufs metadata', () => {
    const tree = build([[['dir', 'x'], ['dir', 'x/y'], ['file', 'x/y/z'], ['file', 'k']], [['file', '.wh.x'], ['file', '.wh..wh.plnk'], ['file', '.wh.missing']]]);
    assert.deepEqual(listing(tree), ['k file @0:3']);
  });

  test('a hard link keeps the old content when its target is replaced, and follows a rename chain', () => {
    const tree = build([
      [['file', 'a'], ['hardlink', 'b', { linkname: 'a' }], ['hardlink', 'c', { linkname: 'b' }]],
      [['file', 'a', { size: 9 }]],
    ]);
    assert.deepEqual(listing(tree), ['b file @0:0', 'c hardlink -> b', 'a file @1:0']);
  });

  test('a hard link to a file deleted later is materialised as a regular file', () => {
    const tree = build([[['file', 'orig'], ['hardlink', 'link', { linkname: 'orig' }]], [['file', '.wh.orig']]]);
    assert.deepEqual(listing(tree), ['link file @0:0']);
  });

  test('cross-layer hard links become links of the surviving inode', () => {
    const tree = build([[['dir', 'z'], ['file', 'z/data']], [['hardlink', 'a-link', { linkname: 'z/data' }]]]);
    assert.deepEqual(listing(tree), ['z dir', 'a-link file @0:1', 'z/data hardlink -> a-link']);
  });

  test('a hard link to a missing target is an error naming the layer and both paths', () => {
    assert.throws(() => build([[['hardlink', 'l', { linkname: 'nope' }]]]), /layer 0: hard link "l" points at "nope", which is missing/);
  });

  test('file over dir replaces the subtree; dir over dir keeps children and takes the new mode', () => {
    const tree = build([[['dir', 'p'], ['file', 'p/q'], ['dir', 'r'], ['file', 'r/s']], [['file', 'p'], ['dir', 'r', { mode: 0o700 }]]]);
    assert.deepEqual(listing(tree), ['r dir', 'r/s file @0:3', 'p file @1:0']);
    assert.equal(planFlatten(tree).upfront[0]?.mode, 0o700);
  });

  test('modes keep setuid/setgid/sticky and drop file-type bits', () => {
    const tree = build([[['dir', 't', { mode: 0o41777 }], ['file', 'su', { mode: 0o104755 }]]]);
    const plan = planFlatten(tree);
    assert.equal(plan.upfront[0]?.mode, 0o1777);
    assert.equal(plan.fromLayers.get(0)?.get(1)?.file.mode, 0o4755);
  });

  test('xattrs are kept from PAX, other PAX records are not copied', () => {
    const tree = build([[['file', 'f', { pax: { 'SCHILY.xattr.security.capability': 'x', path: 'f', mtime: '1.5' } }]]]);
    assert.deepEqual(planFlatten(tree).fromLayers.get(0)?.get(0)?.file.pax, { 'SCHILY.xattr.security.capability': 'x' });
  });

  test('implicit parents are created with 0755', () => {
    const tree = build([[['file', 'a/b/c']]]);
    const plan = planFlatten(tree);
    assert.deepEqual(plan.upfront.map((h) => [h.name, h.mode]), [['a', 0o755], ['a/b', 0o755]]);
  });

  test('a filter keeps the parents of what it selects and moves content to the first kept name', () => {
    const tree = build([[['dir', 'x'], ['file', 'x/a'], ['hardlink', 'x/b', { linkname: 'x/a' }], ['dir', 'y'], ['file', 'y/c']]]);
    assert.deepEqual(listing(tree, (p) => p !== 'x/a' && !p.startsWith('y')), ['x dir', 'x/b file @0:1']);
  });
});
