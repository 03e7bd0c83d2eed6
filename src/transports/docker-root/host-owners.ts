import { readFile } from 'node:fs/promises';

/** uid → user name and gid → group name, as the host's /etc/passwd and /etc/group say. */
export interface OwnerNames {
  users: Map<number, string>;
  groups: Map<number, string>;
}

/** `name:x:id:…` lines → id → name (the first name wins, as getpwuid answers). Pure. */
export function parseIdFile(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    const n = Number(id);
    if (name && !line.startsWith('#') && id !== undefined && /^\d+$/.test(id) && !out.has(n)) out.set(n, name);
  }
  return out;
}

let cached: Promise<OwnerNames> | undefined;

/**
 * Owner names Docker writes into tars it builds from a directory: Go's archive/tar looks each uid/gid up
 * on the daemon's host (os/user), so `docker export` says root/root. Read once; missing files mean no names.
 */
export function hostOwnerNames(): Promise<OwnerNames> {
  cached ??= (async () => {
    const read = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
    const [passwd, group] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
    return { users: parseIdFile(passwd), groups: parseIdFile(group) };
  })();
  return cached;
}
