import { ExitCode } from '../errors.js';
import { resolveStorePath } from '../store/location.js';
import type { Outcome } from './App.js';
import type { TuiServices } from './tui-services.js';
import { colorWanted } from './components/theme.js';

export type { Outcome } from './App.js';

export interface RenderTuiOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
}

const ENTER_ALT_SCREEN = '\x1b[?1049h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/**
 * The TUI façade: draws on the alternate screen until the user quits, then restores the terminal
 * and resolves with what was done. The caller prints the equivalent commands.
 */
export async function renderTui(services: TuiServices, opts: RenderTuiOptions = {}): Promise<Outcome> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const env = opts.env ?? process.env;
  const color = colorWanted(env);
  // chalk (inside Ink) decides its colour level when first imported: tell it before loading Ink.
  if (!color) process.env.FORCE_COLOR = '0';
  const [{ render }, React, { App }, { ThemeContext, makeTheme }] = await Promise.all([
    import('ink'),
    import('react'),
    import('./App.js'),
    import('./components/theme.js'),
  ]);
  let outcome: Outcome = { commands: [], interrupted: false };
  stdout.write(ENTER_ALT_SCREEN);
  try {
    const app = render(
      React.createElement(ThemeContext.Provider, { value: makeTheme(color) }, React.createElement(App, { services, onExit: (o: Outcome) => (outcome = o) })),
      { stdout, stdin, exitOnCtrlC: false, patchConsole: true },
    );
    await app.waitUntilExit();
  } finally {
    stdout.write(LEAVE_ALT_SCREEN);
  }
  return outcome;
}

/** After the TUI: the plain commands that repeat what it did, for the terminal's scrollback. */
export function formatOutcome(o: Outcome): string {
  if (o.commands.length === 0) return '';
  const head = o.commands.length === 1 ? 'Equivalent command:' : 'Equivalent commands:';
  return `${head}\n${o.commands.map((c) => `  ${c}`).join('\n')}\n`;
}

export interface RunTuiOptions {
  /** `--store DIR` as typed, if any. */
  storeFlag?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** `baler` on a terminal: the TUI over the real services, then the equivalent commands on stdout. */
export async function runTui(o: RunTuiOptions): Promise<ExitCode> {
  const { createTuiServices } = await import('./services.js');
  const storePath = resolveStorePath(o.storeFlag, o.env, o.cwd);
  const services = createTuiServices({ storePath, cwd: o.cwd, env: o.env, ...(o.storeFlag ? { storeFlag: o.storeFlag } : {}) });
  const outcome = await renderTui(services, { env: o.env });
  process.stdout.write(formatOutcome(outcome));
  return outcome.interrupted ? ExitCode.cancelled : ExitCode.ok;
}
