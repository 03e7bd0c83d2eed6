import { execFileSync } from 'node:child_process';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../../helpers/run-process.js';
import { isRoot } from '../../helpers/tools.js';

/** Names that stress every long-name mechanism: > 100 bytes (ustar prefix), > 255 (PAX / GNU L), non-ASCII. */
export const LONG_DIR = 'd'.repeat(110);
export const VERY_LONG = `${'e'.repeat(120)}/${'f'.repeat(120)}/${'g'.repeat(60)}.txt`;
export const UNICODE = 'utf8/grüße-日本語-ñ.txt';
/** Over 100 bytes but splittable into ustar prefix + name. */
export const SPLITTABLE = `${'p'.repeat(80)}/${'q'.repeat(80)}.txt`;
export const LONG_TARGET = `../${'t'.repeat(150)}`;

/**
 * A directory tree with the entry kinds tar tests need, made with real file system calls so GNU tar
 * (the oracle) archives it the way it archives anything else.
 */
export async function makeTree(root: string, opts: { longNames: boolean }): Promise<void> {
  await mkdir(join(root, 'a'), { recursive: true });
  await writeFile(join(root, 'a/empty'), '');
  await writeFile(join(root, 'a/one'), 'x');
  await writeFile(join(root, 'a/block512'), Buffer.alloc(512, 7));
  await writeFile(join(root, 'a/big'), Buffer.alloc(70_000, 'abc'));
  await link(join(root, 'a/one'), join(root, 'a/hardlink'));
  await symlink('one', join(root, 'a/sym'));
  execFileSync('mkfifo', [join(root, 'a/fifo')]);
  if (isRoot()) execFileSync('mknod', [join(root, 'a/null'), 'c', '1', '3']);
  await mkdir(join(root, 'utf8'), { recursive: true });
  await writeFile(join(root, UNICODE), 'unicode\n');
  await mkdir(join(root, SPLITTABLE, '..'), { recursive: true });
  await writeFile(join(root, SPLITTABLE), 'split\n');
  if (opts.longNames) {
    await mkdir(join(root, LONG_DIR), { recursive: true });
    await writeFile(join(root, LONG_DIR, 'inner.txt'), 'inner\n');
    await mkdir(join(root, VERY_LONG, '..'), { recursive: true });
    await writeFile(join(root, VERY_LONG), 'very long\n');
    await symlink(LONG_TARGET, join(root, 'a/longlink'));
  }
}

/** Sets a user xattr with Python (no setfattr here); false when the file system refuses. */
export function setUserXattr(file: string, name: string, value: string): boolean {
  try {
    execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())', file, name, value], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/** `tar --format=F -cf out -C root .` with fixed owners so listings are stable. */
export async function gnuTarCreate(out: string, root: string, format: string, extra: string[] = []): Promise<void> {
  const r = await runProcess('tar', [`--format=${format}`, '--sort=name', ...extra, '-cf', out, '-C', root, '.']);
  if (r.code !== 0) throw new Error(`tar --format=${format} failed: ${r.stderr}`);
}
