import { Readable, Writable } from 'node:stream';
import { reportError, runCli } from '../../src/cli/run.js';
import type { CliIo } from '../../src/cli/spec.js';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(chunks: Buffer[]): Writable & { isTTY: boolean } {
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  }) as Writable & { isTTY: boolean };
  w.isTTY = false;
  return w;
}

/**
 * Runs a baler verb in this process (runCli + main.ts's error reporting) with piped, non-TTY stdio:
 * the exit status and what a user would see, without the cost of starting node per command. `signal`:
 * one already aborted runs the verb as a SIGINT would leave it.
 */
export async function balerInProcess(args: readonly string[], cwd: string, o: { signal?: AbortSignal } = {}): Promise<InProcessRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: CliIo = {
    stdout: collector(out),
    stderr: collector(err),
    stdin: Readable.from([]) as Readable & { isTTY?: boolean },
    env: { HOME: cwd },
    cwd,
    signal: o.signal ?? new AbortController().signal,
  };
  let code: number;
  try {
    code = await runCli([...args], io);
  } catch (e) {
    code = reportError(e, io);
  }
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** Fails with the command and its output unless it exited 0. */
export async function balerInProcessOk(args: readonly string[], cwd: string): Promise<InProcessRun> {
  const r = await balerInProcess(args, cwd);
  if (r.code !== 0) throw new Error(`baler ${args.join(' ')} -> exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`);
  return r;
}
