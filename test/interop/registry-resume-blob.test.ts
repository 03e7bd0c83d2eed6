/**
 * save --resume from a real registry (distribution 2.8) interrupted in the middle of a large layer: the
 * rerun re-hashes the part of the layer already in FILE.baler-partial and asks the registry only for
 * the rest (Range), through a proxy that counts what each blob GET carried. A registry ignoring Range
 * and a damaged kept part both fall back to fetching the whole layer, saying so in one line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { formatBytes } from '../../src/model/byte-size.js';
import { dockerArchiveParts, writeTar } from '../helpers/image-archives.js';
import { readTar } from '../helpers/tiny-tar.js';
import { countingProxy, type BlobGet, type CountingProxy } from '../helpers/counting-proxy.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { findTool } from '../helpers/tools.js';
import { actOnChild } from '../unit/transports/split/interrupt.js';

const reg = withRegistry();
const tmp = new TempDirs();
after(() => tmp.removeAll());

const LAYER_BYTES = 40 * 1024 * 1024;
/** The proxy holds a blob response back after this many body bytes (the save is then interrupted). */
const STALL_AFTER = 20 * 1024 * 1024;

interface Progress {
  /** Where the layer's tar entry starts in the partial. */
  start: number;
  /** Bytes of the layer the journal says are in the partial. */
  have: number;
  /** The layer's size. */
  size: number;
}

/** The last progress line of a save's journal (the layer it was writing when it stopped). */
async function journaled(journal: string): Promise<Progress> {
  const text = await readFile(journal, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l.includes('"have"'));
  const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1] as string) as Progress) : undefined;
  return { start: last?.start ?? 0, have: last?.have ?? 0, size: last?.size ?? 0 };
}

describe('save --resume from a registry, interrupted mid-layer', { skip: reg.skip }, () => {
  let dir: string;
  let proxy: CountingProxy;
  let clean: Buffer;
  const image = (host: string): string => `registry://${host}/rs/library/big:1`;

  before(async () => {
    dir = await tmp.make('baler-resume-blob-');
    const { entries } = dockerArchiveParts('big:1', [writeTar([{ name: 'big.bin', data: randomBytes(LAYER_BYTES) }]), writeTar([{ name: 'small.txt', data: 'small' }])]);
    await writeFile(join(dir, 'src.tar'), writeTar(entries));
    await balerOk(['load', '-i', 'src.tar', '--into', `registry://${reg.host}/rs`], { cwd: dir, env: { HOME: dir } });
    proxy = await countingProxy(reg.host);
    // through the proxy too: the archive names the image by the host it came from
    await balerOk(['save', '-o', 'clean.tar', image(proxy.host)], { cwd: dir, env: { HOME: dir } });
    clean = await readFile(join(dir, 'clean.tar'));
  });
  after(() => proxy?.close());

  /** Starts `save --resume -o OUT` through the proxy, holding the large layer back, and sends SIGINT once the journal names part of it. */
  async function interrupted(out: string): Promise<Progress> {
    proxy.mode.stallAfter = STALL_AFTER;
    proxy.mode.dropRange = false;
    proxy.mode.corruptRanges = false;
    delete proxy.mode.stalledAt;
    const journal = join(dir, `${out}.baler-partial.journal`);
    // interrupted once the journal names 12 MiB of the layer, or 5 s after the layer was held back without that
    const ready = async (): Promise<boolean> => (await journaled(journal)).have >= 12 * 1024 * 1024 || Date.now() - (proxy.mode.stalledAt ?? Infinity) > 5000;
    const r = await actOnChild(['save', '--resume', '-o', out, image(proxy.host)], dir, ready, async (child) => {
      child.kill('SIGINT');
    });
    delete proxy.mode.stallAfter;
    assert.ok(r.acted, `the save ended before the layer was held back\n${r.stderr}`);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.match(r.stderr, new RegExp(`^baler: kept ${out.replace('.', '\\.')}\\.baler-partial and its journal; run the same save with --resume to continue$`, 'm'));
    assert.ok(!existsSync(join(dir, out)));
    const p = await journaled(journal);
    assert.ok(p.have >= 12 * 1024 * 1024 && p.have <= STALL_AFTER && p.size >= LAYER_BYTES, `journaled ${JSON.stringify(p)}`);
    return p;
  }

  /** The one blob GET of this run that fetched the large layer. */
  function largeLayerGet(from: number): BlobGet {
    const gets = proxy.log.slice(from).filter((g) => g.bytes > 1024 * 1024 || (g.range !== undefined && g.status === 206));
    assert.equal(gets.length, 1, JSON.stringify(proxy.log.slice(from)));
    return gets[0] as BlobGet;
  }

  /** Each file of an archive with the sha256 of its content. */
  function contents(archive: Buffer): Record<string, string> {
    return Object.fromEntries(readTar(archive).map((e) => [e.name, createHash('sha256').update(e.data).digest('hex')]));
  }

  async function assertSameAsClean(out: string): Promise<void> {
    const got = await readFile(join(dir, out));
    assert.deepEqual(contents(got), contents(clean), `${out} holds other files than a save that was never interrupted`);
    assert.ok(got.equals(clean), `${out} is not byte-identical to a save that was never interrupted`);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith(`${out}.`)), [], 'no partial, journal, lock or kept prefix left');
  }

  it('the rerun re-hashes the kept part of the layer and fetches only the rest with a Range request', async () => {
    const { have, size } = await interrupted('out.tar');
    const from = proxy.log.length;
    const args = ['save', '--resume', '-o', 'out.tar', image(proxy.host)];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(r.code, 0, describeRun(args, r));
    assert.match(r.stderr, /^baler: re-verifying the \S+ an interrupted save left in out\.tar\.baler-partial: \d+ complete blobs? and the first \S+ of blob [0-9a-f]{12} \(\S+\) to re-hash and keep; of that blob only the rest is fetched where the source allows it \(Range\)$/m, describeRun(args, r));
    assert.match(r.stderr, /^baler: registry:\/\/.*: layer 0: resuming at \S+ of \S+: the first \S+ re-hashed from \S+out\.tar\.baler-partial, the rest fetched with a Range request$/m, describeRun(args, r));
    const get = largeLayerGet(from);
    assert.equal(get.range, `bytes=${have}-`);
    assert.equal(get.status, 206);
    assert.equal(get.bytes, size - have, `the rerun fetched ${get.bytes} bytes of the ${size}-byte layer; ${have} were kept`);
    await assertSameAsClean('out.tar');

    const kept = formatBytes(have);
    assert.match(r.stderr, new RegExp(`^Resumed: reused \\d+ blobs? \\(\\S+\\) already written and verified, and continued 1 \\(${kept.replace('.', '\\.')} kept, not fetched again\\)$`, 'm'), describeRun(args, r));

    // CI installs skopeo (.ci/run): a missing one is a broken setup, not a reason to pass without the check
    const skopeo = findTool('skopeo');
    assert.ok(skopeo, 'skopeo is not installed: this test reads the resumed archive with it (install it as .ci/run does)');
    const args2 = ['copy', 'docker-archive:out.tar', `oci:${join(dir, 'skopeo-oci')}:big`];
    const s = spawnSync(skopeo, args2, { cwd: dir, encoding: 'utf8' });
    assert.equal(s.status, 0, `skopeo ${args2.join(' ')}: ${s.stderr}`);
  });

  it('--json counts the continued layer in resumed: continuedBlobs and the keptBytes not fetched again', async () => {
    const { have, size } = await interrupted('json.tar');
    const from = proxy.log.length;
    const args = ['save', '--resume', '--json', '-o', 'json.tar', image(proxy.host)];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(r.code, 0, describeRun(args, r));
    // the one complete blob the journal names before layer 0 is the config, which is put again, not reused
    assert.deepEqual((JSON.parse(r.stdout) as { resumed?: unknown }).resumed, { blobs: 0, bytes: 0, continuedBlobs: 1, keptBytes: have }, r.stdout);
    assert.equal(largeLayerGet(from).bytes, size - have);
    await assertSameAsClean('json.tar');
  });

  it('a damaged kept part is not trusted: the layer is fetched whole, and the line says why', async () => {
    const { start, have } = await interrupted('bad.tar');
    const partial = join(dir, 'bad.tar.baler-partial');
    const bytes = await readFile(partial);
    // a byte in the middle of the kept part of the layer (its data starts after a 512-byte header)
    const at = start + 512 + Math.floor(have / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(partial, bytes);
    const from = proxy.log.length;
    const args = ['save', '--resume', '-o', 'bad.tar', image(proxy.host)];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(r.code, 0, describeRun(args, r));
    assert.match(r.stderr, /^baler: warning: registry:\/\/.*: layer 0: the \d+ bytes an interrupted run wrote of sha256:[0-9a-f]{64} do not hash to what the journal recorded; fetching all \S+ again$/m, describeRun(args, r));
    const get = largeLayerGet(from);
    assert.equal(get.range, undefined);
    assert.ok(get.bytes >= LAYER_BYTES, `fetched ${get.bytes} bytes`);
    await assertSameAsClean('bad.tar');
  });

  it('a registry that ignores Range (200): the whole layer is fetched once, and the line says so', async () => {
    await interrupted('norange.tar');
    proxy.mode.dropRange = true;
    const from = proxy.log.length;
    const args = ['save', '--resume', '-o', 'norange.tar', image(proxy.host)];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    proxy.mode.dropRange = false;
    assert.equal(r.code, 0, describeRun(args, r));
    assert.match(r.stderr, /^baler: warning: registry:\/\/.*: layer 0: the source ignored the Range request \(it sent the whole blob\), so all \S+ are fetched again instead of resuming at \S+ of \S+$/m, describeRun(args, r));
    const get = largeLayerGet(from);
    assert.equal(get.status, 200);
    assert.ok(get.bytes >= LAYER_BYTES, `fetched ${get.bytes} bytes`);
    await assertSameAsClean('norange.tar');
  });

  it('a continued layer that fails its digest fails the save, and the next rerun does not start from the kept part again', async () => {
    await interrupted('corrupt.tar');
    proxy.mode.corruptRanges = true;
    const args = ['save', '--resume', '-o', 'corrupt.tar', image(proxy.host)];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    proxy.mode.corruptRanges = false;
    assert.equal(r.code, ExitCode.integrity, describeRun(args, r));
    assert.match(r.stderr, /digest mismatch, expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64} \(its first [\d.]+[kMG]?B were kept from an interrupted save; they are dropped, so the next run fetches the whole blob\)$/m, describeRun(args, r));
    assert.equal((await journaled(join(dir, 'corrupt.tar.baler-partial.journal'))).have, 0, 'no progress line is left to resume from');

    const from = proxy.log.length;
    const again = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(again.code, 0, describeRun(args, again));
    const get = largeLayerGet(from);
    assert.equal(get.range, undefined);
    await assertSameAsClean('corrupt.tar');
  });
});
