import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

/**
 * Where the daemon keeps images: 'graphdriver' (image/<driver>/ under the data root; Docker's default up to 28)
 * or 'containerd' (daemon.json `"features": {"containerd-snapshotter": true}`; the default of new installs
 * since Docker 29): images are then manifests and blobs in containerd's content store, layers are unpacked
 * by a containerd snapshotter, and `docker images` shows manifest digests as IDs.
 */
export type ImageStore = 'graphdriver' | 'containerd';

/** The containerd snapshotter that does a graph driver's work under the containerd image store. */
const CONTAINERD_SNAPSHOTTER: Record<StorageDriver, string> = { overlay2: 'overlayfs', vfs: 'native' };

export interface DockerdOptions {
  engine?: DockerEngine;
  /** 'containerd' needs `engine: 'docker26'` (Docker 20.10 has no containerd image store). */
  imageStore?: ImageStore;
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

/** Why withDockerd(…, { engine, imageStore }) would skip (a tool, root or dockerd 26 missing), or false. */
export function dockerdSkipReason(engine: DockerEngine = 'system', imageStore: ImageStore = 'graphdriver'): string | false {
  if (imageStore === 'containerd' && engine !== 'docker26') return 'the containerd image store needs a Docker >= 24 (engine docker26), not the system\'s 20.10';
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

function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The --exec-root dockerd-up.sh chose (a mktemp dir it does not remove), read from the daemon's command line. */
function execRootOf(pid: number): string | undefined {
  const argv = cmdlineOf(pid);
  const i = argv.indexOf('--exec-root');
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * Processes whose command line names one of our private dirs: the containerd a dockerd started for itself
 * (`--config EXEC_ROOT/containerd/containerd.toml`) and its shims (`-address EXEC_ROOT/…`), left behind
 * when dockerd died before it could stop them. Matched by command line at the moment of stopping, so a
 * reused pid is never taken for ours; the dirs are mktemp-unique, so nothing another test started matches.
 */
function processesUsing(dirs: readonly string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const argv = cmdlineOf(pid);
    if (argv.some((a) => dirs.some((d) => a === d || a.startsWith(`${d}/`)))) pids.push(pid);
  }
  return pids;
}

/** Mount points at or below one of `dirs` (this process's mount namespace), deepest first. */
function mountsUnder(dirs: readonly string[]): string[] {
  let table = '';
  try {
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  // field 5 is the mount point, with space, tab, newline and backslash written as \ooo octal escapes
  const points = table.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  return [...new Set(points.filter((p) => dirs.some((d) => p === d || p.startsWith(`${d}/`))))].sort((a, b) => b.length - a.length);
}

/**
 * Containers still running under a dockerd that died (SIGKILL): `runc delete --force` with the runtime
 * root dockerd gave runc inside its exec root, so only containers of this daemon are touched.
 */
async function deleteLeftoverContainers(execRoot: string): Promise<void> {
  const runcRoot = join(execRoot, 'runtime-runc', 'moby');
  if (!existsSync(runcRoot)) return;
  const list = await runProcess('runc', ['--root', runcRoot, 'list', '-q'], { timeoutMs: 30_000 }).catch(() => undefined);
  for (const id of (list?.stdout ?? '').split('\n').filter(Boolean)) {
    await runProcess('runc', ['--root', runcRoot, 'delete', '--force', id], { timeoutMs: 30_000 }).catch(() => undefined);
  }
}

/** `umount -l` of every mount below our dirs, so removing them can never reach into a mounted layer. */
async function unmountUnder(dirs: readonly string[]): Promise<void> {
  for (const point of mountsUnder(dirs)) await runProcess('umount', ['-l', point], { timeoutMs: 30_000 }).catch(() => undefined);
}

/**
 * Writes DIR/daemon.json with the containerd image store turned on and DIR/bin/dockerd, a wrapper that runs
 * SBIN/dockerd with it; returns DIR/bin for the front of PATH. The wrapper execs, so the pid dockerd
 * writes is the one dockerd-up.sh started.
 */
async function containerdStoreWrapper(dir: string, sbin: string): Promise<string> {
  const config = join(dir, 'daemon.json');
  await writeFile(config, `${JSON.stringify({ features: { 'containerd-snapshotter': true } })}\n`);
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  await writeFile(join(bin, 'dockerd'), `#!/bin/sh\nexec ${q(join(sbin, 'dockerd'))} --config-file ${q(config)} "$@"\n`);
  await chmod(join(bin, 'dockerd'), 0o755);
  return bin;
}

/**
 * Registers before()/after() hooks that start a private Docker Engine (shared/tools/dockerd-up.sh) in a
 * temp dir and always stop it by pid afterwards, even when a test or the start-up itself failed.
 * Call at the top level of a test file: `const d = withDockerd('vfs'); test('…', { skip: d.skip }, …)`.
 * `{ engine: 'docker26' }` starts dockerd 26 instead (dockerd-up.sh with its dir first on PATH; the
 * system's containerd, runc and docker CLI, which negotiates the API version down to 1.45).
 * `{ engine: 'docker26', imageStore: 'containerd' }` also turns on the containerd image store: a private
 * daemon.json holds the feature, and a `dockerd` wrapper first on PATH hands it over with --config-file
 * (dockerd-up.sh passes none). dockerd then starts its own containerd (the system's binary) under its
 * exec root; stop() also ends, by pid, any process still naming our dirs (that containerd, its shims) and
 * unmounts whatever is still mounted below them.
 */
export function withDockerd(driver: StorageDriver = 'vfs', opts: DockerdOptions = {}): PrivateDockerd {
  const engine = opts.engine ?? 'system';
  const imageStore = opts.imageStore ?? 'graphdriver';
  const skip = dockerdSkipReason(engine, imageStore);
  let dir = '';
  let host = '';
  /** dockerd's --exec-root, read while it runs: a SIGKILLed dockerd's command line is gone. */
  let execRoot: string | undefined;
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
    const prefix = engine === 'system' ? 'baler-dockerd' : imageStore === 'containerd' ? 'baler-d26c' : 'baler-d26';
    dir = await mkdtemp(`/tmp/${prefix}-${driver}-`);
    const script = dockerdUpScript() as string;
    const sbin = engine === 'docker26' ? dockerd26SbinDir() : undefined;
    const path = [sbin, process.env.PATH ?? ''];
    if (imageStore === 'containerd') path.unshift(await containerdStoreWrapper(dir, sbin as string));
    const upEnv = sbin ? { ...process.env, PATH: path.filter(Boolean).join(':') } : process.env;
    // The containerd store takes a containerd snapshotter as --storage-driver: "overlay2" would start, load
    // images, and then fail every `docker run` with "snapshotter not loaded: overlay2"
    const storage = imageStore === 'containerd' ? CONTAINERD_SNAPSHOTTER[driver] : driver;
    const up = await runProcess('bash', [script, dir, storage], { timeoutMs: 120_000, env: upEnv });
    if (up.code !== 0) throw new Error(`dockerd-up.sh ${dir} ${storage} failed (${up.code}): ${up.stderr.trim()}`);
    const m = /DOCKER_HOST=(\S+)/.exec(up.stdout);
    if (!m?.[1]) throw new Error(`dockerd-up.sh printed no DOCKER_HOST: ${up.stdout}`);
    host = m[1];
    const pid = daemonPid();
    if (pid) execRoot = execRootOf(pid);
    await mkdir(join(dir, 'client'), { recursive: true });
    env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'client'), DOCKER_BUILDKIT: '0' };
    if (engine === 'docker26') {
      // A dockerd that is not >= 25 here would make every Docker 26 assertion vacuous.
      const version = (await dockerChecked(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
      if (majorOf(version) < 25) throw new Error(`withDockerd docker26: ${sbin}/dockerd answered as version ${version}, not >= 25`);
    }
    // A daemon that ignored the feature would run every containerd-store assertion against the graphdriver.
    const status = (await dockerChecked(['info', '--format', '{{json .DriverStatus}}'])).stdout;
    const onContainerd = status.includes('io.containerd.snapshotter');
    if (onContainerd !== (imageStore === 'containerd')) throw new Error(`withDockerd: asked for the ${imageStore} image store, but docker info says ${status.trim()}`);
  }, { timeout: 180_000 });

  /** The pid dockerd wrote, or undefined (not started, or no pid file yet). */
  const daemonPid = (): number | undefined => {
    const pidFile = join(dir, 'dockerd.pid');
    if (!dir || !existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  };

  const stop = async (): Promise<void> => {
    const pid = daemonPid();
    if (!pid) return;
    const root = execRoot ?? execRootOf(pid);
    await stopByPid(pid, 30_000);
    // a dockerd that had to be SIGKILLed (or was killed) leaves its containers, their shims and its own
    // containerd running: end them by pid, then whatever they still had mounted
    const ours = [dir, ...(root?.startsWith('/tmp/') ? [root] : [])];
    if (root) await deleteLeftoverContainers(root);
    for (const leftover of processesUsing(ours)) await stopByPid(leftover, 15_000);
    await unmountUnder(ours);
    if (root?.startsWith('/tmp/')) await rm(root, { recursive: true, force: true }).catch(() => undefined);
  };

  after(async () => {
    if (!dir) return;
    host = '';
    await stop();
    await unmountUnder([dir]); // a daemon that never wrote its pid file may still have mounted something
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
