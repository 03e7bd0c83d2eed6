/**
 * An output file's name and its compression agree: `--into docker-archive:x.tar.gz` gzips as `save -o
 * x.tar.gz` does, and a name promising what baler does not write (`.xz`), or another codec than
 * --compress gives, is refused before anything is written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { outputCompression } from '../../../src/cli/output-compression.js';
import { fixture } from '../../helpers/paths.js';
import { describeRun, runBaler } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
const MULTI = fixture('docker20-multi.tar');

const magic = (file: string): string => {
  const b = readFileSync(file).subarray(0, 4);
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
};

test('the name decides when --compress is not given; --compress decides when the name says nothing', () => {
  assert.equal(outputCompression('save', 'a.tar', undefined), 'none');
  assert.equal(outputCompression('save', 'a.tar.gz', undefined), 'gzip');
  assert.equal(outputCompression('save', 'a.TGZ', undefined), 'gzip');
  assert.equal(outputCompression('save', 'a.tar.zst', undefined), 'zstd');
  assert.equal(outputCompression('save', 'a.tar', 'zstd'), 'zstd');
  assert.equal(outputCompression('save', 'a.tar.gz', 'gzip'), 'gzip');
  assert.equal(outputCompression('save', '-', 'gzip'), 'gzip');
  assert.equal(outputCompression('save', undefined, undefined), 'none');
  // an explicit --compress none is the user's word, whatever the name
  assert.equal(outputCompression('save', 'a.tar.xz', 'none'), 'none');
  assert.equal(outputCompression('save', 'a.tar.gz', 'none'), 'none');
});

test('a name for another codec, or for one baler does not write, is a usage error saying what to do', () => {
  assert.throws(() => outputCompression('save', 'a.tar.gz', 'zstd'), { code: 'E_USAGE', message: 'save: a.tar.gz is named for gzip, but --compress zstd was given; rename it or drop --compress' });
  assert.throws(() => outputCompression('export', 'a.tar.bz2', undefined), { code: 'E_USAGE', message: 'export: a.tar.bz2: baler writes gzip (.gz) or zstd (.zst), not .bz2; rename it, or give --compress none for a plain tar under this name' });
  assert.throws(() => outputCompression('save', 'a.txz', 'gzip'), { code: 'E_USAGE', message: 'save: a.txz is named for .txz, but --compress gzip was given; rename it' });
});

test('load --into docker-archive:X.tar.gz and oci-archive:X.tar.zst compress; the result loads back', async () => {
  const dir = await tmp.make('baler-out-compress-');
  for (const [name, codec] of [
    ['docker-archive:o.tar.gz', 'gzip'],
    ['oci-archive:o.tar.zst', 'zstd'],
    ['docker-archive:o.tar', 'none'],
  ] as const) {
    const file = join(dir, name.slice(name.indexOf(':') + 1));
    const args = ['load', '-q', '--store', join(dir, 'store'), '-i', MULTI, 'imga:1', '--into', `${name.slice(0, name.indexOf(':'))}:${file}`];
    const r = await runBaler(args);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.equal(magic(file), codec, name);
    const back = ['load', '-q', '--store', join(dir, `back-${codec}`), '-i', file];
    const b = await runBaler(back);
    assert.equal(b.code, 0, describeRun(back, b));
    assert.match(b.stdout + b.stderr, /imga:1/);
  }
});

test('save -o x.tar.xz is refused before anything is written', async () => {
  const dir = await tmp.make('baler-out-compress-');
  const out = join(dir, 'x.tar.xz');
  const args = ['save', '--from', `docker-archive:${MULTI}`, '-o', out, 'imga:1'];
  const r = await runBaler(args);
  assert.equal(r.code, ExitCode.usage, describeRun(args, r));
  assert.equal(r.stderr, `baler: save: ${out}: baler writes gzip (.gz) or zstd (.zst), not .xz; rename it, or give --compress none for a plain tar under this name\n`);
  assert.equal(existsSync(out), false);
});

test('load --into docker-archive:x.tar.xz is refused before the input is opened, and names no flag load lacks', async () => {
  const dir = await tmp.make('baler-out-compress-');
  const out = join(dir, 'x.tar.xz');
  // an input that does not exist: refusing the name first is what makes this exit 2, not 3
  const args = ['load', '-i', join(dir, 'missing.tar'), '--into', `docker-archive:${out}`];
  const r = await runBaler(args);
  assert.equal(r.code, ExitCode.usage, describeRun(args, r));
  assert.equal(r.stderr, `baler: load: ${out}: baler writes gzip (.gz) or zstd (.zst), not .xz; rename it\n`);
  assert.equal(existsSync(out), false);
});
