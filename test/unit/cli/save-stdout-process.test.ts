/**
 * `baler save > FILE`, `baler export > FILE` and `baler save | cmd` as a user runs them: a real process whose stdout is a regular
 * file or a pipe (baler then writes fd 1 on the thread pool instead of Node's synchronous stdout). The
 * bytes must equal what `-o FILE` writes, and every byte must be out before the process exits.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { balerOk, describeRun, runBaler } from '../../helpers/run-baler.js';
import { fixture } from '../../helpers/paths.js';
import { runProcess } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
const NAME = 'fixture/layers:3';
const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('save to a real stdout', () => {
  let dir = '';
  let store = '';
  let expected = '';

  before(async () => {
    dir = await tmp.make('baler-save-stdout-');
    store = join(dir, 'store');
    await balerOk(['load', '-q', '-i', FIXTURE, '--store', store]);
    const out = join(dir, 'with-o.tar');
    await balerOk(['save', '-q', '--store', store, '-o', out, NAME]);
    expected = createHash('sha256').update(await readFile(out)).digest('hex');
  });

  test('stdout redirected to a file gets the same bytes as -o', async () => {
    const file = join(dir, 'redirected.tar');
    const args = ['save', '-q', '--store', store, NAME];
    // the shell opens FILE as fd 1 of baler: a regular file, as with `baler save IMAGE > FILE`
    const r = await runProcess('bash', ['-c', `exec "$@" > ${JSON.stringify(file)}`, 'sh', ...(await balerArgv(args))]);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.equal(createHash('sha256').update(await readFile(file)).digest('hex'), expected);
  });

  test('export with stdout redirected to a file gets the same bytes as export -o', async () => {
    const withO = join(dir, 'export-o.tar');
    await balerOk(['export', '-q', '--store', store, '-o', withO, NAME]);
    const file = join(dir, 'export-redirected.tar');
    const args = ['export', '-q', '--store', store, NAME];
    const r = await runProcess('bash', ['-c', `exec "$@" > ${JSON.stringify(file)}`, 'sh', ...(await balerArgv(args))]);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.deepEqual(await readFile(file), await readFile(withO));
  });

  test('stdout into a pipe gets the same bytes as -o', async () => {
    const args = ['save', '-q', '--store', store, NAME];
    const r = await runProcess('bash', ['-c', 'set -o pipefail; "$@" | sha256sum', 'sh', ...(await balerArgv(args))]);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.equal(r.stdout.split(' ')[0], expected);
  });

  test('a reader that goes away early gives one line about the broken pipe, not a stack trace', async () => {
    const args = ['save', '--store', store, NAME];
    const r = await runProcess('bash', ['-c', '"$@" | head -c 1000 > /dev/null; exit ${PIPESTATUS[0]}', 'sh', ...(await balerArgv(args))]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /(^|\n)baler: stdout: broken pipe\n$/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });
});

/** The argv runBaler would use, for running baler under a shell that sets up its stdout. */
async function balerArgv(args: readonly string[]): Promise<string[]> {
  const probe = await runBaler(['--version']);
  assert.equal(probe.code, 0);
  return [process.execPath, '--import', import.meta.resolve('tsx'), join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'main.ts'), ...args];
}
