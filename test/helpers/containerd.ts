import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';
import { runChecked, runProcess, type ProcessResult, type RunOptions } from './run-process.js';
import { isAlive, stopByPid } from './stop-process.js';
import { isRoot, skipUnlessTools } from './tools.js';

export type CtrSnapshotter = 'overlayfs' | 'native';

export interface PrivateContainerd {
  /** A skip reason when containerd or ctr is not installed (or we are not root); false otherwise. */
  readonly skip: string | false;
  /** The daemon's unix socket (only valid inside tests). */
  readonly address: string;
  /** `containerd --version` as printed, e.g. `containerd github.com/containerd/containerd 1.6.20~ds1 …`. */
  readonly version: string;
  /** overlayfs when the kernel lets this daemon use it, else native (plain copies; works everywhere). */
  readonly snapshotter: CtrSnapshotter;
  /** Runs `ctr --address SOCK -n NAMESPACE ARGS`; never rejects for a non-zero exit. */
  ctr(namespace: string, args: readonly string[], opts?: RunOptions): Promise<ProcessResult>;
  /** Same, but throws with ctr's stderr on failure (for set-up steps). */
  ctrChecked(namespace: string, args: readonly string[], opts?: RunOptions): Promise<ProcessResult>;
}

/**
 * Plugins a content-only daemon does not need. cri wants CNI and a runtime config; btrfs, zfs, devmapper
 * and aufs only log start-up errors on an ordinary filesystem.
 */
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.aufs',
];

/** A version 2 config that keeps every path of the daemon inside `dir` (never /var/lib or /run/containerd). */
export function containerdConfig(dir: string): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'version = 2',
    `root = ${q(join(dir, 'root'))}`,
    `state = ${q(join(dir, 'state'))}`,
    `disabled_plugins = [${DISABLED_PLUGINS.map(q).join(', ')}]`,
    '[grpc]',
    `  address = ${q(join(dir, 'c.sock'))}`,
    '[ttrpc]',
    `  address = ${q(join(dir, 'c.sock.ttrpc'))}`,
    '[plugins]',
    '  [plugins."io.containerd.internal.v1.opt"]',
    `    path = ${q(join(dir, 'opt'))}`,
    '',
  ].join('\n');
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Waits until `ctr version` answers on the socket; fails early (with the log) when the daemon died. */
async function waitUntilServing(pid: number, address: string, log: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 300; i++) {
    if (!isAlive(pid)) throw new Error(`containerd exited during start-up:\n${logTail(log)}`);
    const r = await runProcess('ctr', ['--address', address, 'version'], { timeoutMs: 10_000 });
    if (r.code === 0 && r.stdout.includes('Server:')) return;
    last = r.stderr.trim();
    await sleep(100);
  }
  throw new Error(`containerd did not answer on ${address} within 30 s (${last}):\n${logTail(log)}`);
}

/**
 * overlayfs when the daemon's own start-up probe (a test mount) passed, else native. $CONTAINERD_SNAPSHOTTER
 * (ctr's own variable) set to one of the two forces it, e.g. where the probe passes but real mounts fail.
 */
async function usableSnapshotter(address: string): Promise<CtrSnapshotter> {
  const forced = process.env.CONTAINERD_SNAPSHOTTER;
  if (forced === 'overlayfs' || forced === 'native') return forced;
  const plugins = await runChecked('ctr', ['--address', address, 'plugins', 'ls'], { timeoutMs: 30_000 });
  const overlay = plugins.stdout.split('\n').find((l) => /^io\.containerd\.snapshotter\.v1\s+overlayfs\s/.test(l));
  return overlay && /\sok\s*$/.test(overlay) ? 'overlayfs' : 'native';
}

/**
 * Registers before()/after() hooks that start a private containerd (own root, state, socket and config in a
 * temp dir) and always stop it by pid afterwards, even when a test or the start-up itself failed.
 * Call at the top level of a test file: `const c = withContainerd(); test('…', { skip: c.skip }, …)`.
 */
export function withContainerd(): PrivateContainerd {
  const skip = skipUnlessTools('containerd', 'ctr') || (isRoot() ? false : 'a private containerd needs root');
  let dir = '';
  let address = '';
  let version = '';
  let snapshotter: CtrSnapshotter = 'native';
  let pid = 0;

  const argsFor = (namespace: string, args: readonly string[]): string[] => {
    if (!address) throw new Error('withContainerd: the daemon is not running (used outside a test, or start-up failed)');
    return ['--address', address, '-n', namespace, ...args];
  };

  before(async () => {
    if (skip) return;
    // A unix socket path must stay under 108 bytes, so a short dir directly in /tmp.
    dir = await mkdtemp('/tmp/baler-containerd-');
    const config = join(dir, 'config.toml');
    await writeFile(config, containerdConfig(dir));
    version = (await runChecked('containerd', ['--version'])).stdout.trim();
    const log = join(dir, 'containerd.log');
    const logFd = openSync(log, 'a');
    try {
      const child = spawn('containerd', ['--config', config, '--log-level', 'warn'], { stdio: ['ignore', logFd, logFd] });
      child.on('error', () => undefined); // a spawn failure shows up as the dead pid below
      pid = child.pid ?? 0;
      child.unref();
    } finally {
      closeSync(logFd);
    }
    if (!pid) throw new Error(`containerd did not start:\n${logTail(log)}`);
    const sock = join(dir, 'c.sock');
    await waitUntilServing(pid, sock, log);
    address = sock;
    snapshotter = await usableSnapshotter(sock);
  }, { timeout: 120_000 });

  after(async () => {
    address = '';
    if (pid) await stopByPid(pid, 15_000);
    if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }, { timeout: 60_000 });

  return {
    skip,
    get address() {
      return address;
    },
    get version() {
      return version;
    },
    get snapshotter() {
      return snapshotter;
    },
    ctr: (namespace, args, opts = {}) => runProcess('ctr', argsFor(namespace, args), { timeoutMs: 300_000, ...opts }),
    ctrChecked: (namespace, args, opts = {}) => runChecked('ctr', argsFor(namespace, args), { timeoutMs: 300_000, ...opts }),
  };
}
