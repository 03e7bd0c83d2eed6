import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { IMAGES, fmt, mb, measure, measureOrFailure, sh, sizeOf, table, writeTree, type Row } from './lib.js';

/** The "new release": the base plus a changed app layer (other content than bench/app1:1's). */
const CHANGED = 'bench/app1:2';

function layersOf(image: string, env: NodeJS.ProcessEnv): string[] {
  return JSON.parse(sh('docker', ['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image], env)) as string[];
}

/**
 * Builds CHANGED in the bench dockerd once (untimed); reused while it exists and still sits on the
 * current base (the image set is rebuilt when --mb changes, which would leave a stale CHANGED on an old base).
 */
function ensureChangedImage(ctx: BenchContext): void {
  const env = ctx.dockerd.env;
  if (sh('docker', ['images', '-q', CHANGED], env).trim() !== '') {
    const base = layersOf(IMAGES[0], env);
    const changed = layersOf(CHANGED, env);
    if (base.every((l, i) => changed[i] === l) && changed.length === base.length + 1) return;
    sh('docker', ['rmi', '-f', CHANGED], env);
  }
  const src = join(ctx.runDir, 'delta-src');
  rmSync(src, { recursive: true, force: true });
  writeTree(join(src, 'payload'), 'app1-v2', Math.max(1, Math.round(ctx.opts.baseMb / 4)));
  writeFileSync(join(src, 'Dockerfile'), `FROM ${IMAGES[0]}\nCOPY payload /opt/app1/\nCMD ["/bin/busybox", "true"]\n`);
  sh('docker', ['build', '-q', '-t', CHANGED, src], env);
  rmSync(src, { recursive: true, force: true });
}

/**
 * Issue #3's delta number: the receiving side holds the base and the first release (a store loaded
 * from docker-save.tar); the sending side has a new release whose only new layer is the app's.
 * Full archive vs `save --have` delta: size and time, plus inventory, verify and load of the delta.
 */
export const deltaSection: BenchSection = {
  name: 'delta',
  run(ctx: BenchContext): string {
    const { opts, baler } = ctx;
    const env = ctx.dockerd.env;
    const dir = join(ctx.runDir, 'delta');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    ensureChangedImage(ctx);
    const release = join(dir, 'release.tar');
    sh('docker', ['save', '-o', release, CHANGED], env);
    const store = join(dir, 'store');
    const storeCopy = join(dir, 'store-copy');
    const have = join(dir, 'have.json');
    const full = join(dir, 'full.tar');
    const delta = join(dir, 'delta.tar');
    const run = (args: string[]): [string, string[]] => [baler.cmd, [...baler.prefix, ...args]];
    sh(...run(['load', '-q', '-i', ctx.dockerSaveTar(), '--store', store]));
    const rm = (p: string) => () => rmSync(p, { recursive: true, force: true });

    const inventory = measure(opts.runs, rm(have), ...run(['inventory', '--store', store, '-o', have]));
    const fullSave = measureOrFailure(opts.runs, rm(full), ...run(['save', '-q', '--from', `docker-archive:${release}`, '-o', full, CHANGED]));
    const deltaSave = measureOrFailure(opts.runs, rm(delta), ...run(['save', '-q', '--from', `docker-archive:${release}`, '--have', have, '-o', delta, CHANGED]));
    const verify = measureOrFailure(opts.runs, () => undefined, ...run(['verify', '-q', delta]));
    const load = measureOrFailure(
      opts.runs,
      () => {
        rmSync(storeCopy, { recursive: true, force: true });
        cpSync(store, storeCopy, { recursive: true });
      },
      ...run(['load', '-q', '-i', delta, '--store', storeCopy]),
    );
    const fullBytes = existsSync(full) ? sizeOf(full) : 0;
    const deltaBytes = existsSync(delta) ? sizeOf(delta) : 0;
    const rows: Row[] = [
      { what: 'baler inventory (store with base + 2 apps)', m: inventory, bytes: sizeOf(ctx.dockerSaveTar()) },
      { what: `baler save ${CHANGED} (full archive)`, m: fullSave, bytes: fullBytes },
      { what: `baler save --have have.json ${CHANGED} (delta)`, m: deltaSave, bytes: fullBytes },
      { what: 'baler verify delta.tar', m: verify, bytes: deltaBytes },
      { what: 'baler load -i delta.tar (store holding the base)', m: load, bytes: deltaBytes },
    ];
    return [
      '## delta archives (issue #3)',
      '',
      `${CHANGED} = ${IMAGES[0]} + one changed app layer; the receiving store holds ${IMAGES[0]}, ${IMAGES[1]} and ${IMAGES[2]}.`,
      `Full archive ${mb(full)}, delta ${mb(delta)} (${fullBytes ? fmt((100 * deltaBytes) / fullBytes, 1) : 'n/a'} % of the full archive).`,
      '',
      table(rows, ctx.floor),
      '',
      'MB/s is of the full archive for both saves, so the delta row shows how much faster the same job gets.',
    ].join('\n');
  },
};
