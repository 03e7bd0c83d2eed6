import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** --store DIR, else $BALER_STORE, else $XDG_DATA_HOME/baler/store, else ~/.local/share/baler/store. */
export function resolveStorePath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  if (flag) return resolve(cwd, flag);
  if (env.BALER_STORE) return resolve(cwd, env.BALER_STORE);
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(data, 'baler', 'store');
}
