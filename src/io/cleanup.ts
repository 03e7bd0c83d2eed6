/**
 * Process-wide registry of things to undo if baler is interrupted (temp files, temp dirs, locks).
 * Normal code paths remove their own; this only matters for SIGINT/SIGTERM.
 */
type Cleanup = () => void | Promise<void>;
const cleanups = new Set<Cleanup>();

export function onInterruptCleanup(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export async function runInterruptCleanups(): Promise<void> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of all) {
    try {
      await fn();
    } catch {
      // best effort: we are exiting anyway
    }
  }
}

/**
 * What a run could not undo, for the exit message of an interrupted run, which otherwise says that nothing
 * partial was left behind (a registry that kept an upload session whose cancel failed).
 */
const leftBehind = new Set<string>();

export function noteLeftBehind(what: string): void {
  leftBehind.add(what);
}

/** The notes so far, once: taking them clears them. */
export function takeLeftBehind(): string[] {
  const all = [...leftBehind];
  leftBehind.clear();
  return all;
}
