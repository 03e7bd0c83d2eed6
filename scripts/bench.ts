/**
 * `npm run bench` — not a test. Times baler against the tools it replaces on one ~300 MB image set and prints
 * ratios and peak RSS:
 *   docker save            vs  baler save (from the embedded store, after a baler load)
 *   skopeo copy → oci:DIR  vs  baler load --into oci:DIR
 *   cat | sha256sum of the same bytes  = the floor (read + hash once)
 *
 * The image set (a ~200 MB base of deterministic pseudo-random and text files, plus two ~50 MB children) is
 * built once inside a private dockerd whose data lives in .bench/ and is reused by later runs.
 * Needs root, dockerd (Debian docker.io 20.10), skopeo and GNU time (/usr/bin/time) for peak RSS.
 * The floor is reading the same bytes once and hashing them with the faster of sha256sum and openssl.
 * Options: --mb N (size of the base in MB, default 200; children are N/4 each), --runs N (best of N, default 2),
 *          --out FILE (also write the markdown table there).
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, '.bench');
const runDir = join(benchDir, 'run');

interface Options {
  baseMb: number;
  runs: number;
  out: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const opts: Options = { baseMb: 200, runs: 2, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--mb' && v) (opts.baseMb = Number(v)), i++;
    else if (a === '--runs' && v) (opts.runs = Number(v)), i++;
    else if (a === '--out' && v) (opts.out = resolve(v)), i++;
    else throw new Error(`bench: unknown argument ${a}; see the comment at the top of scripts/bench.ts`);
  }
  if (!(opts.baseMb >= 4) || !(opts.runs >= 1)) throw new Error('bench: --mb must be >= 4 and --runs >= 1');
  return opts;
}

// --- running and measuring ------------------------------------------------------------------------

interface Measured {
  seconds: number;
  peakRssMb: number | undefined;
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function sh(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, [...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}`);
  return r.stdout;
}

/** Runs a command once, returning wall time and the peak RSS GNU time saw (largest process of the tree it waited for). */
function measureOnce(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Measured {
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
function measureOrFailure(runs: number, prepare: () => void, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured | string {
  try {
    return measure(runs, prepare, cmd, args, env);
  } catch (err) {
    const lines = (err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
    const telling = lines.find((l) => /^baler: |Error/.test(l)) ?? lines.find((l) => !l.startsWith('Node.js v')) ?? 'failed';
    return telling.slice(0, 300);
  }
}

function measure(runs: number, prepare: () => void, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Measured {
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

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  const out = sh('du', ['-sb', path]);
  return Number(out.split('\t')[0]);
}

// --- deterministic content ------------------------------------------------------------------------

/** Pseudo-random bytes from AES-CTR over zeros: fast, incompressible and the same on every run. */
function randomBytesFor(seed: string, n: number): Buffer {
  const key = createHash('sha256').update(`key:${seed}`).digest().subarray(0, 16);
  const iv = createHash('sha256').update(`iv:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(n));
}

const WORDS = 'layer image archive manifest digest config tarball registry container store blob index whiteout opaque hardlink symlink compress verify stream atomic rename fsync platform history'.split(' ');

/** Text that compresses like source code or logs do (about 4:1 with gzip). */
function textFor(seed: string, n: number): Buffer {
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
function writeTree(dir: string, seed: string, mb: number): void {
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

const IMAGES = ['bench/base:1', 'bench/app1:1', 'bench/app2:1'] as const;

function dockerdUp(): { env: NodeJS.ProcessEnv; stop: () => void } {
  const script = [join(root, '..', 'shared', 'tools', 'dockerd-up.sh'), '/work/shared/tools/dockerd-up.sh'].find((p) => existsSync(p));
  if (!script) throw new Error('bench: shared/tools/dockerd-up.sh not found');
  const dir = join(benchDir, 'dockerd');
  let out = '';
  for (const driver of ['overlay2', 'vfs']) {
    const r = spawnSync('bash', [script, dir, driver], { encoding: 'utf8' });
    if (r.status === 0) {
      out = r.stdout;
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
  return { env: { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(benchDir, 'docker-client') }, stop };
}

function ensureImages(env: NodeJS.ProcessEnv, baseMb: number): void {
  const stamp = join(benchDir, `images-${baseMb}mb.ok`);
  const present = spawnSync('docker', ['image', 'inspect', ...IMAGES], { env, stdio: 'ignore' }).status === 0;
  if (present && existsSync(stamp)) {
    console.log(`reusing the image set in .bench/dockerd (${baseMb} MB base)`);
    return;
  }
  console.log(`building the image set (${baseMb} MB base + 2 × ${Math.round(baseMb / 4)} MB) …`);
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
function balerCommand(): { cmd: string; prefix: string[]; how: string } {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  const built = join(root, 'dist', 'cli', 'main.js');
  if (existsSync(built)) return { cmd: process.execPath, prefix: [built], how: 'node dist/cli/main.js' };
  return { cmd: process.execPath, prefix: ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')], how: 'node --import tsx src/cli/main.ts' };
}

// --- report ---------------------------------------------------------------------------------------

interface Row {
  what: string;
  /** A failure message when the step did not complete. */
  m: Measured | string;
  bytes: number;
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

function ratio(a: Measured | string, b: Measured | string): string {
  return typeof a === 'string' || typeof b === 'string' ? 'n/a' : fmt(a.seconds / b.seconds);
}

function mb(path: string): string {
  return existsSync(path) ? `${fmt(sizeOf(path) / 1048576, 1)} MB` : 'missing';
}

function table(rows: readonly Row[], floor: Measured): string {
  const lines = ['| operation | seconds | MB/s (of input) | × floor | peak RSS MB |', '|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    if (typeof r.m === 'string') {
      lines.push(`| ${r.what} | failed: ${r.m.replace(/\|/g, '/')} | | | |`);
      continue;
    }
    const m = r.m;
    lines.push(`| ${r.what} | ${fmt(m.seconds)} | ${fmt(r.bytes / 1048576 / m.seconds, 0)} | ${fmt(m.seconds / floor.seconds)} | ${m.peakRssMb === undefined ? 'n/a' : fmt(m.peakRssMb, 0)} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  mkdirSync(benchDir, { recursive: true });
  const { env, stop } = dockerdUp();
  try {
    ensureImages(env, opts.baseMb);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    const baler = balerCommand();
    const names = IMAGES.slice(1);
    const dockerTar = join(runDir, 'docker-save.tar');
    const balerTar = join(runDir, 'baler-save.tar');
    const store = join(runDir, 'store');
    const balerOci = join(runDir, 'baler-oci');
    const skopeoOci = join(runDir, 'skopeo-oci');
    const skopeoOciGz = join(runDir, 'skopeo-oci-gzip');
    const rm = (...paths: string[]) => () => paths.forEach((p) => rmSync(p, { recursive: true, force: true }));

    const dockerSave = measure(opts.runs, rm(dockerTar), 'docker', ['save', '-o', dockerTar, ...names], env);
    const input = sizeOf(dockerTar);
    // coreutils sha256sum can be several times slower than OpenSSL (no SHA extensions), so the floor is the faster one.
    const floorCoreutils = measure(opts.runs, () => undefined, 'bash', ['-c', 'cat "$1" | sha256sum >/dev/null', 'floor', dockerTar]);
    const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
    const floorOpenssl = hasOpenssl ? measure(opts.runs, () => undefined, 'bash', ['-c', 'cat "$1" | openssl dgst -sha256 >/dev/null', 'floor', dockerTar]) : undefined;
    const floor = floorOpenssl && floorOpenssl.seconds < floorCoreutils.seconds ? floorOpenssl : floorCoreutils;
    const balerLoad = measureOrFailure(opts.runs, rm(store), baler.cmd, [...baler.prefix, 'load', '-q', '-i', dockerTar, '--store', store]);
    const balerSave = measureOrFailure(opts.runs, rm(balerTar), baler.cmd, [...baler.prefix, 'save', '-q', '-o', balerTar, '--store', store, ...names]);
    const balerInto = measureOrFailure(opts.runs, rm(balerOci), baler.cmd, [...baler.prefix, 'load', '-q', '-i', dockerTar, '--into', `oci:${balerOci}`]);
    // skopeo copies one image per call; both calls together are the comparable job.
    const skopeoArgs = (dest: string, extra: string[]): string =>
      names.map((n) => `skopeo copy -q ${extra.join(' ')} docker-archive:${dockerTar}:${n} oci:${dest}:${n.replace(/[/:]/g, '-')}`).join(' && ');
    const skopeoPlain = measureOrFailure(opts.runs, rm(skopeoOci), 'bash', ['-c', skopeoArgs(skopeoOci, ['--dest-oci-accept-uncompressed-layers'])]);
    const skopeoGzip = measureOrFailure(opts.runs, rm(skopeoOciGz), 'bash', ['-c', skopeoArgs(skopeoOciGz, [])]);

    const rows: Row[] = [
      { what: 'floor: cat docker-save.tar into sha256sum', m: floorCoreutils, bytes: input },
      ...(floorOpenssl ? [{ what: 'floor: cat docker-save.tar into openssl dgst -sha256', m: floorOpenssl, bytes: input }] : []),
      { what: `docker save ${names.join(' ')}`, m: dockerSave, bytes: input },
      { what: 'baler save (from its store)', m: balerSave, bytes: input },
      { what: 'baler load -i docker-save.tar (into its store)', m: balerLoad, bytes: input },
      { what: 'baler load -i docker-save.tar --into oci:DIR', m: balerInto, bytes: input },
      { what: 'skopeo copy docker-archive: oci: uncompressed (2 calls)', m: skopeoPlain, bytes: input },
      { what: 'skopeo copy docker-archive: oci: (gzip, 2 calls)', m: skopeoGzip, bytes: input },
    ];
    const report = [
      `# baler bench (${new Date().toISOString()})`,
      '',
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB; warm page cache; best of ${opts.runs}.`,
      `Input: ${names.join(' + ')} sharing ${IMAGES[0]}; docker-save.tar = ${fmt(input / 1048576, 1)} MB. baler run as \`${baler.how}\`.`,
      `Outputs: baler-save.tar ${mb(balerTar)}, baler oci:DIR ${mb(balerOci)}, skopeo oci:DIR ${mb(skopeoOci)} (gzip: ${mb(skopeoOciGz)}).`,
      '',
      table(rows, floor),
      '',
      `Ratios: baler save / docker save = ${ratio(balerSave, dockerSave)}; baler load --into oci / skopeo (uncompressed) = ${ratio(balerInto, skopeoPlain)}; baler save / floor = ${ratio(balerSave, floor)}.`,
      'The floor (× floor = 1.00) is the faster of the two hash pipes. Peak RSS is the largest process GNU time waited for (for docker save that is the CLI; the daemon does the work).',
      '',
    ].join('\n');
    console.log(`\n${report}`);
    writeFileSync(join(benchDir, 'results.md'), report);
    if (opts.out) writeFileSync(opts.out, report);
  } finally {
    stop();
  }
}

main();
