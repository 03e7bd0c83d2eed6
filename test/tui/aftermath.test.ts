/**
 * The destination checks behind the Progress screen's failure line (src/tui/aftermath.ts): each one
 * reports what is on disk after the copy stopped, compared with before it started.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkFile, checkLayout } from '../../src/tui/aftermath.js';
import { failureText } from '../../src/tui/state/aftermath-text.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

function layout(root: string): void {
  mkdirSync(join(root, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(root, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
}

describe('what a failed copy left at its destination', () => {
  it('an output file: a temp file of this process beside it is named; an untouched target is said to be', async () => {
    const dir = await tmp.make('baler-aftermath-file-');
    const target = join(dir, 'out.tar');
    const fresh = await checkFile(target, 'out.tar');
    assert.deepEqual(await fresh.after(), { left: [], clean: 'nothing was left at out.tar' });
    const temp = join(dir, `.out.tar.baler-tmp-${process.pid}-0123456789ab`);
    writeFileSync(temp, 'half an archive');
    const found = await fresh.after();
    assert.deepEqual(found.left, [`partial file ${temp}`]);
    assert.equal(failureText('out.tar: no space left on device', found), `✗ out.tar: no space left on device — left behind: partial file ${temp}`);

    writeFileSync(join(dir, 'old.tar'), 'yesterday');
    const existing = await checkFile(join(dir, 'old.tar'), 'old.tar');
    assert.equal(failureText('boom', await existing.after()), '✗ boom — old.tar was left as it was');
  });

  it('a temp file of another process is not this copy’s leftover', async () => {
    const dir = await tmp.make('baler-aftermath-other-');
    const check = await checkFile(join(dir, 'out.tar'), 'out.tar');
    writeFileSync(join(dir, `.out.tar.baler-tmp-${process.pid + 1}-0123456789ab`), 'someone else');
    assert.deepEqual((await check.after()).left, []);
  });

  it('the store: blobs that appeared are counted, with how to remove them; the index is compared', async () => {
    const store = join(await tmp.make('baler-aftermath-store-'), 'store');
    layout(store);
    const check = await checkLayout(store, 'the store', { isStore: true });
    assert.deepEqual(await check.after(), { left: [], clean: 'the store was left as it was' });
    writeFileSync(join(store, 'blobs', 'sha256', 'a'.repeat(64)), 'layer');
    assert.equal(
      failureText('bad.tar: layer 1: digest mismatch', await check.after()),
      '✗ bad.tar: layer 1: digest mismatch — left behind: 1 verified blob written so far stays in the store, used by no image (baler prune removes them)',
    );
    writeFileSync(join(store, 'blobs', 'sha256', 'b'.repeat(64)), 'layer');
    writeFileSync(join(store, 'index.json'), '{"schemaVersion":2,"manifests":[{}]}');
    assert.deepEqual((await check.after()).left, [
      '2 verified blobs written so far stay in the store, used by no image (baler prune removes them)',
      "the store's index.json was changed",
    ]);
  });

  it('an OCI directory that did not exist: gone again is nothing left; still there is said', async () => {
    const root = join(await tmp.make('baler-aftermath-oci-'), 'out-oci');
    const check = await checkLayout(root, 'out-oci', { isStore: false });
    assert.deepEqual(await check.after(), { left: [], clean: 'nothing was left at out-oci' });
    layout(root);
    assert.deepEqual((await check.after()).left, ['an empty OCI layout at out-oci']);
  });
});
