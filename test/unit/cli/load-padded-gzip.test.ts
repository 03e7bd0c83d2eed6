/**
 * A .tar.gz padded with zeros to a block size (`dd conv=sync`, tape tools) loads the same whichever gunzip
 * runs: ISA-L (the default when its addon is built) or node's zlib (BALER_GUNZIP=zlib). Like `gzip -d`,
 * baler ends the gzip stream at the padding. Data after the padding (a later member at a block boundary,
 * exactly where a read ends) is refused in one line by both, where `gzip -d` warns and drops it: baler
 * reads every byte of what it loads (a layer blob takes not even the padding: gzip-layer-ending.test.ts).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isalSkipReason } from '../../helpers/isal.js';
import { fixture } from '../../helpers/paths.js';
import { describeRun, runBaler } from '../../helpers/run-baler.js';
import { runChecked, runProcess } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
/** The block dd pads to; a multiple of every read size baler uses (64 KiB pipes, 1 MiB file reads). */
const BLOCK = 1024 * 1024;
const tmp = new TempDirs();
after(() => tmp.removeAll());

const BACKENDS = [
  ['default', { BALER_GUNZIP: '' }],
  ['zlib', { BALER_GUNZIP: 'zlib' }],
] as const;

interface Outcome {
  code: number;
  stderr: string;
  images: unknown;
}

/** `baler load` of FILE (as -i FILE, or on stdin) into a new store, then what `baler ls --json` shows there. */
async function loadAndList(file: string, route: 'file' | 'stdin', env: NodeJS.ProcessEnv): Promise<Outcome> {
  const store = join(await tmp.make('baler-padded-gz-'), 'store');
  const args = route === 'file' ? ['load', '-q', '--store', store, '-i', file] : ['load', '-q', '--store', store];
  const load = await runBaler(args, { env, ...(route === 'stdin' ? { input: { file } } : {}) });
  const ls = await runBaler(['ls', '--json', '--store', store], { env });
  assert.equal(ls.code, 0, describeRun(['ls'], ls));
  return { code: load.code, stderr: load.stderr, images: JSON.parse(ls.stdout) };
}

describe('a zero-padded .tar.gz loads the same with the ISA-L and the zlib gunzip', () => {
  let dir = '';
  let tarBytes = Buffer.alloc(0);
  let imageId = '';
  const files = { padded: '', paddedThenMember: '', garbageAfterMember: '' };

  before(async () => {
    dir = await tmp.make('baler-padded-gz-');
    tarBytes = await readFile(FIXTURE);
    const manifest = JSON.parse((await runChecked('tar', ['-xOf', FIXTURE, 'manifest.json'])).stdout) as Array<{ Config: string }>;
    imageId = `sha256:${manifest[0]!.Config.replace(/\.json$/, '')}`;
    const gz = join(dir, 'image.tar.gz');
    await runChecked('sh', ['-c', 'gzip -9 -n -c "$1" > "$2"', 'sh', FIXTURE, gz]);
    files.padded = join(dir, 'padded.tar.gz');
    await runChecked('dd', [`if=${gz}`, `of=${files.padded}`, `bs=${BLOCK}`, 'conv=sync', 'status=none']);
    const padded = await readFile(files.padded);
    assert.equal(padded.length, BLOCK);
    // a later file on the same tape: a gzip member starting right at the block boundary
    const next = await runChecked('gzip', ['-n', '-c', fixture('fixture-3layers.docker-archive.tar')]);
    files.paddedThenMember = join(dir, 'padded-then-member.tar.gz');
    await writeFile(files.paddedThenMember, Buffer.concat([padded, next.stdoutBytes]));
    files.garbageAfterMember = join(dir, 'garbage-after-member.tar.gz');
    await writeFile(files.garbageAfterMember, Buffer.concat([await readFile(gz), Buffer.from('garbage\n')]));
  });

  test('gzip -d, the reference: the padding is ignored; a member after it is dropped with a warning', async () => {
    const padded = await runProcess('gzip', ['-dc', files.padded]);
    assert.equal(padded.code, 0, padded.stderr);
    assert.ok(padded.stdoutBytes.equals(tarBytes));
    const after = await runProcess('gzip', ['-dc', files.paddedThenMember]);
    assert.equal(after.code, 2, 'gzip exits 2 for a warning');
    assert.match(after.stderr, /trailing garbage ignored/);
    assert.ok(after.stdoutBytes.equals(tarBytes), 'only the image before the padding');
  });

  for (const [name, which, route] of [
    ['padded to a 1 MiB block by dd conv=sync', 'padded', 'file'],
    ['padded to a 1 MiB block by dd conv=sync, on stdin', 'padded', 'stdin'],
  ] as const) {
    test(`${name}: the image is loaded, with identical output under both gunzips`, { skip: isalSkipReason() }, async () => {
      const outcomes: Outcome[] = [];
      for (const [, env] of BACKENDS) outcomes.push(await loadAndList(files[which], route, env));
      const [isal, zlib] = outcomes as [Outcome, Outcome];
      assert.deepEqual(zlib, isal);
      assert.equal(isal.code, 0, isal.stderr);
      assert.equal(isal.stderr, '');
      const images = isal.images as Array<{ Id: string; RepoTags: string[] }>;
      assert.deepEqual(
        images.map((i) => [i.Id, i.RepoTags]),
        [[imageId, ['fixture/layers:3']]],
      );
    });
  }

  for (const route of ['file', 'stdin'] as const) {
    test(`a gzip member after the padding is refused by both, in one identical line (${route === 'file' ? '-i FILE' : 'stdin'})`, { skip: isalSkipReason() }, async () => {
      const outcomes: Outcome[] = [];
      for (const [, env] of BACKENDS) outcomes.push(await loadAndList(files.paddedThenMember, route, env));
      const [isal, zlib] = outcomes as [Outcome, Outcome];
      assert.deepEqual(zlib, isal);
      assert.equal(isal.code, 4, isal.stderr);
      const what = route === 'file' ? files.paddedThenMember : 'stdin';
      assert.equal(isal.stderr, `baler: ${what}: corrupt gzip data (data after the zero padding that ends the gzip stream)\n`);
      assert.deepEqual(isal.images, []);
    });
  }

  test('garbage right after the last member (no padding) is refused by both, in one identical line', { skip: isalSkipReason() }, async () => {
    const outcomes: Outcome[] = [];
    for (const [, env] of BACKENDS) outcomes.push(await loadAndList(files.garbageAfterMember, 'file', env));
    const [isal, zlib] = outcomes as [Outcome, Outcome];
    assert.deepEqual(zlib, isal);
    assert.notEqual(isal.code, 0);
    assert.equal(isal.stderr, `baler: ${files.garbageAfterMember}: corrupt gzip data (incorrect header check)\n`);
    assert.deepEqual(isal.images, []);
  });
});
