import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { BalerError, ExitCode, exitCodeFor } from '../errors.js';
import { takeLeftBehind } from '../io/cleanup.js';
import { reportLeftoversTo } from '../io/leftovers.js';
import { commands } from './commands/index.js';
import { errorJson, errorText } from './render/error-text.js';
import { writeJson } from './render/json.js';
import { leftoverLine } from './render/leftover-lines.js';
import { renderHelp } from './render/help.js';
import { globalFlags, ParsedFlags, type CliIo, type Command, type FlagSpec } from './spec.js';

export const VERSION = '0.1.0';

export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.spec.name === name);
}

function topHelp(): string {
  const rows = commands.map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`);
  return [
    'Usage: baler COMMAND [OPTIONS] [ARGS]',
    '',
    'Move container images across hosts and air gaps: save, load, export and import, with or without a daemon.',
    'Run with no arguments on a terminal to open the interactive screen.',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'baler COMMAND --help' for a command's options, or 'man baler' for everything.",
    '',
  ].join('\n');
}

function parseOptions(flags: readonly FlagSpec[]): Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> {
  const out: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = {};
  for (const f of flags) {
    const o: { type: 'boolean' | 'string'; short?: string; multiple?: boolean } = { type: f.type };
    if (f.short) o.short = f.short;
    if (f.multiple) o.multiple = true;
    out[f.name] = o;
  }
  return out;
}

/** Turns util.parseArgs' messages into one line that names the verb. */
function usageError(verb: string, err: unknown): BalerError {
  const msg = String((err as Error).message ?? err).split('\n')[0] ?? 'bad arguments';
  return new BalerError('E_USAGE', `${verb}: ${msg.replace(/\. To specify a positional argument.*$/, '')}`);
}

/**
 * `--json` asked for on the command line, before `--` (read from argv, not from parsed flags: a command
 * line that does not parse still owes a script its JSON error).
 */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * stdout as a --json verb sees it, noting whether anything was written: a failure after the result
 * document (a cleanup that throws) must not add a second one. Only --json runs get it; their stdout
 * carries nothing but JSON, never a piped archive.
 */
function noteWrites<T extends Writable>(stream: T): { stream: T; wrote(): boolean } {
  let wrote = false;
  const proxy = new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') {
        return (...args: unknown[]): boolean => {
          wrote = true;
          return (target.write as (...a: unknown[]) => boolean).apply(target, args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { stream: proxy, wrote: () => wrote };
}

/** A failure's error, naming what could not be undone (a registry upload it failed to cancel) if anything. */
function withNotUndone(reason: BalerError): BalerError {
  const left = takeLeftBehind();
  if (left.length === 0) return reason;
  const leftBehind = { ...reason.leftBehind, notUndone: [...(reason.leftBehind?.notUndone ?? []), ...left] };
  return new BalerError(reason.code, reason.message, { ...(reason.cause !== undefined ? { cause: reason.cause } : {}), leftBehind });
}

/**
 * A `baler VERB …` run to its exit status: a failure is reported here (reportError), as the reason
 * io.signal was aborted with when it was (an interrupt, a reader gone from stdout), else as thrown; with
 * --json, stdout then holds the error document unless the verb already printed its result.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const json = wantsJson(argv);
  const watched = json ? noteWrites(io.stdout) : undefined;
  try {
    return await runVerb(argv, watched ? { ...io, stdout: watched.stream } : io);
  } catch (err) {
    const reason = io.signal.aborted && io.signal.reason instanceof BalerError ? io.signal.reason : err;
    // what a failure could not undo (a registry that keeps an upload) is named whether or not it was an interrupt
    return reportError(reason instanceof BalerError ? withNotUndone(reason) : reason, io, { json: watched !== undefined && !watched.wrote() });
  }
}

async function runVerb(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    const target = verb === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    io.stdout.write(target ? renderHelp(target.spec) : topHelp());
    return ExitCode.ok;
  }
  if (verb === '--version' || verb === 'version') {
    io.stdout.write(`baler ${VERSION}\n`);
    return ExitCode.ok;
  }
  const cmd = findCommand(verb);
  if (!cmd) throw new BalerError('E_USAGE', `unknown command ${JSON.stringify(verb)}; run 'baler --help' for the list`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: parseOptions([...cmd.spec.flags, ...globalFlags]), allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(verb, err);
  }
  const flags = new ParsedFlags(parsed.values as Record<string, string | boolean | string[] | undefined>);
  if (flags.bool('help')) {
    io.stdout.write(renderHelp(cmd.spec, Math.min(io.stdout.columns ?? 100, 100)));
    return ExitCode.ok;
  }
  const required = cmd.spec.args.filter((a) => !a.optional).length;
  const variadic = cmd.spec.args.some((a) => a.multiple);
  if (parsed.positionals.length < required) {
    throw new BalerError('E_USAGE', `${verb}: missing ${cmd.spec.args[parsed.positionals.length]?.name ?? 'argument'}; see 'baler ${verb} --help'`);
  }
  if (!variadic && parsed.positionals.length > cmd.spec.args.length) {
    throw new BalerError('E_USAGE', `${verb}: unexpected argument ${JSON.stringify(parsed.positionals[cmd.spec.args.length])}`);
  }
  // temp files of an interrupted baler that this run removed: one line each, never on stdout (it may be the
  // archive), and not with -q (a tidy-up is not an error nor the result)
  const stopReporting = reportLeftoversTo((notice) => {
    if (!flags.bool('quiet')) io.stderr.write(`baler: ${leftoverLine(notice)}\n`);
  });
  try {
    return await cmd.run({ flags, args: parsed.positionals, io });
  } finally {
    stopReporting();
  }
}

/**
 * The one place user errors become a line on stderr and an exit status; with `json`, also the error
 * document on stdout (render/error-text.ts), for scripts that read --json output.
 */
export function reportError(err: unknown, io: CliIo, o: { json?: boolean } = {}): ExitCode {
  const code = exitCodeFor(err);
  const debug = io.env.BALER_DEBUG === '1';
  let text: string;
  if (err instanceof BalerError && code !== ExitCode.internal) {
    text = errorText(err);
    io.stderr.write(`baler: ${text}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    text = `Internal error: ${msg.replace(/^Internal error: /, '')}`;
    io.stderr.write(`baler: ${text}${debug ? '' : ' (run with BALER_DEBUG=1 for details)'}\n`);
  }
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  if (o.json) writeJson(io, errorJson(err instanceof BalerError ? err.code : 'E_INTERNAL', text, code));
  return code;
}
