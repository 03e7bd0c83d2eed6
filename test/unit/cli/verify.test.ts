import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const GOOD = [
  'docker20-multi.tar',
  'docker20-multi.tar.gz',
  'docker20-multi.tar.zst',
  'docker26-save.tar',
  'podman-multi.docker-archive.tar',
  'skopeo-gzip.oci-archive.tar',
  'skopeo-zstd.oci-archive.tar',
];

interface VerifyJson {
  input: string;
  ok: boolean;
  problem?: { code: string; message: string; exit: number };
  images: Array<{ names: string[]; ids: string[]; digest: string; layers: number; layersExpected: number }>;
  blobsChecked: number;
  bytesChecked: number;
  unreferenced: string[];
}

describe('baler verify on good inputs', () => {
  let dir = '';
  before(async () => {
    dir = await tmp.make('baler-verify-');
  });

  for (const name of GOOD) {
    test(`${name} verifies (exit 0, one OK line per image)`, async () => {
      const r = await balerInProcess(['verify', fixture(name)], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`${name.replace(/\./g, '\\.')}: OK \\(\\d+ images?, \\d+ blobs, .* checked\\)\\n$`));
      assert.match(r.stdout, /^\S.* +[0-9a-f]{12}  \d+ layers? OK$/m);
    });
  }

  test('--json lists every image of docker20-multi.tar with its ID and layer count', async () => {
    const r = await balerInProcess(['verify', '--json', fixture('docker20-multi.tar')], dir);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as VerifyJson;
    assert.equal(report.ok, true);
    assert.equal(report.problem, undefined);
    const byName = new Map(report.images.flatMap((i) => i.names.map((n) => [n, i] as const)));
    assert.deepEqual([...byName.keys()].sort(), ['bbbase:1', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1']);
    assert.equal(byName.get('imga:1')?.layers, 3);
    assert.equal(byName.get('bbbase:1')?.layers, 1);
    assert.match(byName.get('imga:1')?.ids[0] ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(report.bytesChecked > 2_000_000);
  });

  test('an OCI layout directory and a store verify, as a path or a transport reference', async () => {
    const layout = join(dir, 'layout');
    await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--format', 'oci-dir', '-o', layout, 'imga:1'], dir);
    const byPath = await balerInProcess(['verify', layout], dir);
    assert.equal(byPath.code, 0, byPath.stdout);
    assert.match(byPath.stdout, /imga:1 +[0-9a-f]{12}  3 layers OK/);
    const byRef = await balerInProcess(['verify', `oci:${layout}`], dir);
    assert.equal(byRef.code, 0, byRef.stdout);
    const store = join(dir, 'store');
    await balerInProcessOk(['load', '--store', store, '-i', fixture('skopeo-zstd.oci-archive.tar')], dir);
    const st = await balerInProcess(['verify', `store:${store}`], dir);
    assert.equal(st.code, 0, st.stdout);
    assert.match(st.stdout, /imgb:1 +[0-9a-f]{12}  2 layers OK/);
  });

  test('a Docker 26 save notes the blobs nothing refers to (legacy v1 JSON) without failing', async () => {
    const r = await balerInProcess(['verify', '--json', fixture('docker26-save.tar')], dir);
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as VerifyJson;
    const all = (await readFile(fixture('docker26-save.tar'))).toString('latin1');
    assert.ok(report.unreferenced.length > 0);
    for (const d of report.unreferenced) assert.ok(all.includes(`blobs/sha256/${d.slice(7)}`), d);
  });
});
