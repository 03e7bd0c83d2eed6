import type { Readable, Writable } from 'node:stream';
import { BalerError, type ExitCode } from '../errors.js';

/**
 * One declarative spec per verb feeds the argument parser, `--help` and the man page
 * (scripts/gen-man.ts), so the three never disagree.
 */
export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'boolean' | 'string';
  /** May be given more than once (collected into an array). */
  readonly multiple?: boolean;
  /** Shown in help: `-o, --output FILE`. */
  readonly placeholder?: string;
  readonly description: string;
}

export interface ArgSpec {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
  readonly multiple?: boolean;
}

export interface ExampleSpec {
  readonly command: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for `baler --help` and the man page NAME section. */
  readonly summary: string;
  /** Free text paragraphs (blank-line separated) for DESCRIPTION. */
  readonly description: string;
  readonly args: readonly ArgSpec[];
  readonly flags: readonly FlagSpec[];
  readonly examples: readonly ExampleSpec[];
  /** Extra man sections, e.g. { title: 'FILES', body: '…' }. */
  readonly sections?: readonly { title: string; body: string }[];
}

export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly stdin: Readable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM: long operations must stop and clean up. */
  readonly signal: AbortSignal;
}

export type FlagValue = string | boolean | string[] | undefined;

export class ParsedFlags {
  constructor(private readonly values: Readonly<Record<string, FlagValue>>) {}

  bool(name: string): boolean {
    return this.values[name] === true;
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    if (Array.isArray(v)) return v[v.length - 1];
    return typeof v === 'string' ? v : undefined;
  }

  list(name: string): string[] {
    const v = this.values[name];
    if (Array.isArray(v)) return v;
    return typeof v === 'string' ? [v] : [];
  }

  /** One of `choices`, or `fallback` when absent; anything else is a usage error naming the flag. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T;
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined;
  choice<T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v)) {
      throw new BalerError('E_USAGE', `--${name}: expected one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new BalerError('E_USAGE', `--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  }
}

export interface CommandContext {
  readonly flags: ParsedFlags;
  readonly args: readonly string[];
  readonly io: CliIo;
}

export interface Command {
  readonly spec: CommandSpec;
  run(ctx: CommandContext): Promise<ExitCode>;
}

/** Flags every verb accepts; listed once here, shown in each man page's OPTIONS. */
export const globalFlags: readonly FlagSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'Show help for the command and exit.' },
  { name: 'store', type: 'string', placeholder: 'DIR', description: 'Use the embedded store at DIR (default: $BALER_STORE, else $XDG_DATA_HOME/baler/store).' },
  {
    name: 'json',
    type: 'boolean',
    description:
      'Print the result as JSON on stdout (for scripts); progress is not shown. A failure prints one object instead, {"error": {"code": "E_…", "message": "…", "exit": N}}, with the same message on stderr and N as the exit status (verify and fsck add that error to their report).',
  },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'Print nothing but errors and the essential result.' },
];
