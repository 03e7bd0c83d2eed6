import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { configFor, dockerArchiveParts, replaceData, sha256Hex, smallLayer, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('a docker-archive layer whose sha256 differs from the config diff_id is rejected as an integrity error', async () => {
  const real = smallLayer('real');
  const claimed = smallLayer('claimed');
  const { entries, layerNames } = dockerArchiveParts('diffid:1', [real]);
  // A config that claims another layer; written under its own (correct) id so only the diff_id is wrong.
  const config = configFor([claimed]);
  const configHex = sha256Hex(config);
  const cfgEntry = entries.find((e) => e.name.endsWith('.json') && e.name !== 'manifest.json');
  if (!cfgEntry) throw new Error('no config entry');
  cfgEntry.name = `${configHex}.json`;
  cfgEntry.data = config;
  replaceData(entries, 'manifest.json', JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['diffid:1'], Layers: layerNames }]));
  const file = await writeInput(tmp, 'diffid-mismatch.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.integrity, problem: /diff_?id|digest|mismatch|expected/i });
});

test('a docker-archive whose Layers count differs from diff_ids is rejected', async () => {
  const layers = [smallLayer('one'), smallLayer('two')];
  const { entries, configHex, layerNames } = dockerArchiveParts('diffid:2', layers);
  replaceData(entries, 'manifest.json', JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['diffid:2'], Layers: layerNames.slice(0, 1) }]));
  const file = await writeInput(tmp, 'layer-count-mismatch.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: [ExitCode.badInput, ExitCode.integrity], problem: /layer|diff_?id|mismatch|count/i });
});
