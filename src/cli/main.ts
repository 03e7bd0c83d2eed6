import { BalerError, ExitCode } from '../errors.js';
import { runInterruptCleanups } from '../io/cleanup.js';
import { reportError, runCli } from './run.js';
import type { CliIo } from './spec.js';

async function main(): Promise<void> {
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(ExitCode.cancelled);
    controller.abort(new BalerError('E_CANCELLED', 'interrupted; nothing partial was left behind'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that goes away (baler save | head) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort(new BalerError('E_IO', 'stdout: broken pipe'));
  });
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal };
  let code: ExitCode;
  try {
    code = await runCli(process.argv.slice(2), io);
  } catch (err) {
    const reason = controller.signal.aborted ? (controller.signal.reason as unknown) : err;
    code = reportError(reason instanceof BalerError ? reason : err, io);
  }
  await runInterruptCleanups();
  process.exitCode = code;
}

await main();
