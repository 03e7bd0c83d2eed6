import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { MT, ociArchiveParts, replaceData, smallLayer, writeTar } from '../helpers/image-archives.js';
import { runBaler, describeRun } from '../helpers/run-baler.js';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const problem = /digest|mismatch|expected|sha256/i;

test('an OCI layer blob whose bytes do not hash to its name is rejected as an integrity error', async () => {
  const parts = ociArchiveParts('dm:1', [smallLayer('dm')]);
  const layerHex = parts.layerHexes[0] as string;
  replaceData(parts.entries, `blobs/sha256/${layerHex}`, smallLayer('tampered'));
  const file = await writeInput(tmp, 'layer-digest-mismatch.oci.tar', writeTar(parts.entries));
  const line = await assertLoadRejected(tmp, file, { exit: ExitCode.integrity, problem });
  assert.match(line, new RegExp(layerHex.slice(0, 12)), 'the message names the blob');
});

test('an OCI config blob whose bytes do not hash to its digest is rejected as an integrity error', async () => {
  const parts = ociArchiveParts('dm:2');
  replaceData(parts.entries, `blobs/sha256/${parts.configHex}`, '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const file = await writeInput(tmp, 'config-digest-mismatch.oci.tar', writeTar(parts.entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.integrity, problem });
});

test('a rejected load leaves an existing store index byte-identical', async () => {
  const store = join(await tmp.make('baler-hostile-preloaded-'), 'store');
  const good = await writeInput(tmp, 'good.oci.tar', writeTar(ociArchiveParts('kept:1', [smallLayer('kept')], MT.ociLayer).entries));
  const args = ['load', '-i', good, '--store', store];
  const r = await runBaler(args);
  assert.equal(r.code, 0, describeRun(args, r));
  const parts = ociArchiveParts('dm:3', [smallLayer('dm3')]);
  replaceData(parts.entries, `blobs/sha256/${parts.layerHexes[0]}`, smallLayer('tampered3'));
  const bad = await writeInput(tmp, 'bad-after-good.oci.tar', writeTar(parts.entries));
  await assertLoadRejected(tmp, bad, { exit: ExitCode.integrity, problem }, store);
});
