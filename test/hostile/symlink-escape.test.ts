import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { dockerArchiveParts, replaceData, smallLayer, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const v1 = 'a'.repeat(64);

function archiveWithLayerLink(linkname: string): Buffer {
  const layer = smallLayer('sym');
  const { entries, configHex } = dockerArchiveParts('symlink:1', [layer]);
  const kept = entries.filter((e) => !e.name.endsWith('.tar'));
  kept.unshift({ name: v1, type: 'dir' }, { name: `${v1}/layer.tar`, type: 'symlink', linkname });
  replaceData(kept, 'manifest.json', JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['symlink:1'], Layers: [`${v1}/layer.tar`] }]));
  return writeTar(kept);
}

test('a symlinked layer.tar pointing outside the archive (../../../etc/passwd) is rejected', async () => {
  const file = await writeInput(tmp, 'symlink-escape.tar', archiveWithLayerLink('../../../../../etc/passwd'));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /escape|outside|symlink|link|\.\.\//i });
});

test('a symlinked layer.tar with an absolute target is never read from the host', async () => {
  const file = await writeInput(tmp, 'symlink-absolute.tar', archiveWithLayerLink('/etc/passwd'));
  await assertLoadRejected(tmp, file, { exit: [ExitCode.badInput, ExitCode.notFound], problem: /escape|outside|symlink|link|absolute|etc\/passwd|not found|missing/i });
});

test('a symlink loop between two layer.tar entries is rejected, not followed forever', async () => {
  const layer = smallLayer('loop');
  const { entries, configHex } = dockerArchiveParts('symlink:2', [layer]);
  const kept = entries.filter((e) => !e.name.endsWith('.tar'));
  const v2 = 'b'.repeat(64);
  kept.unshift(
    { name: v1, type: 'dir' }, { name: `${v1}/layer.tar`, type: 'symlink', linkname: `../${v2}/layer.tar` },
    { name: v2, type: 'dir' }, { name: `${v2}/layer.tar`, type: 'symlink', linkname: `../${v1}/layer.tar` },
  );
  replaceData(kept, 'manifest.json', JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['symlink:2'], Layers: [`${v1}/layer.tar`] }]));
  const file = await writeInput(tmp, 'symlink-loop.tar', writeTar(kept));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /loop|too many|symlink|link/i });
});
