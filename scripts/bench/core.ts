import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { IMAGES, fmt, mb, measure, measureOrFailure, ratio, sizeOf, table, type Row } from './lib.js';

/**
 * Issue #2's numbers: docker save vs baler save (from its store), skopeo copy docker-archive: oci: vs
 * baler load --into oci:DIR, and the floor (read + sha256 the same bytes once).
 */
export const coreSection: BenchSection = {
  name: 'core',
  run(ctx: BenchContext): string {
    const { opts, baler, names, runDir } = ctx;
    const env = ctx.dockerd.env;
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
    ctx.floor = floor;
    const balerLoad = measureOrFailure(opts.runs, rm(store), baler.cmd, [...baler.prefix, 'load', '-q', '-i', dockerTar, '--store', store]);
    const balerSave = measureOrFailure(opts.runs, rm(balerTar), baler.cmd, [...baler.prefix, 'save', '-q', '-o', balerTar, '--store', store, ...names]);
    // docker save -o does not fsync (its CLI copies to a temp file and renames it); baler -o does. Two
    // more rows make that visible: baler writing to stdout (no fsync, like docker), and the durable-write
    // floor of this disk (the same bytes through dd with fdatasync, no hashing).
    const balerTarStdout = join(runDir, 'baler-save-stdout.tar');
    const balerStdout = measureOrFailure(opts.runs, rm(balerTarStdout), 'bash', ['-c', `"$0" "$@" > ${JSON.stringify(balerTarStdout)}`, baler.cmd, ...baler.prefix, 'save', '-q', '--store', store, ...names]);
    // node's own start-up is part of every baler row and of no floor row. NODE_EXTRA_CA_CERTS (set on the bench
    // machine) makes node read and parse a CA bundle before any script runs: when it is set, two more rows show
    // that cost, and the stdout save without it (as on a machine that does not set it)
    const nodeStart = measure(opts.runs, () => undefined, process.execPath, ['-e', '0']);
    const extraCa = process.env.NODE_EXTRA_CA_CERTS ? { ...process.env } : undefined;
    if (extraCa) delete extraCa.NODE_EXTRA_CA_CERTS;
    const nodeStartNoCa = extraCa ? measure(opts.runs, () => undefined, process.execPath, ['-e', '0'], extraCa) : undefined;
    const balerStdoutNoCa = extraCa ? measureOrFailure(opts.runs, rm(balerTarStdout), 'bash', ['-c', `"$0" "$@" > ${JSON.stringify(balerTarStdout)}`, baler.cmd, ...baler.prefix, 'save', '-q', '--store', store, ...names], extraCa) : undefined;
    const durable = join(runDir, 'durable-floor.tar');
    const durableFloor = measure(opts.runs, rm(durable), 'dd', [`if=${dockerTar}`, `of=${durable}`, 'bs=8M', 'conv=fdatasync', 'status=none']);
    rm(durable, balerTarStdout)();
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
      { what: 'floor for a durable write: dd conv=fdatasync of docker-save.tar (no hash)', m: durableFloor, bytes: input },
      { what: 'baler save -o FILE (from its store; fsync before rename)', m: balerSave, bytes: input },
      { what: 'baler save > FILE (stdout; no fsync, as docker save -o)', m: balerStdout, bytes: input },
      ...(balerStdoutNoCa ? [{ what: '  the same without NODE_EXTRA_CA_CERTS (set on this machine)', m: balerStdoutNoCa, bytes: input }] : []),
      { what: `node -e 0 (node's own start-up, in every baler row)`, m: nodeStart, bytes: input },
      ...(nodeStartNoCa ? [{ what: '  the same without NODE_EXTRA_CA_CERTS', m: nodeStartNoCa, bytes: input }] : []),
      { what: 'baler load -i docker-save.tar (into its store)', m: balerLoad, bytes: input },
      { what: 'baler load -i docker-save.tar --into oci:DIR', m: balerInto, bytes: input },
      { what: 'skopeo copy docker-archive: oci: uncompressed (2 calls)', m: skopeoPlain, bytes: input },
      { what: 'skopeo copy docker-archive: oci: (gzip, 2 calls)', m: skopeoGzip, bytes: input },
    ];
    return [
      '## save and load (issue #2)',
      '',
      `Input: ${names.join(' + ')} sharing ${IMAGES[0]}; docker-save.tar = ${fmt(input / 1048576, 1)} MB.`,
      `Outputs: baler-save.tar ${mb(balerTar)}, baler oci:DIR ${mb(balerOci)}, skopeo oci:DIR ${mb(skopeoOci)} (gzip: ${mb(skopeoOciGz)}).`,
      '',
      table(rows, floor),
      '',
      `Ratios: docker save / baler save = ${ratio(dockerSave, balerSave)}; skopeo (default, gzip) / baler load --into oci = ${ratio(skopeoGzip, balerInto)}; ` +
        `skopeo (uncompressed) / baler load --into oci = ${ratio(skopeoPlain, balerInto)}; baler save / floor = ${ratio(balerSave, floor)}; ` +
        `docker save / baler save > FILE (neither fsyncs) = ${ratio(dockerSave, balerStdout)}; baler save / durable-write floor = ${ratio(balerSave, durableFloor)}.`,
      'The floor (× floor = 1.00) is the faster of the two hash pipes. Peak RSS is the largest process GNU time waited for (for docker save that is the CLI; the daemon does the work).',
    ].join('\n');
  },
};
