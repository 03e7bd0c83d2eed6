import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { ociArchiveParts, replaceData, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('index.json that is not JSON is rejected as bad input naming index.json', async () => {
  const { entries } = ociArchiveParts('badindex:1');
  replaceData(entries, 'index.json', '{"schemaVersion": 2, "manifests": [ {');
  const file = await writeInput(tmp, 'bad-index-json.oci.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /index\.json/i });
});

test('index.json whose manifests is not a list is rejected as bad input', async () => {
  const { entries } = ociArchiveParts('badindex:2');
  replaceData(entries, 'index.json', '{"schemaVersion": 2, "manifests": "nope"}');
  const file = await writeInput(tmp, 'bad-index-shape.oci.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /index\.json|manifests/i });
});
