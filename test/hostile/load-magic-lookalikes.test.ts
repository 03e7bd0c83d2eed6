/**
 * `load -i FILE` decides by content. A file that merely starts with a compression magic (a text beginning
 * "BZh", 1f 8b and random bytes) fails on its codec's very first header: it is "not a docker-archive or
 * OCI archive", with the codec's words in brackets. Real compressed data that decoded for a while and then
 * broke gets its codec's own line instead. Either way: exit 4, one line, nothing loaded.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** Both implementations of each codec that has two; each must say the same. */
const ENVS = [
  ['native zstd, ISA-L gunzip', { BALER_ZSTD: '', BALER_GUNZIP: '' }],
  ['portable zstd, zlib gunzip', { BALER_ZSTD: 'portable', BALER_GUNZIP: 'zlib' }],
] as const;

async function loadAndList(args: string[], env: NodeJS.ProcessEnv, stdinFile?: string): Promise<{ code: number; stderr: string; images: unknown }> {
  const store = join(await tmp.make('baler-lookalike-'), 'store');
  const load = await runBaler(['load', '-q', '--store', store, ...args], { env, ...(stdinFile ? { input: { file: stdinFile } } : {}) });
  const ls = await runBaler(['ls', '--json', '--store', store], { env });
  assert.equal(ls.code, 0, describeRun(['ls'], ls));
  return { code: load.code, stderr: load.stderr, images: JSON.parse(ls.stdout) };
}

describe('load -i of files that start with a compression magic', () => {
  const f = { bzText: '', gzRandom: '', gzMiddle: '', zstPadded: '' };

  before(async () => {
    const dir = await tmp.make('baler-lookalike-');
    f.bzText = join(dir, 'notes.txt');
    await writeFile(f.bzText, 'BZh hello, these are notes\n');
    f.gzRandom = join(dir, 'random.bin');
    await writeFile(f.gzRandom, Buffer.concat([Buffer.from([0x1f, 0x8b]), createHash('sha512').update('not gzip').digest()]));
    f.gzMiddle = join(dir, 'middle.tar.gz');
    const gz = await readFile(fixture('docker20-multi.tar.gz'));
    for (let i = gz.length >> 1, end = i + 64; i < end; i++) gz[i]! ^= 0x55;
    await writeFile(f.gzMiddle, gz);
    f.zstPadded = join(dir, 'padded.tar.zst');
    const zst = await readFile(fixture('docker20-multi.tar.zst'));
    await writeFile(f.zstPadded, Buffer.concat([zst, Buffer.alloc(1024 * 1024 - zst.length)])); // as `dd conv=sync bs=1M`
  });

  const cases: Array<[string, () => string, (file: string) => string, string | false]> = [
    ['text starting "BZh"', () => f.bzText, (w) => `${w}: not a docker-archive or OCI archive (corrupt bzip2 data (bzip2: (stdin) is not a bzip2 file.))`, skipUnlessTools('bzip2')],
    ['1f 8b then random bytes', () => f.gzRandom, (w) => `${w}: not a docker-archive or OCI archive (corrupt gzip data (unknown compression method))`, false],
    ['a real .tar.gz corrupted in the middle', () => f.gzMiddle, (w) => `${w}: corrupt gzip data (incorrect data check)`, false],
    ['a real .tar.zst with zero padding', () => f.zstPadded, (w) => `${w}: zero padding after the last zstd frame (zstd -d refuses it too)`, false],
  ];
  for (const [name, file, line, skip] of cases) {
    test(`${name}: one line, exit 4, nothing loaded (-i FILE and stdin)`, { skip }, async () => {
      for (const [envName, env] of ENVS) {
        const byFile = await loadAndList(['-i', file()], env);
        assert.equal(byFile.stderr, `baler: ${line(file())}\n`, envName);
        assert.equal(byFile.code, 4, envName);
        assert.deepEqual(byFile.images, [], envName);
        const byStdin = await loadAndList([], env, file());
        assert.equal(byStdin.stderr, `baler: ${line('stdin')}\n`, envName);
        assert.equal(byStdin.code, 4, envName);
        assert.deepEqual(byStdin.images, [], envName);
      }
    });
  }
});
