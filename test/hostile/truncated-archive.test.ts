import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { fixture } from '../helpers/paths.js';
import { dockerArchiveParts, smallLayer, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const problem = /truncat|unexpected end|ends? (early|before)|short|incomplete|end of (file|archive)/i;

test('a docker save archive cut in the middle of a layer is rejected as truncated', async () => {
  const whole = readFileSync(fixture('docker20-multi.tar'));
  const file = await writeInput(tmp, 'cut-in-layer.tar', whole.subarray(0, Math.floor(whole.length / 2)));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('an archive cut inside a tar header (after manifest.json) is rejected as truncated', async () => {
  const { entries } = dockerArchiveParts('cut:1', [smallLayer('c1'), smallLayer('c2')]);
  // manifest.json first, so a reader knows what it wants and then finds the archive ending early.
  const manifest = entries.pop();
  if (manifest) entries.unshift(manifest);
  const whole = writeTar(entries);
  // manifest.json and the first layer complete, then 100 bytes into the second layer's header.
  const cut = writeTar(entries.slice(0, 2)).length - 1024 + 100;
  const file = await writeInput(tmp, 'cut-in-header.tar', whole.subarray(0, cut));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: new RegExp(`${problem.source}|missing|not found|no such`, 'i') });
});
