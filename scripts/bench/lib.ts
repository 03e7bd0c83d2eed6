/**
 * Shared parts of `npm run bench`: measuring a command (best of N, peak RSS via GNU time), deterministic
 * content, the private dockerd with the ~300 MB image set, the baler command line, and the report table.
 * Each bench section (scripts/bench/<area>.ts) imports from here; scripts/bench.ts runs the sections.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchDir = join(root, '.bench');
export const runDir = join(benchDir, 'run');

// --- running and measuring ------------------------------------------------------------------------

export interface Measured {
  seconds: number;
  peakRssMb: number | undefined;
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export function sh(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, [...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}`);
  return r.stdout;
}

/** Runs a command once, returning wall time and the peak RSS GNU time saw (largest process of the tree it waited for). */
export function measureOnce(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Measured {
  const stats = join(benchDir, 'time.out');
  const started = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ['-f', '%M', '-o', stats, cmd, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
    : spawnSync(cmd, [...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').trim().slice(-2000)}`);
  const kb = gnuTime ? Number(readFileSync(stats, 'utf8').trim().split('\n').pop()) : NaN;
  return { seconds, peakRssMb: Number.isFinite(kb) ? kb / 1024 : undefined };
}

/** Best of `runs`; `prepare` runs before each attempt (untimed) to remove the previous output. */
export function measureOrFailure(runs: number, prepare: () => void, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured | string {
  try {
    return measure(runs, prepare, cmd, args, env);
  } catch (err) {
    const lines = (err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
    const telling = lines.find((l) => /^baler: |Error/.test(l)) ?? lines.find((l) => !l.startsWith('Node.js v')) ?? 'failed';
    return telling.slice(0, 300);
  }
}

export function measure(runs: number, prepare: () => void, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured {
  let seconds = Infinity;
  let peakRssMb: number | undefined;
  for (let i = 0; i < runs; i++) {
    prepare();
    const m = measureOnce(cmd, args, env);
    seconds = Math.min(seconds, m.seconds);
    if (m.peakRssMb !== undefined) peakRssMb = Math.max(peakRssMb ?? 0, m.peakRssMb);
  }
  return { seconds, peakRssMb };
}

export function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  const out = sh('du', ['-sb', path]);
  return Number(out.split('\t')[0]);
}

// --- deterministic content ------------------------------------------------------------------------

/** Pseudo-random bytes from AES-CTR over zeros: fast, incompressible and the same on every run. */
export function randomBytesFor(seed: string, n: number): Buffer {
  const key = createHash('sha256').update(`key:${seed}`).digest().subarray(0, 16);
  const iv = createHash('sha256').update(`iv:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(n));
}

export const WORDS = 'layer image archive manifest digest config tarball registry container store blob index whiteout opaque hardlink symlink compress verify stream atomic rename fsync platform history'.split(' ');

/** Text that compresses like source code or logs do (about 4:1 with gzip). */
export function textFor(seed: string, n: number): Buffer {
  const rnd = randomBytesFor(`text:${seed}`, Math.ceil(n / 4) + 64);
  const parts: string[] = [];
  let len = 0;
  let i = 0;
  while (len < n) {
    const word = WORDS[(rnd[i % rnd.length] ?? 0) % WORDS.length] as string;
    const sep = (rnd[(i + 1) % rnd.length] ?? 0) % 9 === 0 ? '\n' : ' ';
    parts.push(word, sep);
    len += word.length + 1;
    i++;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

/** Writes about `mb` MB into `dir`: half random, half text, in files of 4 KB .. 4 MB spread over subdirs. */
export function writeTree(dir: string, seed: string, mb: number): void {
  const target = mb * 1024 * 1024;
  const sizes = [4096, 16384, 65536, 262144, 1048576, 4194304];
  let written = 0;
  for (let n = 0; written < target; n++) {
    const size = Math.min(sizes[n % sizes.length] as number, target - written);
    const sub = join(dir, `d${(n % 37).toString().padStart(2, '0')}`, `s${n % 5}`);
    mkdirSync(sub, { recursive: true });
    const data = n % 2 === 0 ? randomBytesFor(`${seed}:${n}`, size) : textFor(`${seed}:${n}`, size);
    writeFileSync(join(sub, `f${n}.${n % 2 === 0 ? 'bin' : 'txt'}`), data);
    written += size;
  }
}

// --- the image set in a private dockerd -----------------------------------------------------------

export interface Dockerd {
  /** process.env plus DOCKER_HOST of the private daemon. */
  env: NodeJS.ProcessEnv;
  /** Stops the daemon (SIGTERM, waits); a later dockerdUp() starts it again on the same data. */
  stop: () => void;
  /** Its --data-root, for docker-root: benchmarks (read it only while the daemon is stopped). */
  dataRoot: string;
  driver: string;
}

export const IMAGES = ['bench/base:1', 'bench/app1:1', 'bench/app2:1'] as const;

/** The private dockerd of the bench (overlay2 when the kernel allows, else vfs); data in .bench/dockerd/data. */
export function dockerdUp(): Dockerd {
  const script = [join(root, '..', 'shared', 'tools', 'dockerd-up.sh'), '/work/shared/tools/dockerd-up.sh'].find((p) => existsSync(p));
  if (!script) throw new Error('bench: shared/tools/dockerd-up.sh not found');
  const dir = join(benchDir, 'dockerd');
  let out = '';
  let usedDriver = 'vfs';
  for (const driver of ['overlay2', 'vfs']) {
    const r = spawnSync('bash', [script, dir, driver], { encoding: 'utf8' });
    if (r.status === 0) {
      out = r.stdout;
      usedDriver = driver;
      break;
    }
  }
  const host = /DOCKER_HOST=(\S+)/.exec(out)?.[1];
  if (!host) throw new Error('bench: could not start a private dockerd');
  const pid = Number(readFileSync(join(dir, 'dockerd.pid'), 'utf8').trim());
  // dockerd-up.sh makes a fresh mktemp exec root per start and leaves it; remove it once the daemon is gone.
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const execRoot = argv[argv.indexOf('--exec-root') + 1];
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = (): void => {
    if (alive()) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && alive(); i++) spawnSync('sleep', ['0.1']);
    if (execRoot?.startsWith('/tmp/') && !alive()) rmSync(execRoot, { recursive: true, force: true });
  };
  return { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(benchDir, 'docker-client') }, stop, dataRoot: join(dir, 'data'), driver: usedDriver };
}

export function ensureImages(env: NodeJS.ProcessEnv, baseMb: number): void {
  const stamp = join(benchDir, `images-${baseMb}mb.ok`);
  const present = spawnSync('docker', ['image', 'inspect', ...IMAGES], { env, stdio: 'ignore' }).status === 0;
  if (present && existsSync(stamp)) {
    console.log(`reusing the image set in .bench/dockerd (${baseMb} MB base)`);
    return;
  }
  console.log(`building the image set (${baseMb} MB base + 2 × ${Math.round(baseMb / 4)} MB) …`);
  // the set has one size at a time: a stamp left by another size would otherwise reuse these images
  for (const name of readdirSync(benchDir)) if (/^images-\d+mb\.ok$/.test(name)) rmSync(join(benchDir, name), { force: true });
  spawnSync('docker', ['rmi', '-f', ...IMAGES], { env, stdio: 'ignore' });
  const src = join(benchDir, 'src');
  rmSync(src, { recursive: true, force: true });
  writeTree(join(src, 'base', 'usr', 'share', 'bench'), 'base', baseMb);
  if (existsSync('/bin/busybox')) {
    mkdirSync(join(src, 'base', 'bin'), { recursive: true });
    writeFileSync(join(src, 'base', 'bin', 'busybox'), readFileSync('/bin/busybox'), { mode: 0o755 });
  }
  const baseTar = join(benchDir, 'base.tar');
  sh('tar', ['-C', join(src, 'base'), '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', baseTar, '.']);
  sh('docker', ['import', baseTar, IMAGES[0]], env);
  for (const [i, name] of [[1, IMAGES[1]], [2, IMAGES[2]]] as const) {
    const ctx = join(src, `app${i}`);
    writeTree(join(ctx, 'payload'), `app${i}`, Math.max(1, Math.round(baseMb / 4)));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMAGES[0]}\nCOPY payload /opt/app${i}/\nCMD ["/bin/busybox", "true"]\n`);
    sh('docker', ['build', '-q', '-t', name, ctx], env);
  }
  rmSync(src, { recursive: true, force: true });
  rmSync(baseTar, { force: true });
  writeFileSync(stamp, new Date().toISOString());
}

// --- baler ----------------------------------------------------------------------------------------

/** The built CLI when `tsc` can emit it (no tsx start-up cost in the timings), else the sources through tsx. */
export function balerCommand(): { cmd: string; prefix: string[]; how: string } {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  // what `npm run build` makes and bin/baler runs: the esbuild bundle, unless bundling failed
  const bundled = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'bundle.ts')], { cwd: root, stdio: 'ignore' }).status === 0;
  const built = join(root, 'dist', 'cli', 'main.js');
  // bin/baler is what npm installs as `baler`: the launcher that defers NODE_EXTRA_CA_CERTS, then node bin/baler.js
  if (bundled && existsSync(built)) return { cmd: join(root, 'bin', 'baler'), prefix: [], how: 'bin/baler (the launcher, then node bin/baler.js: the esbuild bundle, dist/bundle)' };
  if (existsSync(built)) return { cmd: process.execPath, prefix: [built], how: 'node dist/cli/main.js' };
  return { cmd: process.execPath, prefix: ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')], how: 'node --import tsx src/cli/main.ts' };
}

// --- report ---------------------------------------------------------------------------------------

export interface Row {
  what: string;
  /** A failure message when the step did not complete. */
  m: Measured | string;
  bytes: number;
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export function ratio(a: Measured | string, b: Measured | string): string {
  return typeof a === 'string' || typeof b === 'string' ? 'n/a' : fmt(a.seconds / b.seconds);
}

export function mb(path: string): string {
  return existsSync(path) ? `${fmt(sizeOf(path) / 1048576, 1)} MB` : 'missing';
}

/** A markdown table; `× floor` is each row's time over `floor` (omit the column with floor undefined). */
export function table(rows: readonly Row[], floor: Measured | undefined): string {
  const lines = ['| operation | seconds | MB/s (of input) | × floor | peak RSS MB |', '|---|---:|---:|---:|---:|'];
  const times = (m: Measured): string => (floor ? fmt(m.seconds / floor.seconds) : '');
  for (const r of rows) {
    if (typeof r.m === 'string') {
      lines.push(`| ${r.what} | failed: ${r.m.replace(/\|/g, '/')} | | | |`);
      continue;
    }
    const m = r.m;
    lines.push(`| ${r.what} | ${fmt(m.seconds)} | ${fmt(r.bytes / 1048576 / m.seconds, 0)} | ${times(m)} | ${m.peakRssMb === undefined ? 'n/a' : fmt(m.peakRssMb, 0)} |`);
  }
  return lines.join('\n');
}

