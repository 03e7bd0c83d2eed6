/**
 * A layer the destination already holds is not written again, but its content must still match the
 * diff_id the image being copied claims for it (src/pipeline/present-layer-check.ts): a store holding a
 * base layer, a layout holding the blob, or a second image in the same archive sharing the blob must not
 * let a config that lies about it through. Run with and without the verified-pair cache.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { GZ_DIGEST, LIE, TRUE_DIFF_ID, sharedGzipLayout } from '../../helpers/shared-gzip-layout.js';
import { balerOk, describeRun, runBaler } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const mismatch = (stderr: string): boolean => stderr.includes('layer 0: uncompressed content does not match rootfs.diff_ids') && stderr.includes(`expected ${LIE}, got ${TRUE_DIFF_ID}`);

for (const cache of ['no cache', 'cache'] as const) {
  const envFor = (dir: string): Record<string, string> => (cache === 'no cache' ? { BALER_NO_CACHE: '1' } : { BALER_CACHE_DIR: join(dir, 'cache') });

  test(`${cache}: load into a store that holds the layer refuses an image whose config lies about it, and keeps the store as it was`, async () => {
    const dir = await tmp.make('baler-present-');
    const env = envFor(dir);
    const store = join(dir, 'store');
    await balerOk(['load', '-q', '--store', store, '-i', await sharedGzipLayout(join(dir, 'honest'), [{ name: 'good:1' }])], { env });
    const r = await runBaler(['load', '--store', store, '-i', await sharedGzipLayout(join(dir, 'lie'), [{ name: 'lie:1', claimed: LIE }])], { env });
    assert.equal(r.code, 5, describeRun(['load'], r));
    assert.ok(mismatch(r.stderr), r.stderr);
    const ls = JSON.parse((await balerOk(['ls', '--json', '--store', store], { env })).stdout) as Array<{ names?: string[]; repoTags?: string[] }>;
    assert.equal(ls.length, 1, JSON.stringify(ls));
    const verified = await runBaler(['verify', `store:${store}`], { env });
    assert.equal(verified.code, 0, describeRun(['verify'], verified));
  });

  test(`${cache}: an honest image sharing a layer the store holds loads, the layer checked from the store's copy (not the input's) and not written again`, async () => {
    const dir = await tmp.make('baler-present-');
    const env = envFor(dir);
    const store = join(dir, 'store');
    await balerOk(['load', '-q', '--store', store, '-i', await sharedGzipLayout(join(dir, 'first'), [{ name: 'first:1' }])], { env });
    const second = await sharedGzipLayout(join(dir, 'second'), [{ name: 'second:1' }]);
    // the layer is read back from the store's own copy, not from the input: a damaged input copy is never read
    await writeFile(join(second, 'blobs', 'sha256', GZ_DIGEST.slice(7)), 'not the layer');
    const r = await balerOk(['load', '--json', '--store', store, '-i', second], { env });
    const report = JSON.parse(r.stdout) as { blobsCopied: number; blobsSkipped: number };
    // the config and manifest are new, the layer is present
    assert.equal(report.blobsSkipped, 1, r.stdout);
  });

  test(`${cache}: two images in one archive sharing a layer, the second lying about it: verify, load and save --verify-diff-ids refuse`, async () => {
    const dir = await tmp.make('baler-present-');
    const env = envFor(dir);
    const both = await sharedGzipLayout(join(dir, 'both'), [{ name: 'good:1' }, { name: 'lie:1', claimed: LIE }]);
    const verified = await runBaler(['verify', `oci:${both}`], { env });
    assert.equal(verified.code, 5, describeRun(['verify'], verified));
    assert.ok(mismatch(verified.stdout + verified.stderr), describeRun(['verify'], verified));

    const store = join(dir, 'store');
    const loaded = await runBaler(['load', '--store', store, '-i', both], { env });
    assert.equal(loaded.code, 5, describeRun(['load'], loaded));
    assert.ok(mismatch(loaded.stderr), loaded.stderr);

    const out = join(dir, 'out.tar');
    const saved = await runBaler(['save', '--verify-diff-ids', '--from', `oci:${both}`, '-o', out, 'good:1', 'lie:1'], { env });
    assert.equal(saved.code, 5, describeRun(['save'], saved));
    assert.ok(mismatch(saved.stderr), saved.stderr);
    assert.ok(!existsSync(out), 'nothing written');
  });

  test(`${cache}: save --verify-diff-ids into a layout that already holds the layer still checks it`, async () => {
    const dir = await tmp.make('baler-present-');
    const env = envFor(dir);
    const out = join(dir, 'out');
    const lie = await sharedGzipLayout(join(dir, 'lie'), [{ name: 'lie:1', claimed: LIE }]);
    // the default keeps the gzip layer unchecked (as skopeo copy), so DIR then holds the blob
    await balerOk(['save', '-q', '--format', 'oci-dir', '--from', `oci:${lie}`, '-o', out, 'lie:1'], { env });
    const r = await runBaler(['save', '--verify-diff-ids', '--format', 'oci-dir', '--from', `oci:${lie}`, '-o', out, 'lie:1'], { env });
    assert.equal(r.code, 5, describeRun(['save'], r));
    assert.ok(mismatch(r.stderr), r.stderr);
  });
}
