import { join } from 'node:path';
import { runProcess, type ProcessResult, type RunOptions } from './run-process.js';
import { repoRoot } from './paths.js';

const mainTs = join(repoRoot, 'src', 'cli', 'main.ts');
// Resolved here, not by the child: a child running in a temp cwd could not find tsx by name.
const tsxLoader = import.meta.resolve('tsx');

export interface BalerRunOptions extends RunOptions {
  /** Per-run environment additions; the child never inherits BALER_STORE or BALER_DEBUG from the test runner. */
  env?: NodeJS.ProcessEnv;
  /** A command the CLI runs under, e.g. `['setpriv', '--reuid=65534', …]` to run it as another user. */
  wrap?: readonly string[];
}

/**
 * Runs the real CLI from source (`node --import tsx src/cli/main.ts ARGS`) and returns what a user sees.
 * stdout/stderr are pipes, so the CLI takes its non-TTY path (no Ink screen).
 */
export function runBaler(args: readonly string[], opts: BalerRunOptions = {}): Promise<ProcessResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.BALER_STORE;
  delete env.BALER_DEBUG;
  delete env.NODE_OPTIONS;
  // node --test sets this for its children; a CLI child must behave as if started by a user.
  delete env.NODE_TEST_CONTEXT;
  Object.assign(env, { NO_COLOR: '1' }, opts.env ?? {});
  const argv = [process.execPath, '--import', tsxLoader, mainTs, ...args];
  const [cmd, ...rest] = opts.wrap?.length ? [...opts.wrap, ...argv] : argv;
  return runProcess(cmd as string, rest, { timeoutMs: 600_000, ...opts, env, cwd: opts.cwd ?? repoRoot });
}

/** Message for assert: the command line and everything it printed. */
export function describeRun(args: readonly string[], r: ProcessResult): string {
  return `baler ${args.join(' ')} -> exit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
}

/** Runs baler and fails the test (showing the command and its output) unless it exits 0. */
export async function balerOk(args: readonly string[], opts: BalerRunOptions = {}): Promise<import('./run-process.js').ProcessResult> {
  const r = await runBaler(args, { timeoutMs: 300_000, ...opts });
  if (r.code !== 0) throw new Error(`expected exit 0\n${describeRun(args, r)}`);
  return r;
}
