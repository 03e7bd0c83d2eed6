import { spawn } from 'node:child_process';
import { BalerError } from '../../errors.js';
import { readTarEntries } from '../../tar/read.js';

const OPAQUE_XATTR = 'SCHILY.xattr.trusted.overlay.opaque';

/**
 * Which of `dirs` (relative to `diffDir`, latin1 strings: one char per name byte) carry the overlayfs opaque mark `trusted.overlay.opaque=y`
 * (formats.md §5: a directory deleted and re-created in an upper layer). Node has no xattr API, so GNU
 * tar reads them: `--no-recursion` over just these directories keeps its output to a few headers.
 * Returns the names as tar decodes them (UTF-8), or undefined when GNU tar is not installed (the caller warns and goes on without opaque marks).
 */
export async function findOpaqueDirs(diffDir: string, dirs: readonly string[], signal?: AbortSignal): Promise<Set<string> | undefined> {
  const found = new Set<string>();
  if (dirs.length === 0) return found;
  const child = spawn('tar', ['--xattrs', '--xattrs-include=trusted.overlay.opaque', '--no-recursion', '--null', '-cf', '-', '-C', diffDir, '-T', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(signal ? { signal } : {}),
  });
  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!started) return undefined;
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  child.stdin.on('error', () => undefined);
  // "./" keeps names starting with "-" from being read as options
  child.stdin.end(Buffer.concat(dirs.map((d) => Buffer.from(`./${d}\0`, 'latin1'))));
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  for await (const { header, body } of readTarEntries(child.stdout, `tar --xattrs of ${diffDir}`)) {
    body.resume();
    if (header.pax?.[OPAQUE_XATTR] === 'y') found.add(header.name.replace(/^\.\//, '').replace(/\/$/, ''));
  }
  const code = await exited;
  if (code !== 0) {
    const why = Buffer.concat(stderr).toString().trim().split('\n')[0] || `exit status ${code}`;
    throw new BalerError('E_PEER', `tar could not read the extended attributes under ${diffDir}: ${why}`);
  }
  return found;
}
