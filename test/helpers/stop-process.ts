import { setTimeout as sleep } from 'node:timers/promises';

/** True while a process with this pid exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a daemon the tests started, by its pid: SIGTERM, up to `graceMs` for it to exit cleanly
 * (dockerd needs seconds to unmount), then SIGKILL and a short wait so the next test starts clean.
 */
export async function stopByPid(pid: number, graceMs = 5_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && isAlive(pid); waited += 100) await sleep(100);
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
}
