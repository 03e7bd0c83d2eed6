/**
 * A split set pushed into a real registry (distribution 2.8): a pushed blob cannot be taken back, so a
 * corrupt part must be named before the first blob goes out, and the registry must stay empty.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const reg = withRegistry();
const skip = reg.skip;
const tmp = new TempDirs();
after(() => tmp.removeAll());

/** Every file under DIR (relative paths), or [] when DIR does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
  } catch {
    return [];
  }
}

test('a split set with a corrupt part pushes nothing into a registry; the intact set pushes every image', { skip }, async () => {
  const dir = await tmp.make('baler-registry-split-');
  await balerOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--split', '300K', '-o', 'set.tar', 'imga:1', 'imgb:1', 'bbbase:1'], { cwd: dir });
  const part = join(dir, 'set.tar.002');
  const pristine = await readFile(part);
  const damaged = Buffer.from(pristine);
  damaged[1000] = (damaged[1000] as number) ^ 0xff;
  await writeFile(part, damaged);

  const args = ['load', '-i', 'set.tar.001', '--into', `registry://${reg.host}/split`];
  const r = await runBaler(args, { cwd: dir });
  const why = describeRun(args, r);
  assert.equal(r.code, ExitCode.integrity, why);
  assert.match(r.stderr.trim().split('\n').pop() as string, /^baler: part 2 of \d+ \(set\.tar\.002\) is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/, why);
  const blobs = await filesUnder(join(reg.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));
  assert.deepEqual(blobs, [], `no blob may reach the registry\n${why}`);

  await writeFile(part, pristine);
  const ok = await runBaler([...args, '--json'], { cwd: dir });
  assert.equal(ok.code, 0, describeRun(args, ok));
  const names = (JSON.parse(ok.stdout) as { images: Array<{ names: string[] }> }).images.flatMap((i) => i.names).sort();
  assert.equal(names.length, 3, ok.stdout);
  const check = await runBaler(['verify', `registry://${reg.host}/split/library/imga:1`]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
});
