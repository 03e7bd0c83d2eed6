/**
 * A script that passes --json reads one JSON object on stdout whatever happens: on failure
 * {"error": {"code", "message", "exit"}} (verify and fsck: their report, with that `error` member), next
 * to the usual one-line error on stderr and the same exit status.
 */
import { strict as assert } from 'node:assert';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { balerInProcess, balerInProcessOk, type InProcessRun } from '../../helpers/cli-in-process.js';
import { describeRun, runBaler } from '../../helpers/run-baler.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const tmp = new TempDirs();
after(() => tmp.removeAll());

let dir = '';
let store = '';
let missing = '';
before(async () => {
  dir = await tmp.make('baler-json-errors-');
  store = join(dir, 'store');
  missing = join(dir, 'missing.tar');
  await balerInProcessOk(['load', '-q', '--store', store, '-i', FIXTURE], dir);
});

interface ErrorDoc {
  code: string;
  message: string;
  exit: number;
}

/** The run failed with `exit`, one stderr line, and stdout is exactly one JSON document whose `error` repeats that line. */
function assertJsonFailure(args: readonly string[], r: InProcessRun, exit: number, code: string): Record<string, unknown> {
  const why = describeRun(args, { ...r, stdoutBytes: Buffer.from(r.stdout) });
  assert.equal(r.code, exit, why);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  const error = doc.error as ErrorDoc;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'exit', 'message'], why);
  assert.equal(error.code, code, why);
  assert.equal(error.exit, exit, why);
  if (r.stderr !== '') assert.equal(r.stderr, `baler: ${error.message}\n`, why);
  return doc;
}

describe('--json failures print {"error": …} on stdout', () => {
  const verbs: Array<{ args: () => string[]; exit: number; code: string }> = [
    { args: () => ['load', '--store', store, '--json', '-i', missing], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['save', '--store', store, '--json', '-o', join(dir, 'out.tar'), 'nope:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['export', '--store', store, '--json', '-o', join(dir, 'out.rootfs.tar'), 'nope:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['import', '--store', store, '--json', missing, 'imported:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['inventory', '--json', '--from', `docker-archive:${missing}`, '-o', join(dir, 'have.json')], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['inspect', '--store', store, '--json', 'nope:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['history', '--store', store, '--json', 'nope:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['tag', '--store', store, '--json', 'nope:1', 'other:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['rm', '--store', store, '--json', 'nope:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['squash', '--store', store, '--json', 'nope:1', 'flat:1'], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['ls', '--json', '--from', `docker-root:${join(dir, 'no-root')}`], exit: 3, code: 'E_NOT_FOUND' },
    { args: () => ['fsck', '--json', '--store', join(dir, 'no-store')], exit: 3, code: 'E_NOT_FOUND' },
    // the command line itself: unknown flags, verbs and missing arguments owe the script its JSON too
    { args: () => ['load', '--json', '--no-such-flag'], exit: 2, code: 'E_USAGE' },
    { args: () => ['no-such-verb', '--json'], exit: 2, code: 'E_USAGE' },
    { args: () => ['save', '--json', '-o', join(dir, 'x.tar'), '--layers', 'maybe', 'imga:1'], exit: 2, code: 'E_USAGE' },
  ];
  for (const v of verbs) {
    test(`baler ${v.args()[0]} (exit ${v.exit}, ${v.code})`, async () => {
      const args = v.args();
      const r = await balerInProcess(args, dir);
      const doc = assertJsonFailure(args, r, v.exit, v.code);
      assert.deepEqual(Object.keys(doc), ['error']);
      assert.match(r.stderr, /^baler: [^\n]+\n$/);
    });
  }

  test('nothing is written where no output was made', async () => {
    assert.deepEqual((await readdir(dir)).sort(), ['store']);
  });

  test('without --json (or with it only after --), stdout stays empty', async () => {
    const plain = await balerInProcess(['load', '--store', store, '-i', missing], dir);
    assert.equal(plain.code, 3);
    assert.equal(plain.stdout, '');
    const positional = await balerInProcess(['inspect', '--store', store, '--', '--json'], dir);
    assert.equal(positional.code, 3, positional.stderr);
    assert.equal(positional.stdout, '');
  });

  test('verify: the failed report carries the same error as its problem', async () => {
    const args = ['verify', '--json', missing];
    const r = await balerInProcess(args, dir);
    const doc = assertJsonFailure(args, r, 3, 'E_NOT_FOUND');
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.error, doc.problem);
    const ok = JSON.parse((await balerInProcessOk(['verify', '--json', FIXTURE], dir)).stdout) as Record<string, unknown>;
    assert.equal(ok.error, undefined);
  });

  test('fsck: a store with a damaged blob reports Ok false and an E_STORE_CORRUPT error', async () => {
    const damaged = join(dir, 'damaged');
    await balerInProcessOk(['load', '-q', '--store', damaged, '-i', FIXTURE], dir);
    const blobs = join(damaged, 'blobs', 'sha256');
    const [first] = (await readdir(blobs)).filter((f) => /^[0-9a-f]{64}$/.test(f));
    await writeFile(join(blobs, first as string), 'not what the digest says');
    const args = ['fsck', '--json', '--store', damaged];
    const r = await balerInProcess(args, dir);
    const doc = assertJsonFailure(args, r, 5, 'E_STORE_CORRUPT');
    assert.equal(doc.Ok, false);
    const problems = (doc.Problems as unknown[]).length;
    assert.ok(problems > 0);
    assert.equal((doc.error as ErrorDoc).message, `${doc.Store as string}: ${problems} problem${problems === 1 ? '' : 's'}`);
    const ok = JSON.parse((await balerInProcessOk(['fsck', '--json', '--store', store], dir)).stdout) as Record<string, unknown>;
    assert.equal(ok.Ok, true);
    assert.equal(ok.error, undefined);
  });

  test('the real process: load --json of a missing file', async () => {
    const args = ['load', '--store', store, '--json', '-i', missing];
    const r = await runBaler(args, { cwd: dir });
    assert.equal(r.code, 3, describeRun(args, r));
    assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'E_NOT_FOUND', message: `${missing}: no such file or directory`, exit: 3 } });
    assert.equal(r.stderr, `baler: ${missing}: no such file or directory\n`);
  });
});
