import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of an executable on PATH (plus the sbin dirs root tools live in), or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * A skip reason naming the tools that are not installed, or false when all are present.
 * Use as `test(name, { skip: skipUnlessTools('docker', 'dockerd') }, fn)`: a test skips ONLY when a tool is truly absent.
 */
export function skipUnlessTools(...names: string[]): string | false {
  const missing = names.filter((n) => findTool(n) === undefined);
  return missing.length ? `not installed: ${missing.join(', ')} (the CI installs them; see .ci/run)` : false;
}

/** Running as root (dockerd, podman's vfs store and the private daemons need it). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
