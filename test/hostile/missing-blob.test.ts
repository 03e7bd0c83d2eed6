import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { dockerArchiveParts, ociArchiveParts, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

// A blob the manifest needs but the archive lacks: malformed input (4) or "not found" (3) are both honest.
const exit = [ExitCode.badInput, ExitCode.notFound];
const problem = /missing|not found|no such|does not contain|absent|not in/i;

test('an OCI archive without one of its layer blobs is rejected', async () => {
  const parts = ociArchiveParts('miss:1');
  const layerName = `blobs/sha256/${parts.layerHexes[0]}`;
  const entries = parts.entries.filter((e) => e.name !== layerName);
  const file = await writeInput(tmp, 'missing-layer.oci.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit, problem });
});

test('an OCI archive without its manifest blob is rejected', async () => {
  const parts = ociArchiveParts('miss:2');
  const entries = parts.entries.filter((e) => e.name !== `blobs/sha256/${parts.manifestHex}`);
  const file = await writeInput(tmp, 'missing-manifest.oci.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit, problem });
});

test('a docker-archive without the layer file manifest.json names is rejected', async () => {
  const { entries, layerNames } = dockerArchiveParts('miss:3');
  const file = await writeInput(tmp, 'missing-layer.tar', writeTar(entries.filter((e) => e.name !== layerNames[0])));
  await assertLoadRejected(tmp, file, { exit, problem });
});
