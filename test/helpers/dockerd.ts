import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { dockerdUpScript } from './paths.js';
import { stopByPid } from './stop-process.js';
import { runChecked, runProcess, type ProcessResult, type RunOptions } from './run-process.js';
import { isRoot, skipUnlessTools } from './tools.js';

export type StorageDriver = 'vfs' | 'overlay2';

export interface PrivateDockerd {
  /** A skip reason when docker or dockerd is not installed (or we are not root); false otherwise. */
  readonly skip: string | false;
  /** `unix:///…/docker.sock`; only valid inside tests (set in before()). */
  readonly host: string;
  /** Runs the docker CLI against this daemon; never rejects for a non-zero exit. */
  docker(args: readonly string[], opts?: RunOptions): Promise<ProcessResult>;
  /** Same, but throws with docker's stderr on failure (for set-up steps). */
  dockerChecked(args: readonly string[], opts?: RunOptions): Promise<ProcessResult>;
  /** Removes every image and container, so the next `docker load` cannot be satisfied by leftovers. */
  reset(): Promise<void>;
  /** The daemon's --data-root (only valid inside tests). */
  readonly dataRoot: string;
  /** Stops the daemon by pid now, e.g. to read its data root offline; `host` keeps naming the dead socket. */
  stop(): Promise<void>;
}

function skipReason(): string | false {
  const tools = skipUnlessTools('docker', 'dockerd');
  if (tools) return tools;
  if (!isRoot()) return 'a private dockerd needs root';
  if (!dockerdUpScript()) return 'shared/tools/dockerd-up.sh not found beside the repository';
  return false;
}

/** The --exec-root dockerd-up.sh chose (a mktemp dir it does not remove), read from the daemon's command line. */
function execRootOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = argv.indexOf('--exec-root');
    return i >= 0 ? argv[i + 1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Registers before()/after() hooks that start a private Docker Engine (shared/tools/dockerd-up.sh) in a
 * temp dir and always stop it by pid afterwards, even when a test or the start-up itself failed.
 * Call at the top level of a test file: `const d = withDockerd('vfs'); test('…', { skip: d.skip }, …)`.
 */
export function withDockerd(driver: StorageDriver = 'vfs'): PrivateDockerd {
  const skip = skipReason();
  let dir = '';
  let host = '';
  let env: NodeJS.ProcessEnv = process.env;

  const docker = (args: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> => {
    if (!host) throw new Error('withDockerd: the daemon is not running (used outside a test, or start-up failed)');
    return runProcess('docker', args, { timeoutMs: 300_000, ...opts, env: { ...env, ...(opts.env ?? {}) } });
  };
  const dockerChecked = (args: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> => {
    if (!host) throw new Error('withDockerd: the daemon is not running');
    return runChecked('docker', args, { timeoutMs: 300_000, ...opts, env: { ...env, ...(opts.env ?? {}) } });
  };

  before(async () => {
    if (skip) return;
    // The socket path must stay short (108 bytes), so not under a deep tmpdir.
    dir = await mkdtemp(`/tmp/baler-dockerd-${driver}-`);
    const script = dockerdUpScript() as string;
    const up = await runProcess('bash', [script, dir, driver], { timeoutMs: 120_000 });
    if (up.code !== 0) throw new Error(`dockerd-up.sh ${dir} ${driver} failed (${up.code}): ${up.stderr.trim()}`);
    const m = /DOCKER_HOST=(\S+)/.exec(up.stdout);
    if (!m?.[1]) throw new Error(`dockerd-up.sh printed no DOCKER_HOST: ${up.stdout}`);
    host = m[1];
    await mkdir(join(dir, 'client'), { recursive: true });
    env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'client'), DOCKER_BUILDKIT: '0' };
  }, { timeout: 180_000 });

  const stop = async (): Promise<void> => {
    const pidFile = join(dir, 'dockerd.pid');
    if (!dir || !existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) {
      const execRoot = execRootOf(pid);
      await stopByPid(pid, 30_000);
      if (execRoot?.startsWith('/tmp/')) await rm(execRoot, { recursive: true, force: true }).catch(() => undefined);
    }
  };

  after(async () => {
    if (!dir) return;
    host = '';
    await stop();
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }, { timeout: 120_000 });

  return {
    skip,
    get host() {
      return host;
    },
    docker,
    dockerChecked,
    get dataRoot() {
      return dir ? join(dir, 'data') : '';
    },
    stop,
    async reset() {
      const containers = (await dockerChecked(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (containers.length) await dockerChecked(['rm', '-f', ...containers]);
      const images = (await dockerChecked(['images', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      if (images.length) await dockerChecked(['rmi', '-f', ...new Set(images)]);
    },
  };
}
