import { Readable, Writable } from 'node:stream';
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
