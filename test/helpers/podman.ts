import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { runChecked, runProcess, type ProcessResult, type RunOptions } from './run-process.js';
import { isRoot, skipUnlessTools } from './tools.js';

export interface PrivatePodman {
  readonly skip: string | false;
  podman(args: readonly string[], opts?: RunOptions): Promise<ProcessResult>;
  podmanChecked(args: readonly string[], opts?: RunOptions): Promise<ProcessResult>;
}

/**
 * podman with a private vfs store in a temp dir (no daemon to stop), removed in after().
 * Call at the top level of a test file.
 */
export function withPodman(): PrivatePodman {
  const skip = skipUnlessTools('podman') || (isRoot() ? false : 'podman with a private vfs store needs root here');
  let dir = '';
  const globalArgs = (): string[] => [
    '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp'),
    '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
  ];
  before(async () => {
    if (!skip) dir = await mkdtemp('/tmp/baler-podman-');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  });
  return {
    skip,
    podman: (args, opts = {}) => runProcess('podman', [...globalArgs(), ...args], { timeoutMs: 300_000, ...opts }),
    podmanChecked: (args, opts = {}) => runChecked('podman', [...globalArgs(), ...args], { timeoutMs: 300_000, ...opts }),
  };
}
