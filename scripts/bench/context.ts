import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGES, type Dockerd, type Measured, runDir, sh } from './lib.js';

/** Options every section sees (`npm run bench -- --runs 3 --only core,export`). */
export interface BenchOptions {
  baseMb: number;
  runs: number;
  out: string | undefined;
  /** Section names to run; all when undefined. */
  only: readonly string[] | undefined;
}

/** What the runner hands each section: the running dockerd with the image set, and how to run baler. */
export interface BenchContext {
  readonly opts: BenchOptions;
  /** The private dockerd. A section that stops it must start it again (dockerdUp()) and store the new one here. */
  dockerd: Dockerd;
  readonly baler: { cmd: string; prefix: string[]; how: string };
  /** The two child images (they share IMAGES[0]). */
  readonly names: readonly string[];
  /** Per-run scratch directory (removed at the start of every bench run). */
  readonly runDir: string;
  /** `docker save` of `names`, made once (untimed) on first call and shared by sections. */
  dockerSaveTar(): string;
  /** The core section's floor (read + sha256 of docker-save.tar), when it ran; others may print × floor. */
  floor?: Measured;
}

export function makeContext(opts: BenchOptions, dockerd: Dockerd, baler: BenchContext['baler']): BenchContext {
  const names = IMAGES.slice(1);
  const ctx: BenchContext = {
    opts,
    dockerd,
    baler,
    names,
    runDir,
    dockerSaveTar() {
      const tar = join(runDir, 'docker-save.tar');
      if (!existsSync(tar)) sh('docker', ['save', '-o', tar, ...names], ctx.dockerd.env);
      return tar;
    },
  };
  return ctx;
}

/** One part of the report: a markdown block with its own table and ratios. */
export interface BenchSection {
  readonly name: string;
  run(ctx: BenchContext): string;
}
