import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { dockerdUp, fmt, measure, measureOrFailure, ratio, sh, sizeOf, table, type Measured, type Row } from './lib.js';

const CONTAINER = 'bench-changed';

/** A container of the first child image with every kind of change: added, changed and deleted files, a re-created dir. */
function createChangedContainer(ctx: BenchContext): void {
  const env = ctx.dockerd.env;
  spawnSync('docker', ['rm', '-f', CONTAINER], { env, stdio: 'ignore' });
  const script = [
    'mkdir -p /opt/new && i=0; while [ $i -lt 64 ]; do head -c 262144 /dev/urandom > /opt/new/f$i; i=$((i+1)); done',
    'rm -rf /opt/app1/d00',
    'for f in /opt/app1/d01/s1/*; do echo changed >> "$f"; done',
    'rm -rf /usr/share/bench/d02 && mkdir -p /usr/share/bench/d02 && echo recreated > /usr/share/bench/d02/x',
  ].join(' && ');
  sh('docker', ['run', '--name', CONTAINER, '--network', 'none', ctx.names[0] as string, '/bin/busybox', 'sh', '-c', script], env);
}

/** Image IDs (manifest.json Config) of a docker-archive, sorted, to check both tools wrote the same images. */
function imageIds(archive: string): string {
  const manifest = spawnSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' }).stdout;
  try {
    return (JSON.parse(manifest) as { Config: string }[]).map((m) => m.Config.replace(/^blobs\/sha256\//, '').replace(/\.json$/, '').slice(0, 12)).sort().join(',');
  } catch {
    return 'unreadable';
  }
}

/** Sorted entry names of a tar (trailing slashes dropped), to check both exports hold the same files. */
function entryNames(tar: string): string[] {
  return spawnSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout.split('\n').filter(Boolean).map((n) => n.replace(/\/$/, '')).sort();
}

/**
 * Issue #4's numbers: `docker save` (daemon up) vs `baler save --from docker-root:` (daemon stopped) of the
 * same images, and `docker export` vs `baler export --from docker-root:` of one container with changes.
 * The daemon is restarted afterwards, even when a step failed, and stored back into ctx.dockerd.
 */
export const dockerRootSection: BenchSection = {
  name: 'docker-root',
  run(ctx: BenchContext): string {
    const { opts, baler, names, runDir } = ctx;
    const env = ctx.dockerd.env;
    const dataRoot = ctx.dockerd.dataRoot;
    const dockerTar = join(runDir, 'dr-docker-save.tar');
    const balerTar = join(runDir, 'dr-baler-save.tar');
    const dockerExport = join(runDir, 'dr-docker-export.tar');
    const balerExport = join(runDir, 'dr-baler-export.tar');
    const rm = (p: string) => () => rmSync(p, { force: true });

    createChangedContainer(ctx);
    const dockerSave = measure(opts.runs, rm(dockerTar), 'docker', ['save', '-o', dockerTar, ...names], env);
    const dockerExp = measure(opts.runs, rm(dockerExport), 'docker', ['export', '-o', dockerExport, CONTAINER], env);
    let balerSave: Measured | string = 'not run';
    let balerExp: Measured | string = 'not run';
    let balerExpPortable: Measured | string = 'not run';
    let balerStdout: Measured | string = 'not run';
    const balerTarStdout = join(runDir, 'dr-baler-save-stdout.tar');
    ctx.dockerd.stop();
    try {
      balerSave = measureOrFailure(opts.runs, rm(balerTar), baler.cmd, [...baler.prefix, 'save', '-q', '--from', `docker-root:${dataRoot}`, '-o', balerTar, ...names]);
      // docker save -o does not fsync (its CLI copies to a temp file and renames); baler -o does, so the
      // like-for-like row writes baler's archive to stdout redirected to a file
      balerStdout = measureOrFailure(opts.runs, rm(balerTarStdout), 'bash', ['-c', `"$0" "$@" > ${JSON.stringify(balerTarStdout)}`, baler.cmd, ...baler.prefix, 'save', '-q', '--from', `docker-root:${dataRoot}`, ...names]);
      rm(balerTarStdout)();
      balerExp = measureOrFailure(opts.runs, rm(balerExport), baler.cmd, [...baler.prefix, 'export', '-q', '--from', `docker-root:${dataRoot}`, '-o', balerExport, CONTAINER]);
      // the WebAssembly CRC-64 on the worker thread instead of the ISA-L addon's (docker-root/crc64.ts)
      balerExpPortable = measureOrFailure(opts.runs, rm(balerExport), baler.cmd, [...baler.prefix, 'export', '-q', '--from', `docker-root:${dataRoot}`, '-o', balerExport, CONTAINER], { ...process.env, BALER_CRC64: 'portable' });
    } finally {
      ctx.dockerd = dockerdUp();
    }

    const saveBytes = sizeOf(dockerTar);
    const exportBytes = sizeOf(dockerExport);
    const sameIds = typeof balerSave === 'string' ? 'n/a' : imageIds(dockerTar) === imageIds(balerTar) ? 'yes' : `NO (${imageIds(dockerTar)} vs ${imageIds(balerTar)})`;
    const theirs = entryNames(dockerExport);
    const mine = typeof balerExp === 'string' ? [] : entryNames(balerExport);
    const sameFiles = typeof balerExp === 'string' ? 'n/a' : theirs.join('\n') === mine.join('\n') ? `yes (${theirs.length} entries)` : `NO (${theirs.length} vs ${mine.length} entries)`;
    const rows: Row[] = [
      { what: `docker save ${names.join(' ')} (daemon up)`, m: dockerSave, bytes: saveBytes },
      { what: 'baler save --from docker-root: -o FILE (daemon stopped; fsync before rename)', m: balerSave, bytes: saveBytes },
      { what: 'baler save --from docker-root: > FILE (stdout; no fsync, as docker save -o)', m: balerStdout, bytes: saveBytes },
      { what: `docker export ${CONTAINER} (daemon up)`, m: dockerExp, bytes: exportBytes },
      { what: 'baler export --from docker-root: (daemon stopped)', m: balerExp, bytes: exportBytes },
      { what: '  the same, BALER_CRC64=portable (WebAssembly CRC-64, not the ISA-L addon)', m: balerExpPortable, bytes: exportBytes },
    ];
    return [
      '## Docker data root offline (issue #4)',
      '',
      `Storage driver ${ctx.dockerd.driver}; docker save archive ${fmt(saveBytes / 1048576, 1)} MB; container ${CONTAINER} of ${names[0]} ` +
        `(16 MB added, a payload dir deleted, files appended to, a dir re-created) exports to ${fmt(exportBytes / 1048576, 1)} MB.`,
      '',
      table(rows, ctx.floor),
      '',
      `Ratios: docker save / baler save --from docker-root = ${ratio(dockerSave, balerSave)} (target >= 3 on overlay2), ` +
        `${ratio(dockerSave, balerStdout)} when neither fsyncs (baler to stdout); ` +
        `docker export / baler export --from docker-root = ${ratio(dockerExp, balerExp)}.`,
      `Same image IDs in both archives: ${sameIds}. Same entry names in both exports: ${sameFiles}.`,
      'baler reads the data root with the daemon stopped and regenerates every layer byte for byte from tar-split, checking it against its diff_id as it writes (a mismatch is re-read with per-file CRC-64 to name the changed file).',
    ].join('\n');
  },
};
