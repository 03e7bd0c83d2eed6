import { parseArgs } from 'node:util';
import { BalerError, ExitCode, exitCodeFor } from '../errors.js';
import { reportLeftoversTo } from '../io/leftovers.js';
import { commands } from './commands/index.js';
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

export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
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

/** The one place user errors become a line on stderr and an exit status. */
export function reportError(err: unknown, io: CliIo): ExitCode {
  const code = exitCodeFor(err);
  const debug = io.env.BALER_DEBUG === '1';
  if (err instanceof BalerError && code !== ExitCode.internal) {
    io.stderr.write(`baler: ${err.message}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr.write(`baler: Internal error: ${msg.replace(/^Internal error: /, '')}${debug ? '' : ' (run with BALER_DEBUG=1 for details)'}\n`);
  }
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return code;
}
