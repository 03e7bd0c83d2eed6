/**
 * pzstd starts every file with a skippable frame (RFC 8878 §3.1.2) before the zstd frames; `zstd -d`
 * reads such files, and so does baler: a whole .tar.zst made by pzstd, and a layer blob made by pzstd
 * inside an OCI layout (its compression is sniffed from the blob's first bytes).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { runChecked } from '../helpers/run-process.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const ENVS = [
  ['native', { BALER_ZSTD: '' }],
  ['portable', { BALER_ZSTD: 'portable' }],
] as const;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Loads `input` into a new store; the tags `ls --json` then lists. */
async function loadTags(input: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const store = join(await tmp.make('baler-pzstd-'), 'store');
  const load = await runBaler(['load', '-q', '--store', store, '-i', input], { env });
  assert.equal(load.code, 0, describeRun(['load', '-i', input], load));
  const ls = await runBaler(['ls', '--json', '--store', store], { env });
  assert.equal(ls.code, 0, describeRun(['ls'], ls));
  return (JSON.parse(ls.stdout) as Array<{ RepoTags: string[] }>).flatMap((i) => i.RepoTags).sort();
}

async function writeBlob(layout: string, bytes: Buffer): Promise<string> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(layout, 'blobs', 'sha256', hex), bytes);
  return `sha256:${hex}`;
}

describe('zstd data made by pzstd', { skip: skipUnlessTools('pzstd', 'zstd') }, () => {
  test('a .tar.zst made by pzstd loads like the same archive made by zstd', async () => {
    const dir = await tmp.make('baler-pzstd-');
    const p = join(dir, 'p.tar.zst');
    await runChecked('pzstd', ['-q', '-f', fixture('docker20-multi.tar'), '-o', p]);
    assert.equal((await readFile(p))[0]! & 0xf0, 0x50, 'pzstd opens with a skippable frame');
    const want = await loadTags(fixture('docker20-multi.tar'), {});
    assert.ok(want.length > 0);
    for (const [name, env] of ENVS) assert.deepEqual(await loadTags(p, env), want, name);
  });

  test('an OCI layout whose zstd layer blob was made by pzstd loads, its diff_id checked', async () => {
    const layout = join(await tmp.make('baler-pzstd-'), 'layout');
    await runChecked('mkdir', [layout]);
    await runChecked('tar', ['-xf', fixture('skopeo-zstd.oci-archive.tar'), '-C', layout]);
    const blob = (d: string): string => join(layout, 'blobs', 'sha256', d.slice('sha256:'.length));
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as { layers: Descriptor[] };
    const layer = manifest.layers[0]!;
    assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const tar = (await runChecked('zstd', ['-dc', blob(layer.digest)])).stdoutBytes;
    const repacked = (await runChecked('pzstd', ['-q', '-c'], { input: tar })).stdoutBytes;
    assert.equal(repacked[0]! & 0xf0, 0x50, 'pzstd opens with a skippable frame');
    layer.digest = await writeBlob(layout, repacked);
    layer.size = repacked.length;
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    index.manifests[0]!.digest = await writeBlob(layout, manifestBytes);
    index.manifests[0]!.size = manifestBytes.length;
    await writeFile(join(layout, 'index.json'), JSON.stringify(index));
    for (const [name, env] of ENVS) assert.deepEqual(await loadTags(layout, env), ['imgb:1'], name);
  });
});
