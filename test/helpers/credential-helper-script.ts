import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * A real docker credential helper for tests: `BIN/docker-credential-NAME`, a POSIX sh script speaking
 * the helper protocol (`get`, server URL on stdin, JSON on stdout). It knows the URLs in `known`
 * (exactly as spelled), says "credentials not found in native keychain" for others, and appends every
 * URL it was asked for to `BIN/NAME.log`.
 */
export interface HelperBehaviour {
  readonly known?: Readonly<Record<string, { Username: string; Secret: string }>>;
  /** Fail every get with this message on stderr and exit 3 (a broken keychain). */
  readonly brokenWith?: string;
  /** Sleep this many seconds before answering (a hung agent). */
  readonly sleepSeconds?: number;
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export async function writeCredentialHelper(bin: string, name: string, b: HelperBehaviour): Promise<{ log: string }> {
  await mkdir(bin, { recursive: true });
  const log = join(bin, `${name}.log`);
  const cases = Object.entries(b.known ?? {}).map(([url, creds]) => `  ${shQuote(url)}) printf '%s' ${shQuote(JSON.stringify({ ServerURL: url, ...creds }))}; exit 0 ;;`);
  const script = [
    '#!/bin/sh',
    '[ "$1" = get ] || { echo "unsupported action $1" >&2; exit 2; }',
    'url=$(cat)',
    `printf '%s\\n' "$url" >> ${shQuote(log)}`,
    ...(b.sleepSeconds !== undefined ? [`sleep ${b.sleepSeconds}`] : []),
    ...(b.brokenWith !== undefined ? [`echo ${shQuote(b.brokenWith)} >&2`, 'exit 3'] : []),
    'case "$url" in',
    ...cases,
    'esac',
    'echo "credentials not found in native keychain"',
    'exit 1',
    '',
  ].join('\n');
  const file = join(bin, `docker-credential-${name}`);
  await writeFile(file, script);
  await chmod(file, 0o755);
  return { log };
}

/** PATH with `bin` first, for the process that must find the helper. */
export function pathWith(bin: string): string {
  return `${bin}${delimiter}${process.env.PATH ?? ''}`;
}
