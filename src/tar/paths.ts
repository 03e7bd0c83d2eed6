import { BalerError } from '../errors.js';

/**
 * formats.md §0/§4.3 rule 1: entry names are compared after a POSIX clean with `./` and leading `/`
 * stripped, so `./etc/`, `/etc` and `etc` are one path. '' is the root itself (`./`). A name that
 * climbs above the root (`../x`, `a/../../x`) is refused: no archive has a reason to contain one.
 */
export function normalizeEntryPath(name: string, what: string): string {
  if (name.includes('\0')) throw new BalerError('E_FORMAT', `${what}: entry name contains a NUL byte`);
  const out: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new BalerError('E_PATH_ESCAPE', `${what}: entry "${name}" points outside the archive root`);
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

/** True for an already-normalised, non-root relative path (what normalizeEntryPath returns, minus ''). */
export function isSafeRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/**
 * Resolves a link target relative to the directory of `from` (both normalised paths), the way a
 * symlink inside the archive would resolve if extracted; undefined when it would leave the root.
 * Absolute targets resolve from the archive root.
 */
export function resolveLinkTarget(from: string, target: string): string | undefined {
  const base = target.startsWith('/') ? [] : from.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (base.length === 0) return undefined;
      base.pop();
    } else base.push(seg);
  }
  return base.join('/');
}
