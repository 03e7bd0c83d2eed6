import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { dockerdUpScript } from './paths.js';
import { stopByPid } from './stop-process.js';
import { runChecked, runProcess, type ProcessResult, type RunOptions } from './run-process.js';
import { isRoot, skipUnlessTools } from './tools.js';

export type StorageDriver = 'vfs' | 'overlay2';

/**
 * Which dockerd to start: 'system' is the one on PATH (Debian bookworm's docker.io 20.10 in CI);
 * 'docker26' is Debian trixie's dockerd 26.1 that scripts/ci/docker26.sh unpacks without installing it.
 */
export type DockerEngine = 'system' | 'docker26';

export interface DockerdOptions {
  engine?: DockerEngine;
}

/** Where .ci/run has scripts/ci/docker26.sh unpack dockerd 26; BALER_DOCKERD26_DIR overrides it. */
export const DOCKERD26_DEFAULT_DIR = '/opt/baler-ci/docker26';

/**
 * The directory holding dockerd 26, or undefined. BALER_DOCKERD26_DIR may name either the DEST given to
 * scripts/ci/docker26.sh (dockerd is in DEST/root/usr/sbin) or a directory holding dockerd itself.
 */
export function dockerd26SbinDir(): string | undefined {
  const dest = process.env.BALER_DOCKERD26_DIR || DOCKERD26_DEFAULT_DIR;
  return [join(dest, 'root', 'usr', 'sbin'), dest].find((d) => existsSync(join(d, 'dockerd')));
}

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

/** Why withDockerd(…, { engine }) would skip (a tool, root or dockerd 26 missing), or false. */
export function dockerdSkipReason(engine: DockerEngine = 'system'): string | false {
  const tools = engine === 'docker26' ? skipUnlessTools('docker', 'containerd', 'runc') : skipUnlessTools('docker', 'dockerd');
  if (tools) return tools;
  if (!isRoot()) return 'a private dockerd needs root';
  if (!dockerdUpScript()) return 'shared/tools/dockerd-up.sh not found beside the repository';
  if (engine === 'docker26' && !dockerd26SbinDir()) {
    const dest = process.env.BALER_DOCKERD26_DIR || DOCKERD26_DEFAULT_DIR;
    return `dockerd 26 is not in ${dest} (fetch it with: scripts/ci/docker26.sh ${dest}; or set BALER_DOCKERD26_DIR)`;
  }
  return false;
}

/** "26.1.5+dfsg1" -> 26 */
const majorOf = (version: string): number => Number(/^(\d+)\./.exec(version.trim())?.[1] ?? 0);

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
 * `{ engine: 'docker26' }` starts dockerd 26 instead (dockerd-up.sh with its dir first on PATH; the
 * system's containerd, runc and docker CLI, which negotiates the API version down to 1.45).
 */
export function withDockerd(driver: StorageDriver = 'vfs', opts: DockerdOptions = {}): PrivateDockerd {
  const engine = opts.engine ?? 'system';
  const skip = dockerdSkipReason(engine);
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
    dir = await mkdtemp(engine === 'docker26' ? `/tmp/baler-d26-${driver}-` : `/tmp/baler-dockerd-${driver}-`);
    const script = dockerdUpScript() as string;
    const sbin = engine === 'docker26' ? dockerd26SbinDir() : undefined;
    const upEnv = sbin ? { ...process.env, PATH: `${sbin}:${process.env.PATH ?? ''}` } : process.env;
    const up = await runProcess('bash', [script, dir, driver], { timeoutMs: 120_000, env: upEnv });
    if (up.code !== 0) throw new Error(`dockerd-up.sh ${dir} ${driver} failed (${up.code}): ${up.stderr.trim()}`);
    const m = /DOCKER_HOST=(\S+)/.exec(up.stdout);
    if (!m?.[1]) throw new Error(`dockerd-up.sh printed no DOCKER_HOST: ${up.stdout}`);
    host = m[1];
    await mkdir(join(dir, 'client'), { recursive: true });
    env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'client'), DOCKER_BUILDKIT: '0' };
    if (engine === 'docker26') {
      // A dockerd that is not >= 25 here would make every Docker 26 assertion vacuous.
      const version = (await dockerChecked(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
      if (majorOf(version) < 25) throw new Error(`withDockerd docker26: ${sbin}/dockerd answered as version ${version}, not >= 25`);
    }
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
