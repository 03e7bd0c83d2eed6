/**
 * `--change` instructions for `baler import` (formats.md §4.2): Dockerfile lines that set runtime
 * defaults in the image config, parsed the way `docker import -c` parses them. Pure: strings in,
 * a new ContainerConfig out.
 *
 * Variables are substituted where docker substitutes them (ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR,
 * STOPSIGNAL; not in CMD, ENTRYPOINT, HEALTHCHECK or ONBUILD, whose shell form the container's shell
 * expands at run time), from the Env of the config as it stands before each instruction: the base
 * image's plus what earlier ENV changes set. Not supported: the `# escape=` parser directive.
 */
import { BalerError } from '../errors.js';
import type { ContainerConfig, HealthConfig } from '../model/image-config.js';
import { processShellWord, splitShellFields, splitShellWords, type ShellEnv } from './shell-words.js';

export const CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR', 'STOPSIGNAL'] as const;
export type ChangeInstruction = (typeof CHANGE_INSTRUCTIONS)[number];

function usage(change: string, why: string): BalerError {
  return new BalerError('E_USAGE', `--change ${JSON.stringify(change)}: ${why}`);
}

/** Splits `KEYWORD rest`; the keyword is case-insensitive like Dockerfile instructions. */
export function splitInstruction(change: string): { keyword: string; rest: string } {
  const m = /^\s*(\S+)(?:\s+([\s\S]*))?$/.exec(change);
  if (!m) throw new BalerError('E_USAGE', '--change: empty instruction');
  return { keyword: (m[1] ?? '').toUpperCase(), rest: (m[2] ?? '').trim() };
}

/** JSON form `["a","b"]` when `rest` is a JSON array of strings; undefined means shell form (docker falls back too). */
function parseJsonForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: shell form
  }
  return undefined;
}

/** CMD/ENTRYPOINT: JSON form as-is, shell form wrapped in `/bin/sh -c` (formats.md §4.2). */
function commandForm(change: string, rest: string): string[] {
  if (rest === '') throw usage(change, 'missing command');
  return parseJsonForm(rest) ?? ['/bin/sh', '-c', rest];
}

/**
 * `K=V K2="a b"` pairs, or the legacy single pair `K value with spaces` (ENV and LABEL).
 * Quotes, backslashes and `$VAR` (from `env`) are processed as in a Dockerfile; in the legacy form the
 * value keeps its inner whitespace as written (docker 20.10: `ENV K a   "b  c"` → `a   b  c`).
 */
export function parseKeyValues(change: string, rest: string, env?: ShellEnv): Array<[string, string]> {
  if (rest === '') throw usage(change, 'missing KEY=VALUE');
  // the form is decided on the first quote-aware word, so `"k k"=v` is a pair, not a legacy key `"k`
  const first = splitShellWords(rest, change)[0] ?? '';
  if (!first.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) throw usage(change, `missing a value for ${JSON.stringify(first)}`);
    return [[processShellWord(m[1] ?? '', change, env), processShellWord((m[2] ?? '').trim(), change, env)]];
  }
  return splitShellWords(rest, change, env).map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw usage(change, `expected KEY=VALUE, got ${JSON.stringify(w)}`);
    return [w.slice(0, eq), w.slice(eq + 1)] as [string, string];
  });
}

function setEnv(env: string[], key: string, value: string): string[] {
  const item = `${key}=${value}`;
  const idx = env.findIndex((e) => e.split('=', 1)[0] === key);
  if (idx < 0) return [...env, item];
  const copy = [...env];
  copy[idx] = item;
  return copy;
}

/** `80`, `8080/tcp`, `53/udp`, `8000-8002/tcp` → `80/tcp`… */
export function parsePorts(change: string, words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw usage(change, `invalid port ${JSON.stringify(w)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    if (lo < 1 || hi > 65535 || hi < lo) throw usage(change, `invalid port range ${JSON.stringify(w)}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration text (`30s`, `1m30s`, `500ms`) to nanoseconds, as HEALTHCHECK stores it. */
export function parseGoDuration(text: string, what: string): number {
  // \u00b5 is µ (micro): spelled as an escape so the CLI bundle stays ASCII (scripts/bundle.ts)
  const re = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
    matched += m[0].length;
  }
  if (text === '' || matched !== text.length) throw new BalerError('E_USAGE', `${what}: invalid duration ${JSON.stringify(text)}`);
  return Math.round(total);
}

function parseHealthcheck(change: string, rest: string): HealthConfig {
  if (rest.toUpperCase() === 'NONE') return { Test: ['NONE'] };
  const hc: HealthConfig = {};
  let remaining = rest;
  for (;;) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(remaining);
    if (!m) break;
    const flag = m[1] ?? '';
    const value = m[2] ?? '';
    const what = `--change ${JSON.stringify(change)}: --${flag}`;
    switch (flag) {
      case 'interval':
        hc.Interval = parseGoDuration(value, what);
        break;
      case 'timeout':
        hc.Timeout = parseGoDuration(value, what);
        break;
      case 'start-period':
        hc.StartPeriod = parseGoDuration(value, what);
        break;
      case 'start-interval':
        hc.StartInterval = parseGoDuration(value, what);
        break;
      case 'retries': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw usage(change, `--retries must be a whole number, got ${JSON.stringify(value)}`);
        hc.Retries = n;
        break;
      }
      default:
        throw usage(change, `unknown HEALTHCHECK flag --${flag}`);
    }
    remaining = remaining.slice(m[0].length);
  }
  const { keyword, rest: cmd } = splitInstruction(remaining === '' ? ' ' : remaining);
  if (keyword !== 'CMD') throw usage(change, 'HEALTHCHECK expects NONE or [OPTIONS] CMD command');
  if (cmd === '') throw usage(change, 'missing HEALTHCHECK command');
  const json = parseJsonForm(cmd);
  hc.Test = json ? ['CMD', ...json] : ['CMD-SHELL', cmd];
  return hc;
}

/** docker's normalizeWorkdir: a relative WORKDIR is joined onto the previous one (or `/`). */
function joinWorkdir(current: string | undefined, requested: string): string {
  const base = requested.startsWith('/') ? requested : `${current || '/'}/${requested}`;
  const parts: string[] = [];
  for (const p of base.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/** Applies one instruction; returns a new config (the input is not modified). */
export function applyChange(config: ContainerConfig, change: string): ContainerConfig {
  const { keyword, rest } = splitInstruction(change);
  const out: ContainerConfig = { ...config };
  // every substitution in one instruction sees the Env from before it (`ENV A=2 B=$A` takes the old A)
  const env: ShellEnv = config.Env ?? [];
  switch (keyword as ChangeInstruction) {
    case 'CMD':
      out.Cmd = commandForm(change, rest);
      return out;
    case 'ENTRYPOINT':
      out.Entrypoint = commandForm(change, rest);
      return out;
    case 'ENV': {
      let next = [...env];
      for (const [k, v] of parseKeyValues(change, rest, env)) next = setEnv(next, k, v);
      out.Env = next;
      return out;
    }
    case 'LABEL': {
      const labels = { ...(config.Labels ?? {}) };
      for (const [k, v] of parseKeyValues(change, rest, env)) labels[k] = v;
      out.Labels = labels;
      return out;
    }
    case 'EXPOSE': {
      const words = splitShellFields(rest, change, env);
      if (words.length === 0) throw usage(change, 'missing port');
      const ports = { ...(config.ExposedPorts ?? {}) };
      for (const p of parsePorts(change, words)) ports[p] = {};
      out.ExposedPorts = ports;
      return out;
    }
    case 'VOLUME': {
      const json = parseJsonForm(rest);
      const vols = json ? json.map((v) => processShellWord(v, change, env)) : splitShellWords(rest, change, env);
      if (vols.length === 0 || vols.some((v) => v.trim() === '')) throw usage(change, 'VOLUME needs a path');
      const volumes = { ...(config.Volumes ?? {}) };
      for (const v of vols) volumes[v] = {};
      out.Volumes = volumes;
      return out;
    }
    case 'USER':
      if (rest === '') throw usage(change, 'USER needs a user name or id');
      out.User = processShellWord(rest, change, env);
      return out;
    case 'WORKDIR':
      if (rest === '') throw usage(change, 'WORKDIR needs a path');
      out.WorkingDir = joinWorkdir(config.WorkingDir, processShellWord(rest, change, env));
      return out;
    case 'STOPSIGNAL': {
      const signal = processShellWord(rest, change, env);
      if (!/^(?:SIG)?[A-Z0-9+-]+$|^\d+$/i.test(signal)) throw usage(change, `invalid signal ${JSON.stringify(signal)}`);
      out.StopSignal = signal;
      return out;
    }
    case 'HEALTHCHECK':
      out.Healthcheck = parseHealthcheck(change, rest);
      return out;
    case 'ONBUILD': {
      const trigger = splitInstruction(rest === '' ? ' ' : rest).keyword;
      if (rest === '') throw usage(change, 'ONBUILD needs an instruction');
      if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(trigger)) throw usage(change, `${trigger} isn't allowed as an ONBUILD trigger`);
      out.OnBuild = [...(config.OnBuild ?? []), rest];
      return out;
    }
    default:
      // docker's wording (formats.md §4.2)
      throw new BalerError('E_USAGE', `\`${keyword}\` is not a valid change command`);
  }
}

/** Applies `--change` values in order, like `docker import -c … -c …`. */
export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  return changes.reduce(applyChange, config);
}
