/**
 * `npm run bench` — not a test. Times baler against the tools it replaces, on the same data in one run, and
 * prints ratios and peak RSS. The image set (a ~200 MB base of deterministic pseudo-random and text files,
 * plus two ~50 MB children) is built once inside a private dockerd whose data lives in .bench/ and is reused.
 * Sections (scripts/bench/<name>.ts), in this order: see SECTIONS below.
 * Needs root, dockerd (Debian docker.io 20.10), skopeo and GNU time (/usr/bin/time) for peak RSS.
 * Options: --mb N (size of the base in MB, default 200; children are N/4 each), --runs N (best of N, default 2),
 *          --only a,b (run only these sections), --out FILE (also write the markdown report there).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { makeContext, type BenchOptions, type BenchSection } from './bench/context.js';
import { bigLayerSection } from './bench/big-layer.js';
import { coreSection } from './bench/core.js';
import { splitSection } from './bench/split.js';
import { exportImportSection } from './bench/export-import.js';
import { deltaSection } from './bench/delta.js';
import { dockerRootSection } from './bench/docker-root.js';
import { registrySection } from './bench/registry.js';
import { balerCommand, benchDir, dockerdUp, ensureImages, runDir } from './bench/lib.js';

const SECTIONS: readonly BenchSection[] = [coreSection, bigLayerSection, registrySection, dockerRootSection, deltaSection, exportImportSection, splitSection];

function parseOptions(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = { baseMb: 200, runs: 2, out: undefined, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--mb' && v) (opts.baseMb = Number(v)), i++;
    else if (a === '--runs' && v) (opts.runs = Number(v)), i++;
    else if (a === '--out' && v) (opts.out = resolve(v)), i++;
    else if (a === '--only' && v) (opts.only = v.split(',')), i++;
    else throw new Error(`bench: unknown argument ${a}; see the comment at the top of scripts/bench.ts`);
  }
  if (!(opts.baseMb >= 4) || !(opts.runs >= 1)) throw new Error('bench: --mb must be >= 4 and --runs >= 1');
  const unknown = opts.only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`bench: unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  return opts;
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  mkdirSync(benchDir, { recursive: true });
  const ctx = makeContext(opts, dockerdUp(), balerCommand());
  const parts: string[] = [];
  try {
    ensureImages(ctx.dockerd.env, opts.baseMb);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    parts.push(
      `# baler bench (${new Date().toISOString()})`,
      '',
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB; warm page cache; best of ${opts.runs}; ` +
        `dockerd storage driver ${ctx.dockerd.driver}. baler run as \`${ctx.baler.how}\`.`,
    );
    for (const section of SECTIONS) {
      if (opts.only && !opts.only.includes(section.name)) continue;
      console.log(`== ${section.name}`);
      let text: string;
      try {
        text = section.run(ctx);
      } catch (err) {
        text = `## ${section.name}\n\nfailed: ${(err as Error).message.split('\n')[0] ?? ''}`;
      }
      console.log(`\n${text}\n`);
      parts.push('', text);
    }
  } finally {
    ctx.dockerd.stop();
  }
  const report = `${parts.join('\n')}\n`;
  writeFileSync(join(benchDir, 'results.md'), report);
  if (opts.out) writeFileSync(opts.out, report);
  console.log(`report written to ${join(benchDir, 'results.md')}`);
}

main();
