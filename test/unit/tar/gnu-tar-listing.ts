import type { TarEntryType } from '../../../src/tar/header.js';
import { runProcess } from '../../helpers/run-process.js';

/** One line of `tar -tv` as GNU tar prints it: the independent oracle the tar tests compare against. */
export interface GnuListing {
  name: string;
  type: TarEntryType;
  size: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  mode: number;
}

const typeChars: Record<string, TarEntryType> = {
  '-': 'file',
  d: 'dir',
  l: 'symlink',
  h: 'hardlink',
  c: 'char',
  b: 'block',
  p: 'fifo',
  C: 'contiguous',
};

function modeOf(perms: string): number {
  let m = 0;
  const bits = perms.slice(1, 10);
  for (let i = 0; i < 9; i++) if (bits[i] !== '-' && bits[i] !== 'S' && bits[i] !== 'T') m |= 1 << (8 - i);
  if (/[sS]/.test(bits[2]!)) m |= 0o4000;
  if (/[sS]/.test(bits[5]!)) m |= 0o2000;
  if (/[tT]/.test(bits[8]!)) m |= 0o1000;
  return m;
}

/** Runs GNU `tar -tv` on a file (numeric owners, literal names) and parses every line. */
export async function gnuTarList(file: string, extra: string[] = []): Promise<GnuListing[]> {
  const r = await runProcess('tar', ['--numeric-owner', '--quoting-style=literal', '--full-time', ...extra, '-tvf', file], {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  if (r.code !== 0) throw new Error(`tar -tvf ${file} failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      // perms owner/group size date time name...
      const m = /^(\S+)\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
      if (!m) throw new Error(`unparsable tar -tv line: ${line}`);
      const perms = m[1]!;
      const sizeField = m[2]!;
      let rest = m[3]!;
      const type = typeChars[perms[0]!] ?? 'other';
      const out: GnuListing = { name: rest, type, size: 0, mode: modeOf(perms) };
      if (type === 'symlink') {
        const i = rest.indexOf(' -> ');
        out.name = rest.slice(0, i);
        out.linkname = rest.slice(i + 4);
      } else if (type === 'hardlink') {
        const i = rest.indexOf(' link to ');
        out.name = rest.slice(0, i);
        out.linkname = rest.slice(i + 9);
      } else rest = out.name;
      if (type === 'char' || type === 'block') {
        const [maj, min] = sizeField.split(',');
        out.devmajor = Number(maj);
        out.devminor = Number(min);
      } else out.size = Number(sizeField);
      return out;
    });
}
