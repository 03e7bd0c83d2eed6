import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { benchDir, fmt, mb, measureOrFailure, ratio, sh, sizeOf, table, type Measured, type Row } from './lib.js';

/**
 * Issue #6 (export and import), same data on both sides, one run each:
 * - export: `docker export CONTAINER | zstd -T0` vs `baler export IMAGE --compress zstd` (and gzip), for
 *   the image of the container; baler reads it from its store (after an untimed `baler load` of
 *   ctx.dockerSaveTar()) and from the docker-archive directly;
 * - import: `docker import` vs `baler import` of one rootfs tar.gz — a debootstrapped Debian bookworm
 *   (minbase), made once and cached in .bench/; when debootstrap fails, the export of the bench base
 *   image is used instead and the report says so.
 * Targets: export to zstd no slower than docker+zstd; import no slower than docker import; flat RSS.
 */

const CONTAINER = 'baler-bench-export';
const DEBIAN_TGZ = join(benchDir, 'debian-bookworm-minbase.tar.gz');
const IMPORTED = 'bench/imported:1';

/** The Debian rootfs tarball, made once with debootstrap; undefined (with the reason) when that fails. */
export function ensureDebianRootfs(): { path: string } | { failed: string } {
  if (existsSync(DEBIAN_TGZ)) return { path: DEBIAN_TGZ };
  const dir = join(benchDir, 'debootstrap');
  rmSync(dir, { recursive: true, force: true });
  console.log('debootstrap --variant=minbase bookworm (once; cached in .bench/) …');
  const r = spawnSync('debootstrap', ['--variant=minbase', 'bookworm', dir, 'http://deb.debian.org/debian'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    if (r.status !== 0) return { failed: `debootstrap exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().split('\n').pop() ?? ''}` };
    const tmp = `${DEBIAN_TGZ}.tmp`;
    sh('tar', ['-C', dir, '--numeric-owner', '--xattrs', '-czf', tmp, '.']);
    renameSync(tmp, DEBIAN_TGZ);
    return { path: DEBIAN_TGZ };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ratioLine(label: string, ours: Measured | string, theirs: Measured | string, target: string): string {
  const r = ratio(ours, theirs);
  const met = r === 'n/a' ? 'not measured' : Number(r) <= 1 ? 'met' : 'NOT met';
  return `- ${label}: ${r} (${target}: ${met})`;
}

function peak(ms: ReadonlyArray<Measured | string>): string {
  const peaks = ms.map((m) => (typeof m === 'string' ? undefined : m.peakRssMb)).filter((p): p is number => p !== undefined);
  return peaks.length ? `${fmt(Math.max(...peaks), 0)} MB` : 'n/a';
}

export const exportImportSection: BenchSection = {
  name: 'export-import',
  run(ctx: BenchContext): string {
    const { baler } = ctx;
    const env = ctx.dockerd.env;
    const image = ctx.names[0] as string;
    const dir = join(ctx.runDir, 'export-import');
    mkdirSync(dir, { recursive: true });
    const store = join(dir, 'store');
    const b = (...args: string[]): [string, string[]] => [baler.cmd, [...baler.prefix, ...args]];
    const rm = (...paths: string[]) => () => paths.forEach((p) => rmSync(p, { recursive: true, force: true }));

    // --- export -------------------------------------------------------------------------------------
    spawnSync('docker', ['rm', '-f', CONTAINER], { env, stdio: 'ignore' });
    sh('docker', ['create', '--name', CONTAINER, image, '/bin/busybox', 'true'], env);
    const saveTar = ctx.dockerSaveTar();
    sh(baler.cmd, [...baler.prefix, 'load', '-q', '-i', saveTar, '--store', store]);
    const out = (name: string): string => join(dir, name);
    const pipe = (cmd: string, target: string): [string, string[]] => ['bash', ['-c', `set -o pipefail; docker export "$1" | ${cmd} > "$2"`, 'bench', CONTAINER, target]];
    const dockerZstd = measureOrFailure(1, rm(out('docker.tar.zst')), ...pipe('zstd -T0 -q', out('docker.tar.zst')), env);
    const balerZstd = measureOrFailure(1, rm(out('baler.tar.zst')), ...b('export', '-q', '--store', store, '--compress', 'zstd', '-o', out('baler.tar.zst'), image));
    const balerZstdArchive = measureOrFailure(1, rm(out('baler-archive.tar.zst')), ...b('export', '-q', '--compress', 'zstd', '-o', out('baler-archive.tar.zst'), `docker-archive:${saveTar}:${image}`));
    const dockerGzip = measureOrFailure(1, rm(out('docker.tar.gz')), ...pipe('gzip', out('docker.tar.gz')), env);
    const balerGzip = measureOrFailure(1, rm(out('baler.tar.gz')), ...b('export', '-q', '--store', store, '--compress', 'gzip', '-o', out('baler.tar.gz'), image));
    const dockerPlain = measureOrFailure(1, rm(out('docker.tar')), 'bash', ['-c', 'docker export -o "$2" "$1"', 'bench', CONTAINER, out('docker.tar')], env);
    const balerPlain = measureOrFailure(1, rm(out('baler.tar')), ...b('export', '-q', '--store', store, '-o', out('baler.tar'), image));
    const rootfsBytes = existsSync(out('docker.tar')) ? sizeOf(out('docker.tar')) : 0;
    spawnSync('docker', ['rm', '-f', CONTAINER], { env, stdio: 'ignore' });
    const exportRows: Row[] = [
      { what: `docker export piped to zstd -T0 (${mb(out('docker.tar.zst'))})`, m: dockerZstd, bytes: rootfsBytes },
      { what: `baler export --compress zstd, from its store (${mb(out('baler.tar.zst'))})`, m: balerZstd, bytes: rootfsBytes },
      { what: `baler export --compress zstd docker-archive:… (${mb(out('baler-archive.tar.zst'))})`, m: balerZstdArchive, bytes: rootfsBytes },
      { what: `docker export piped to gzip (${mb(out('docker.tar.gz'))})`, m: dockerGzip, bytes: rootfsBytes },
      { what: `baler export --compress gzip, from its store (${mb(out('baler.tar.gz'))})`, m: balerGzip, bytes: rootfsBytes },
      { what: `docker export -o (plain tar, ${mb(out('docker.tar'))})`, m: dockerPlain, bytes: rootfsBytes },
      { what: `baler export -o (plain tar, ${mb(out('baler.tar'))})`, m: balerPlain, bytes: rootfsBytes },
    ];
    rm(out('docker.tar'), out('baler.tar'), out('docker.tar.gz'), out('baler.tar.gz'), out('docker.tar.zst'), out('baler.tar.zst'), out('baler-archive.tar.zst'))();

    // --- import -------------------------------------------------------------------------------------
    let rootfs: string;
    let rootfsNote: string;
    const debian = ensureDebianRootfs();
    if ('path' in debian) {
      rootfs = debian.path;
      rootfsNote = `Debian bookworm minbase made by debootstrap (${mb(rootfs)} gzip, cached in .bench/)`;
    } else {
      // fallback: the bench base image's file system, exported by docker and gzipped (untimed)
      rootfs = out('fallback-rootfs.tar.gz');
      spawnSync('docker', ['rm', '-f', CONTAINER], { env, stdio: 'ignore' });
      sh('docker', ['create', '--name', CONTAINER, ctx.names[0] as string, '/bin/busybox', 'true'], env);
      sh('bash', ['-c', 'set -o pipefail; docker export "$1" | gzip > "$2"', 'bench', CONTAINER, rootfs], env);
      spawnSync('docker', ['rm', '-f', CONTAINER], { env, stdio: 'ignore' });
      rootfsNote = `FALLBACK — debootstrap failed (${debian.failed}); using docker export of ${image}, gzipped (${mb(rootfs)})`;
    }
    const importStore = join(dir, 'import-store');
    const dockerImport = measureOrFailure(1, () => spawnSync('docker', ['rmi', '-f', IMPORTED], { env, stdio: 'ignore' }), 'docker', ['import', rootfs, IMPORTED], env);
    spawnSync('docker', ['rmi', '-f', IMPORTED], { env, stdio: 'ignore' });
    const balerImport = measureOrFailure(1, rm(importStore), ...b('import', '-q', '--store', importStore, rootfs, IMPORTED));
    const rootfsSize = sizeOf(rootfs);
    const importRows: Row[] = [
      { what: 'docker import ROOTFS.tar.gz', m: dockerImport, bytes: rootfsSize },
      { what: 'baler import ROOTFS.tar.gz (into its store)', m: balerImport, bytes: rootfsSize },
    ];
    rm(dir)();
    writeFileSync(join(benchDir, 'export-import.last'), new Date().toISOString());

    return [
      '## export and import (issue #6)',
      '',
      `Export: ${image} (${ctx.dockerd.driver}), flattened rootfs ${fmt(rootfsBytes / 1048576, 0)} MB as docker exports it; MB/s are of that size.`,
      '',
      table(exportRows, undefined),
      '',
      ratioLine('baler export zstd / docker export piped to zstd -T0', balerZstd, dockerZstd, 'target <= 1'),
      ratioLine('baler export gzip / docker export piped to gzip', balerGzip, dockerGzip, 'target <= 1'),
      `- baler export peak RSS: ${peak([balerZstd, balerZstdArchive, balerGzip, balerPlain])}`,
      '',
      `Import: ${rootfsNote}; MB/s are of the compressed input.`,
      '',
      table(importRows, undefined),
      '',
      ratioLine('baler import / docker import', balerImport, dockerImport, 'target <= 1'),
      `- baler import peak RSS: ${peak([balerImport])}`,
    ].join('\n');
  },
};
