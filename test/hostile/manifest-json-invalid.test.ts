import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { dockerArchiveParts, replaceData, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('manifest.json that is not JSON is rejected as bad input naming manifest.json', async () => {
  const { entries } = dockerArchiveParts('badjson:1');
  replaceData(entries, 'manifest.json', '[{"Config": "abc.json", "Layers": [');
  const file = await writeInput(tmp, 'bad-manifest-json.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /manifest\.json/i });
});

test('manifest.json with the wrong shape (an object, Layers not a list) is rejected as bad input', async () => {
  const { entries } = dockerArchiveParts('badshape:1');
  replaceData(entries, 'manifest.json', '{"Config": 7, "Layers": "x"}');
  const file = await writeInput(tmp, 'bad-manifest-shape.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /manifest\.json/i });
});
