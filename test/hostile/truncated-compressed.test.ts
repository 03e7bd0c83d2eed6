import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { fixture } from '../helpers/paths.js';
import { dockerArchiveParts, smallLayer, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const problem = /truncat|unexpected end|ends? (early|before)|incomplete|end of (file|stream|input)|corrupt|gzip|zstd/i;

test('a gzip-wrapped archive cut in half is rejected as truncated', async () => {
  const whole = readFileSync(fixture('docker20-multi.tar.gz'));
  const file = await writeInput(tmp, 'cut.tar.gz', whole.subarray(0, Math.floor(whole.length / 2)));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('a gzip-wrapped archive missing only its 8-byte trailer is rejected', async () => {
  const gz = gzipSync(writeTar(dockerArchiveParts('gz:1', [smallLayer('gz')]).entries));
  const file = await writeInput(tmp, 'no-trailer.tar.gz', gz.subarray(0, gz.length - 8));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('a zstd-wrapped archive cut in half is rejected as truncated', async () => {
  const whole = readFileSync(fixture('docker20-multi.tar.zst'));
  const file = await writeInput(tmp, 'cut.tar.zst', whole.subarray(0, Math.floor(whole.length / 2)));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('a zstd-wrapped archive missing its last 3 bytes is rejected', async () => {
  const whole = readFileSync(fixture('docker20-multi.tar.zst'));
  const file = await writeInput(tmp, 'short.tar.zst', whole.subarray(0, whole.length - 3));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('a truncated gzip stream on stdin (-i -) is rejected the same way, naming stdin', async () => {
  const whole = readFileSync(fixture('docker20-multi.tar.gz'));
  const file = await writeInput(tmp, 'stdin-cut.tar.gz', whole.subarray(0, Math.floor(whole.length / 3)));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem }, undefined, { stdin: true });
});
