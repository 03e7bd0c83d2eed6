import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * Runs `baler save …` (from src, writing the archive to a pipe) and sends SIGINT once the archive has
 * started, so a layer is being copied and hashed. Resolves with the exit status once the process has
 * ended by itself; a process kept alive (a worker left running) is killed after a minute, which then
 * shows as the signal's status, not 130.
 */
export async function interruptedSave(args: readonly string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), 'save', ...args], {
    cwd,
    env: { ...process.env, BALER_STORE: '', NODE_TEST_CONTEXT: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  // the archive has started; keep reading so writes never block
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.stdout.resume();
  child.kill('SIGINT');
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(guard);
  return { code, stderr };
}
