import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { reportLeftoversTo } from '../../../src/io/leftovers.js';
import { ownerTag } from '../../../src/io/owner.js';
import { leftoverText } from '../../../src/pipeline/leftover-text.js';
import { ensureLayout } from '../../../src/store/layout.js';
import { openStore } from '../../../src/store/store.js';

/** How a new layout (the store, an `oci:` directory) comes to exist beside whatever is in its parent. */
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-layout-making-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const DEAD_PID = 2 ** 22 + 12345; // above pid_max, so never alive

/** A temp dir a layout was being made in, named as io/temp-name.ts names it, holding a layout skeleton. */
async function layoutTempDir(parent: string, target: string, pid: number, tag: string): Promise<string> {
  const name = `.${target}.baler-tmp-${pid}-${tag}0badcafe`;
  await mkdir(join(parent, name, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(parent, name, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
  return name;
}

describe('making a new layout', () => {
  test('the temp dir a killed baler was making the layout in is removed by the next one; a live or foreign one stays', async () => {
    const parent = join(root, 'sweep');
    await mkdir(parent);
    const foreignTag = ownerTag() === 'ffff' ? '0000' : 'ffff';
    await layoutTempDir(parent, 'store', DEAD_PID, ownerTag());
    const live = await layoutTempDir(parent, 'store', process.pid, ownerTag());
    const foreign = await layoutTempDir(parent, 'store', DEAD_PID, foreignTag);
    const otherTarget = await layoutTempDir(parent, 'other', DEAD_PID, ownerTag());
    await ensureLayout(join(parent, 'store'));
    assert.deepEqual((await readdir(parent)).sort(), [live, foreign, otherTarget, 'store'].sort());
    assert.deepEqual((await readdir(join(parent, 'store'))).sort(), ['blobs', 'index.json', 'oci-layout']);
  });

  test('a swept layout temp dir is told as a temp dir; an older baler\'s (mkdtemp-named) one is left and told', async () => {
    const parent = join(root, 'told');
    await mkdir(parent);
    await layoutTempDir(parent, 'store', DEAD_PID, ownerTag());
    const older = '.store.baler-tmp-Ab12Cd';
    await mkdir(join(parent, older, 'blobs'), { recursive: true });
    const lines: string[] = [];
    const restore = reportLeftoversTo((n) => lines.push(leftoverText(n, (b) => `${b}B`).text));
    try {
      await ensureLayout(join(parent, 'store'));
    } finally {
      restore();
    }
    assert.deepEqual((await readdir(parent)).sort(), [older, 'store'].sort());
    assert.deepEqual(lines, [
      `removed 1 leftover temp dir of an interrupted baler in ${parent} (34B)`,
      `1 temp dir beside ${join(parent, 'store')} (.store.…baler-tmp-…) may be left by an interrupted older baler, whose temp names carry no pid; delete it if no baler is writing store`,
    ]);
  });

  test('what is left of a layout a failed writer was removing (blobs/, the lock dir) is made a layout again', async () => {
    const dir = join(root, 'remains');
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(dir, 'index.json.lock'));
    await ensureLayout(dir);
    const s = await openStore(dir);
    assert.deepEqual(await s.images(), []);
  });

  test('a temp index.json a killed writer left while writing it back: made a layout, the dead one removed, a live one kept', async () => {
    const dir = join(root, 'temp-index');
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const dead = `.index.json.baler-tmp-${DEAD_PID}-${ownerTag()}0badcafe`;
    const live = `.oci-layout.baler-tmp-${process.pid}-${ownerTag()}0badcafe`;
    await writeFile(join(dir, dead), '{"schemaVersion":2,');
    await writeFile(join(dir, live), '');
    await ensureLayout(dir);
    assert.deepEqual((await readdir(dir)).sort(), [live, 'blobs', 'index.json', 'oci-layout'].sort());
    assert.deepEqual(await (await openStore(dir)).images(), []);
  });

  test('a directory holding anything else is still refused', async () => {
    const dir = join(root, 'foreign-dir');
    await mkdir(join(dir, 'blobs'), { recursive: true });
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await assert.rejects(ensureLayout(dir), /exists, is not empty and is not an OCI image layout; choose another directory$/);
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'notes.txt']);
  });
});
