/**
 * The line an interrupted run ends with says what it left behind: nothing, the verified work kept for
 * --resume, or what it could not undo (a registry that keeps an upload session) instead of "nothing".
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { noteLeftBehind, takeLeftBehind } from '../../../src/io/cleanup.js';
import { balerInProcess } from '../../helpers/cli-in-process.js';
import { fixture, repoRoot } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const tmp = new TempDirs();
after(() => tmp.removeAll());

let dir = '';
before(async () => {
  dir = await tmp.make('baler-interrupt-msg-');
});

const NOTHING = 'interrupted; nothing partial was left behind';
const KEPT = 'interrupted; verified work was kept; run the same command with --resume to continue';
const UPLOAD = 'registry://127.0.0.1:5000/app may keep an unfinished upload until the registry purges stale uploads';

/** A load in this process whose signal was already aborted with `reason`, as SIGINT aborts it. */
async function interruptedLoad(reason: BalerError, extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const controller = new AbortController();
  controller.abort(reason);
  return balerInProcess(['load', '-q', '--store', join(dir, 'store'), '-i', FIXTURE, ...extra], dir, { signal: controller.signal });
}

describe('the interrupt line, composed from what the error says was left behind', () => {
  test('nothing left', async () => {
    const r = await interruptedLoad(new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'nothing' } }));
    assert.equal(r.code, 130);
    assert.equal(r.stderr, `baler: ${NOTHING}\n`);
  });

  test('an upload the registry kept replaces "nothing partial was left behind"', async () => {
    takeLeftBehind();
    noteLeftBehind(UPLOAD);
    const r = await interruptedLoad(new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'nothing' } }), ['--json']);
    assert.equal(r.code, 130);
    assert.equal(r.stderr, `baler: interrupted; ${UPLOAD}\n`);
    assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'E_CANCELLED', message: `interrupted; ${UPLOAD}`, exit: 130 } });
    assert.deepEqual(takeLeftBehind(), [], 'the notes are taken once');
  });

  test('a failure that is not an interrupt still names what could not be undone', async () => {
    takeLeftBehind();
    noteLeftBehind(UPLOAD);
    const missing = join(dir, 'missing.tar');
    const r = await balerInProcess(['load', '-q', '--store', join(dir, 'store'), '-i', missing], dir);
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`^baler: .*missing\\.tar.*; ${UPLOAD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`));
    assert.deepEqual(takeLeftBehind(), [], 'the notes are taken once');
  });

  test('--resume keeps verified work, and still names what could not be undone', async () => {
    const kept = await interruptedLoad(new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'resumable' } }));
    assert.equal(kept.stderr, `baler: ${KEPT}\n`);
    noteLeftBehind(UPLOAD);
    const both = await interruptedLoad(new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'resumable' } }));
    assert.equal(both.stderr, `baler: ${KEPT}; ${UPLOAD}\n`);
  });

  test('an error that makes no claim about leftovers gets none added', async () => {
    const r = await interruptedLoad(new BalerError('E_IO', 'stdout: broken pipe'));
    assert.equal(r.code, 6);
    assert.equal(r.stderr, 'baler: stdout: broken pipe\n');
  });
});

describe('SIGINT to a real baler process', () => {
  /** `baler load -q -i FIFO ARGS` (-q: no notes about other runs' temp files), interrupted once it has opened the FIFO (so it is in the verb, handlers set). */
  async function sigintDuringLoad(extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const cwd = await tmp.make('baler-sigint-');
    const fifo = join(cwd, 'input.fifo');
    execFileSync('mkfifo', [fifo]);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.NODE_TEST_CONTEXT;
    delete env.BALER_STORE;
    delete env.BALER_DEBUG;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), 'load', '-q', '--store', join(cwd, 'store'), '-i', fifo, ...extra], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const writer = await open(fifo, 'w'); // returns once baler has opened it for reading
    try {
      child.kill('SIGINT');
      // its read of the FIFO sits in a worker thread until the writer goes: the end of input it then
      // sees must still be reported as the interrupt it follows
      await sleep(500);
      await writer.close();
      return { code: await exited, stdout, stderr };
    } finally {
      await writer.close().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      assert.deepEqual((await readdir(cwd)).filter((f) => f !== 'input.fifo' && f !== 'store'), []);
    }
  }

  test('says nothing partial was left behind, on stderr and, with --json, as the error document', { timeout: 60_000 }, async () => {
    const r = await sigintDuringLoad(['--json']);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr, `baler: ${NOTHING}\n`);
    assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'E_CANCELLED', message: NOTHING, exit: 130 } });
  });

  test('with --resume, says the verified work was kept', { timeout: 60_000 }, async () => {
    const r = await sigintDuringLoad(['--resume']);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr, `baler: ${KEPT}\n`);
    assert.equal(r.stdout, '');
  });
});
