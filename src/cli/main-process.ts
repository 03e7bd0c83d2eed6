import { BalerError, ExitCode } from '../errors.js';
import { runInterruptCleanups } from '../io/cleanup.js';
import { adoptDeferredCaCerts } from '../io/deferred-ca-certs.js';
import { reportError, runCli } from './run.js';
import type { CliIo } from './spec.js';

/**
 * `baler` with no verb (only --store DIR and/or --no-tui): on a terminal it opens the TUI, unless
 * --no-tui; otherwise (pipes, CI, --no-tui) it prints the top help. Undefined when a verb is given.
 */
function noVerbInvocation(argv: readonly string[]): { storeFlag?: string; noTui: boolean } | undefined {
  let storeFlag: string | undefined;
  let noTui = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--no-tui') noTui = true;
    else if (a === '--store' && argv[i + 1] !== undefined) storeFlag = argv[++i];
    else if (a.startsWith('--store=')) storeFlag = a.slice('--store='.length);
    else return undefined;
  }
  return storeFlag === undefined ? { noTui } : { storeFlag, noTui };
}

/**
 * The whole life of a `baler` process: signals, the TUI or a verb, error reporting, interrupt cleanups
 * and the exit status. main.ts awaits it (ES module entry); the CommonJS bundle that bin/baler.js runs
 * with a V8 code cache (scripts/bundle.ts) cannot use top-level await and calls it from its own entry.
 */
export async function runBalerProcess(): Promise<void> {
  adoptDeferredCaCerts();
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(ExitCode.cancelled);
    // --resume runs keep what they verified on purpose (save: FILE.baler-partial; load: unreferenced blobs);
    // the CLI says so, or that nothing was left, or what could not be undone (render/error-text.ts)
    const kept = process.argv.includes('--resume') ? 'resumable' : 'nothing';
    controller.abort(new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept } }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that goes away (baler save | head) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort(new BalerError('E_IO', 'stdout: broken pipe'));
  });
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal };
  let code: ExitCode;
  const argv = process.argv.slice(2);
  const noVerb = noVerbInvocation(argv);
  try {
    if (noVerb && !noVerb.noTui && process.stdin.isTTY && process.stdout.isTTY) {
      // Ink draws only the final frame when CI/CONTINUOUS_INTEGRATION is set (it reads them once,
      // at import). Someone at a real terminal who asked for the TUI needs every frame, whatever
      // their shell exported, so these are dropped before Ink loads.
      delete process.env['CI'];
      delete process.env['CONTINUOUS_INTEGRATION'];
      const { runTui } = await import('../tui/run-tui.js');
      code = await runTui({ env: io.env, cwd: io.cwd, ...(noVerb.storeFlag !== undefined ? { storeFlag: noVerb.storeFlag } : {}) });
    } else {
      code = await runCli(noVerb ? [] : argv, io);
    }
  } catch (err) {
    // runCli reports a verb's failures itself; what is left: the TUI's, or a bug in the reporting
    code = reportError(controller.signal.aborted && controller.signal.reason instanceof BalerError ? controller.signal.reason : err, io);
  }
  await runInterruptCleanups();
  process.exitCode = code;
}

