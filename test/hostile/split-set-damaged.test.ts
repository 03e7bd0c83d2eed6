import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { balerInProcessOk } from '../helpers/cli-in-process.js';
import { fixture } from '../helpers/paths.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { namesInIndex, storeState, tempLeftovers } from '../helpers/store-state.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** A pristine split set (save --split 300K of four fixture images) copied into a fresh dir per case. */
let pristine: string;
before(async () => {
  pristine = await tmp.make('baler-split-pristine-');
  await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--split', '300K', '-o', 'set.tar', 'imga:1', 'imgb:1', 'imgo:1', 'bbbase:1'], pristine);
});

async function copySet(): Promise<string> {
  const dir = await tmp.make('baler-split-case-');
  for (const n of await readdir(pristine)) await copyFile(join(pristine, n), join(dir, n));
  return dir;
}

/** load -i INPUT must fail with one `baler: PART: …` line and exit status, loading nothing. */
async function assertRejected(dir: string, input: string, exit: number, line: RegExp): Promise<void> {
  const store = join(dir, 'store');
  const args = ['load', '-i', input, '--store', store];
  const r = await runBaler(args, { cwd: dir });
  const why = describeRun(args, r);
  assert.equal(r.code, exit, why);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, why);
  assert.match(lines[0] as string, line, why);
  const state = await storeState(store);
  assert.deepEqual(namesInIndex(state.index), [], `nothing may be loaded\n${why}`);
  assert.deepEqual(tempLeftovers(state.files), [], why);
}

describe('a damaged split set is refused before anything is read, naming the part', () => {
  it('one flipped byte in part 2: sha256 mismatch with both digests', async () => {
    const dir = await copySet();
    const part = join(dir, 'set.tar.002');
    const b = await readFile(part);
    b[1000] = (b[1000] as number) ^ 0xff;
    await writeFile(part, b);
    await assertRejected(dir, 'set.tar.001', ExitCode.integrity, /^baler: set\.tar\.002: sha256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)$/);
  });

  it('a missing part 3', async () => {
    const dir = await copySet();
    await rm(join(dir, 'set.tar.003'));
    await assertRejected(dir, 'set.baler.json', ExitCode.notFound, /^baler: set\.tar\.003: missing \(part 3 of \d+\)$/);
  });

  it('a truncated last part', async () => {
    const dir = await copySet();
    const last = (await readdir(dir)).filter((n) => /^set\.tar\.\d{3}$/.test(n)).sort().pop() as string;
    await truncate(join(dir, last), 100);
    await assertRejected(dir, 'set.tar.001', ExitCode.badInput, new RegExp(`^baler: ${last.replace(/\./g, '\\.')}: truncated \\(expected \\d+ bytes, got 100\\)$`));
  });

  it('a part with bytes appended', async () => {
    const dir = await copySet();
    await writeFile(join(dir, 'set.tar.001'), Buffer.from('extra'), { flag: 'a' });
    await assertRejected(dir, 'set.tar.001', ExitCode.integrity, /^baler: set\.tar\.001: size mismatch \(expected 307200 bytes, got 307205\)$/);
  });

  it('a JSON that is not a split-set description', async () => {
    const dir = await copySet();
    await writeFile(join(dir, 'set.baler.json'), '{"kind": "baler-split-set", "version": 1, "parts": "no"}');
    await assertRejected(dir, 'set.baler.json', ExitCode.badInput, /^baler: set\.baler\.json: .*not a baler split-set description/);
  });
});
