import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../../helpers/paths.js';
import { BalerError } from '../../../../src/errors.js';
import { reportError, runCli } from '../../../../src/cli/run.js';
import type { CliIo } from '../../../../src/cli/spec.js';

/**
 * Runs a baler verb in this process and interrupts it the way SIGINT does (aborting io.signal) as soon
 * as stderr has shown `after` progress lines matching `pattern` (`Copied layer …`, one per finished layer).
 */
export async function runInterrupted(args: readonly string[], cwd: string, pattern: RegExp, after = 1): Promise<{ code: number; stderr: string; interrupted: boolean }> {
  const controller = new AbortController();
  let seen = 0;
  let stderr = '';
  const stderrSink = new Writable({
    write(chunk: Buffer, _e, cb) {
      const text = chunk.toString();
      stderr += text;
      for (const line of text.split('\n')) if (pattern.test(line)) seen++;
      if (seen >= after && !controller.signal.aborted) controller.abort(new BalerError('E_CANCELLED', 'interrupted; nothing partial was left behind'));
      cb();
    },
  }) as Writable & { isTTY: boolean };
  stderrSink.isTTY = false;
  const stdout = new Writable({ write: (_c, _e, cb) => cb() }) as Writable & { isTTY: boolean };
  stdout.isTTY = false;
  const io: CliIo = { stdout, stderr: stderrSink, stdin: Readable.from([]) as Readable & { isTTY?: boolean }, env: { HOME: cwd }, cwd, signal: controller.signal };
  let code: number;
  try {
    code = await runCli([...args], io);
  } catch (e) {
    code = reportError(controller.signal.aborted ? controller.signal.reason : e, io);
  }
  return { code, stderr, interrupted: controller.signal.aborted };
}

export interface ChildOutcome {
  /** False when the child ended before `ready()` held (too fast to be caught). */
  acted: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Starts `baler ARGS` as a child process (like runBaler) and, once `ready()` holds, runs `act(child)`
 * (sends it signals: SIGKILL, SIGINT, SIGSTOP…); then waits for it to end. A child still running at
 * the end is SIGKILLed, so none is left behind.
 */
export async function actOnChild(args: readonly string[], cwd: string, ready: () => Promise<boolean>, act: (child: ChildProcess) => Promise<void>): Promise<ChildOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_TEST_CONTEXT;
  delete env.BALER_STORE;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  let acted = false;
  try {
    while (!done) {
      if (await ready()) {
        acted = true;
        await act(child);
        break;
      }
      await sleep(5);
    }
    return { acted, ...(await exited), stderr };
  } finally {
    if (!done) child.kill('SIGKILL');
  }
}
