import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registryConfig } from '../../test/helpers/registry.js';
import type { BenchContext, BenchSection } from './context.js';
import { measureOrFailure, mb, ratio, sizeOf, table, type Row } from './lib.js';

interface BenchRegistry {
  readonly host: string;
  readonly data: string;
  stop(): void;
}

/** A docker-registry 2.8 on a random loopback port (retried if taken), its data in `dir/data`. */
function startRegistry(dir: string): BenchRegistry {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yml'), registryConfig(dir, port, false));
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    child.unref();
    const host = `127.0.0.1:${port}`;
    const up = spawnSync('bash', ['-c', `for i in $(seq 100); do curl -fs -o /dev/null http://${host}/v2/ && exit 0; sleep 0.1; done; exit 1`]);
    const stop = (): void => {
      child.kill('SIGTERM');
      spawnSync('bash', ['-c', `for i in $(seq 50); do kill -0 ${child.pid} 2>/dev/null || exit 0; sleep 0.1; done; kill -9 ${child.pid}`]);
    };
    if (up.status === 0 && child.exitCode === null) return { host, data: join(dir, 'data'), stop };
    stop();
  }
  throw new Error('bench registry: docker-registry did not start');
}

/**
 * Issue #3's registry numbers on the bench image set: push the docker-save.tar into a fresh local
 * docker-registry with baler (one call, parallel blobs, shared base mounted) vs skopeo (one call per image),
 * and pull the pushed images back into a docker-archive and an OCI layout with each tool. Every push run
 * starts from an empty registry data dir, so nothing is "already present".
 */
export const registrySection: BenchSection = {
  name: 'registry',
  run(ctx: BenchContext): string {
    const { opts, baler, names, runDir } = ctx;
    const tar = ctx.dockerSaveTar();
    const forBaler = startRegistry(join(runDir, 'registry-baler'));
    const forSkopeo = startRegistry(join(runDir, 'registry-skopeo'));
    try {
      const wipe = (...paths: string[]) => () => paths.forEach((p) => rmSync(p, { recursive: true, force: true }));
      const pushBaler = measureOrFailure(opts.runs, wipe(forBaler.data), baler.cmd, [...baler.prefix, 'load', '-q', '-i', tar, '--into', `registry://${forBaler.host}/mirror`]);
      const skopeoPush = names.map((n) => `skopeo copy -q --dest-tls-verify=false docker-archive:${tar}:${n} docker://${forSkopeo.host}/mirror/${n}`).join(' && ');
      const pushSkopeo = measureOrFailure(opts.runs, wipe(forSkopeo.data), 'bash', ['-c', skopeoPush]);

      // pulls read what skopeo pushed (gzip layers, as a registry usually holds them), one call per image each
      const out = (tool: string, kind: string, n: string): string => join(runDir, `pull-${tool}-${kind}-${n.replace(/[/:]/g, '-')}`);
      const outs = (tool: string, kind: string): string[] => names.map((n) => out(tool, kind, n));
      const balerPull = (format: string, extra = ''): string =>
        names.map((n) => `${baler.cmd} ${baler.prefix.join(' ')} save -q${extra} --format ${format} -o ${out('baler', format, n)} registry://${forSkopeo.host}/mirror/${n}`).join(' && ');
      const skopeoPull = (dest: string): string =>
        names.map((n) => `skopeo copy -q --src-tls-verify=false docker://${forSkopeo.host}/mirror/${n} ${dest}:${out('skopeo', dest, n)}${dest === 'oci' ? ':img' : ''}`).join(' && ');
      // The main rows are the default: a layer kept compressed is checked against its digest, as skopeo does.
      // --verify-diff-ids also inflates it to check its diff_id; baler remembers verified (gzip digest ->
      // diff_id) pairs in its cache (pipeline/verified-diff-ids.ts). Those rows start every run with an empty
      // cache (the second image may reuse the shared base layer's pair from the first), then show node's
      // zlib instead of the ISA-L addon, and a cache kept from an earlier pull of the same images
      const cache = join(runDir, 'baler-cache');
      const withCache = { ...process.env, BALER_CACHE_DIR: cache };
      const checked = ' --verify-diff-ids';
      const pullBalerTar = measureOrFailure(opts.runs, wipe(...outs('baler', 'docker'), cache), 'bash', ['-c', balerPull('docker')], withCache);
      const pullSkopeoTar = measureOrFailure(opts.runs, wipe(...outs('skopeo', 'docker-archive')), 'bash', ['-c', skopeoPull('docker-archive')]);
      const pullBalerOci = measureOrFailure(opts.runs, wipe(...outs('baler', 'oci-dir'), cache), 'bash', ['-c', balerPull('oci-dir')], withCache);
      const pullBalerOciChecked = measureOrFailure(opts.runs, wipe(...outs('baler', 'oci-dir'), cache), 'bash', ['-c', balerPull('oci-dir', checked)], withCache);
      // node's zlib instead of the ISA-L addon (codecs/isal-gunzip.ts), for what the addon is worth here
      const pullBalerOciZlib = measureOrFailure(opts.runs, wipe(...outs('baler', 'oci-dir'), cache), 'bash', ['-c', balerPull('oci-dir', checked)], { ...withCache, BALER_GUNZIP: 'zlib' });
      const pullBalerOciWarm = measureOrFailure(opts.runs, wipe(...outs('baler', 'oci-dir')), 'bash', ['-c', balerPull('oci-dir', checked)], withCache);
      const pullSkopeoOci = measureOrFailure(opts.runs, wipe(...outs('skopeo', 'oci')), 'bash', ['-c', skopeoPull('oci')]);

      const input = sizeOf(tar);
      const rows: Row[] = [
        { what: 'baler load --into registry://…/mirror (1 call)', m: pushBaler, bytes: input },
        { what: `skopeo copy docker-archive: docker:// (${names.length} calls, gzips layers)`, m: pushSkopeo, bytes: input },
        { what: `baler save registry://… -> docker-archive (${names.length} calls)`, m: pullBalerTar, bytes: input },
        { what: `skopeo copy docker:// docker-archive: (${names.length} calls)`, m: pullSkopeoTar, bytes: input },
        { what: `baler save --format oci-dir registry://… (${names.length} calls)`, m: pullBalerOci, bytes: input },
        { what: '  the same, --verify-diff-ids (cache empty at the start of each run)', m: pullBalerOciChecked, bytes: input },
        { what: "  the same, --verify-diff-ids, BALER_GUNZIP=zlib (node's zlib, not the ISA-L addon)", m: pullBalerOciZlib, bytes: input },
        { what: '  the same, --verify-diff-ids, cache warm from an earlier pull (no layer inflated)', m: pullBalerOciWarm, bytes: input },
        { what: `skopeo copy docker:// oci: (${names.length} calls)`, m: pullSkopeoOci, bytes: input },
      ];
      return [
        '## registry push and pull (issue #3)',
        '',
        `Local docker-registry 2.8 over loopback HTTP; input docker-save.tar ${mb(tar)}. Registry data after the push: baler ${mb(forBaler.data)} (layers kept uncompressed, as docker save wrote them), skopeo ${mb(forSkopeo.data)} (gzip).`,
        '',
        table(rows, ctx.floor),
        '',
        `Ratios (skopeo / baler): push ${ratio(pushSkopeo, pushBaler)}; pull to docker-archive ${ratio(pullSkopeoTar, pullBalerTar)}; pull to OCI layout ${ratio(pullSkopeoOci, pullBalerOci)}. ` +
          'The push times are not like for like: skopeo gzips every layer on the way (its registry default), baler keeps the layers it is given. ' +
          'By default neither tool inflates a layer it keeps compressed (both check its digest); with --verify-diff-ids baler also checks every gzip layer against its config diff_id, which without a verified pair in its cache means inflating it. ' +
          `The cost of that check: a pull to an OCI layout with --verify-diff-ids takes ${ratio(pullBalerOciChecked, pullBalerOci)}× the default's time (skopeo / baler --verify-diff-ids: ${ratio(pullSkopeoOci, pullBalerOciChecked)}).`,
      ].join('\n');
    } finally {
      forBaler.stop();
      forSkopeo.stop();
    }
  },
};
