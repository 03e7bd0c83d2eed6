import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { benchDir, fmt, measureOrFailure, randomBytesFor, ratio, sh, sizeOf, table, textFor, type Measured, type Row } from './lib.js';

/** The image with one big layer, in the bench's private dockerd. */
const BIG_IMAGE = 'bench/big:1';
/** Issue #2: "peak RSS <= 150 MB with a 2 GB layer". BALER_BENCH_BIG_MB overrides it for a quick try. */
const BIG_MB = Number(process.env['BALER_BENCH_BIG_MB'] ?? 2048);
const RSS_LIMIT_MB = 150;

/**
 * Bounded memory with a 2 GB layer (issue #2): an image of one ~2 GB layer (deterministic content,
 * three quarters incompressible, one quarter text) made once with `docker import` and kept in the
 * bench's dockerd; then docker save / baler load / baler save / baler load --into oci / docker load,
 * with time and peak RSS. Opt-in, as it moves ~10 GB through the disk: runs only when named,
 * `npm run bench -- --only big-layer` (or `--only core,big-layer`).
 */
export const bigLayerSection: BenchSection = {
  name: 'big-layer',
  run(ctx: BenchContext): string {
    if (!ctx.opts.only?.includes('big-layer')) return '## one 2 GB layer\n\nskipped: opt-in, run `npm run bench -- --only big-layer`.';
    const { opts, baler, runDir } = ctx;
    const env = ctx.dockerd.env;
    ensureBigImage(env);
    const dir = join(runDir, 'big');
    mkdirSync(dir, { recursive: true });
    const dockerTar = join(dir, 'docker-save.tar');
    const balerTar = join(dir, 'baler-save.tar');
    const store = join(dir, 'store');
    const oci = join(dir, 'baler-oci');
    const rm = (...paths: string[]) => () => paths.forEach((p) => rmSync(p, { recursive: true, force: true }));
    const runs = Math.min(opts.runs, 2);
    const b = (...args: string[]): [string, string[]] => [baler.cmd, [...baler.prefix, ...args]];

    const dockerSave = measureOrFailure(runs, rm(dockerTar), 'docker', ['save', '-o', dockerTar, BIG_IMAGE], env);
    const input = existsSync(dockerTar) ? sizeOf(dockerTar) : BIG_MB * 1048576;
    const floor = measureOrFailure(runs, () => undefined, 'bash', ['-c', 'cat "$1" | openssl dgst -sha256 >/dev/null', 'floor', dockerTar]);
    const balerLoad = measureOrFailure(runs, rm(store), ...b('load', '-q', '-i', dockerTar, '--store', store));
    const balerSave = measureOrFailure(runs, rm(balerTar), ...b('save', '-q', '-o', balerTar, '--store', store, BIG_IMAGE));
    rmSync(dockerTar, { force: true }); // keep at most three 2 GB copies on disk at once
    const balerInto = measureOrFailure(runs, rm(oci), ...b('load', '-q', '-i', balerTar, '--into', `oci:${oci}`));
    rm(oci, store)();
    // docker load of baler's archive: the daemon unpacks the layer again (it replaces the image by itself)
    const dockerLoad = measureOrFailure(1, () => undefined, 'docker', ['load', '-q', '-i', balerTar], env);
    rm(dir)();

    const rows: Row[] = [
      { what: 'floor: cat docker-save.tar into openssl dgst -sha256', m: floor, bytes: input },
      { what: `docker save ${BIG_IMAGE}`, m: dockerSave, bytes: input },
      { what: 'baler load -i docker-save.tar (into its store)', m: balerLoad, bytes: input },
      { what: 'baler save (from its store)', m: balerSave, bytes: input },
      { what: 'baler load -i baler-save.tar --into oci:DIR', m: balerInto, bytes: input },
      { what: 'docker load -i baler-save.tar', m: dockerLoad, bytes: input },
    ];
    const peaks = [balerLoad, balerSave, balerInto].map((m) => (typeof m === 'string' ? undefined : m.peakRssMb));
    const worst = peaks.every((p) => p !== undefined) ? Math.max(...(peaks as number[])) : undefined;
    return [
      `## one ${fmt(BIG_MB / 1024, 1)} GB layer (bounded memory)`,
      '',
      `Input: ${BIG_IMAGE}, one layer of one ${BIG_MB} MB file (3/4 pseudo-random, 1/4 text); docker-save.tar = ${fmt(input / 1048576, 0)} MB.`,
      '',
      table(rows, typeof floor === 'string' ? undefined : (floor as Measured)),
      '',
      worst === undefined
        ? 'Peak RSS: not measured (a step failed or GNU time is missing).'
        : `Largest baler peak RSS: ${fmt(worst, 0)} MB (target <= ${RSS_LIMIT_MB} MB: ${worst <= RSS_LIMIT_MB ? 'met' : 'NOT met'}); ` +
          `docker save / baler save = ${ratio(dockerSave, balerSave)}; baler save / floor = ${ratio(balerSave, floor)}; docker load / baler load --into oci = ${ratio(dockerLoad, balerInto)}.`,
    ].join('\n');
  },
};

/** Builds BIG_IMAGE once (stamp file per size); the source tree and tar are removed afterwards. */
function ensureBigImage(env: NodeJS.ProcessEnv): void {
  const stamp = join(benchDir, `big-layer-${BIG_MB}mb.ok`);
  const present = spawnSync('docker', ['image', 'inspect', BIG_IMAGE], { env, stdio: 'ignore' }).status === 0;
  if (present && existsSync(stamp)) {
    console.log(`reusing ${BIG_IMAGE} (${BIG_MB} MB layer)`);
    return;
  }
  console.log(`building ${BIG_IMAGE}: one ${BIG_MB} MB layer …`);
  const src = join(benchDir, 'big-src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(join(src, 'data'), { recursive: true });
  writeBigFile(join(src, 'data', 'big.bin'), BIG_MB);
  const tar = join(benchDir, 'big-layer.tar');
  try {
    sh('tar', ['-C', src, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', tar, '.']);
    rmSync(src, { recursive: true, force: true });
    sh('docker', ['import', tar, BIG_IMAGE], env);
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(tar, { force: true });
  }
  writeFileSync(stamp, new Date().toISOString());
}

/** `mb` MB in 4 MB pieces, the same bytes on every run; every fourth piece is text. */
function writeBigFile(path: string, mbTotal: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i * 4 < mbTotal; i++) {
      const n = Math.min(4, mbTotal - i * 4) * 1048576;
      writeSync(fd, i % 4 === 3 ? textFor(`big:${i}`, n) : randomBytesFor(`big:${i}`, n));
    }
  } finally {
    closeSync(fd);
  }
}
