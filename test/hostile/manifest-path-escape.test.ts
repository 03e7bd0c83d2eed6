import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { dockerArchiveParts, replaceData, smallLayer, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const problem = /\.\.\/|escape|outside|unsafe|invalid path|not allowed/i;

test('a manifest.json layer path ../../etc/passwd is rejected, not followed', async () => {
  const layer = smallLayer('esc');
  const { entries, configHex } = dockerArchiveParts('escape:1', [layer]);
  replaceData(entries, 'manifest.json', JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['escape:1'], Layers: ['../../etc/passwd'] }]));
  const file = await writeInput(tmp, 'layer-escape.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('a manifest.json Config path ../../etc/passwd is rejected, not followed', async () => {
  const { entries, layerNames } = dockerArchiveParts('escape:2');
  replaceData(entries, 'manifest.json', JSON.stringify([{ Config: '../../etc/passwd', RepoTags: ['escape:2'], Layers: layerNames }]));
  const file = await writeInput(tmp, 'config-escape.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('an absolute layer path /etc/passwd is not read from the host', async () => {
  const { entries, configHex } = dockerArchiveParts('escape:3');
  replaceData(entries, 'manifest.json', JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['escape:3'], Layers: ['/etc/passwd'] }]));
  const file = await writeInput(tmp, 'absolute-layer.tar', writeTar(entries));
  // Normalised to "etc/passwd" inside the archive (absent), or refused outright: either way never the host file.
  await assertLoadRejected(tmp, file, { exit: [ExitCode.badInput, ExitCode.notFound], problem: /etc\/passwd/ });
});
