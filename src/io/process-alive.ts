/** Whether a process with this pid exists (EPERM: it does, as another user). Locks and temp files carry pids. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
