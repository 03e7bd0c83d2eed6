/**
 * save --format oci-dir -o DIR --resume from a real registry (distribution 2.8), through a proxy that
 * counts the bytes of every blob GET and can hold a large layer back so the save is interrupted (SIGINT)
 * with the other blobs done. The rerun fetches only what was not kept, ends with a layout byte-identical
 * to an uninterrupted save's, and skopeo reads it. A kept blob damaged on disk is fetched again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { dockerArchiveParts, writeTar } from '../helpers/image-archives.js';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { listFilesRecursive, TempDirs } from '../helpers/temp-dirs.js';
import { findTool } from '../helpers/tools.js';
import { actOnChild } from '../unit/transports/split/interrupt.js';

const reg = withRegistry();
const tmp = new TempDirs();
after(() => tmp.removeAll());

const BIG = 24 * 1024 * 1024;
const SMALL = 2 * 1024 * 1024;

describe('save --format oci-dir --resume from a registry', { skip: reg.skip }, () => {
  let dir: string;
  let proxy: CountingProxy;
  let clean: Record<string, string>;
  const image = (): string => `registry://${proxy.host}/od/library/big:1`;

  /** Every file of a layout with the sha256 of its bytes. */
  async function layoutFiles(root: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of await listFilesRecursive(root)) out[f] = createHash('sha256').update(await readFile(join(root, f))).digest('hex');
    return out;
  }

  const keptBlobs = async (out: string): Promise<string[]> =>
    (await readdir(join(dir, `${out}.baler-partial`, 'blobs', 'sha256')).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));

  before(async () => {
    dir = await tmp.make('baler-oci-dir-resume-');
    const layers = [writeTar([{ name: 'big.bin', data: randomBytes(BIG) }]), ...[1, 2, 3].map((i) => writeTar([{ name: `s${i}.bin`, data: randomBytes(SMALL) }]))];
    await writeFile(join(dir, 'src.tar'), writeTar(dockerArchiveParts('big:1', layers).entries));
    await balerOk(['load', '-i', 'src.tar', '--into', `registry://${reg.host}/od`], { cwd: dir, env: { HOME: dir } });
    proxy = await countingProxy(reg.host);
    await balerOk(['save', '--format', 'oci-dir', '-o', 'clean', image()], { cwd: dir, env: { HOME: dir } });
    clean = await layoutFiles(join(dir, 'clean'));
  });
  after(() => proxy?.close());

  /** `save --resume` with the large layer held back, interrupted (SIGINT) once every other blob is kept. */
  async function interrupted(out: string): Promise<string[]> {
    proxy.mode.holdOver = BIG / 2;
    const r = await actOnChild(['save', '--format', 'oci-dir', '--resume', '-o', out, image()], dir, async () => (await keptBlobs(out)).length >= 4, async (child) => {
      child.kill('SIGINT');
    });
    delete proxy.mode.holdOver;
    assert.ok(r.acted, `the save ended before it was interrupted\n${r.stderr}`);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.match(r.stderr, new RegExp(`^baler: kept ${out}\\.baler-partial \\(4 verified blobs, \\S+\\); run the same save with --resume to continue$`, 'm'), r.stderr);
    assert.ok(!existsSync(join(dir, out)), `${out} exists although the save was interrupted`);
    return keptBlobs(out);
  }

  async function assertSameAsClean(out: string): Promise<void> {
    assert.deepEqual(await layoutFiles(join(dir, out)), clean, `${out} differs from a save that was never interrupted`);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith(`${out}.`)), [], 'no partial or lock left');
  }

  it('the rerun re-hashes the kept blobs and fetches only the layer that was missing', async () => {
    const kept = await interrupted('out');
    const from = proxy.log.length;
    const args = ['save', '--format', 'oci-dir', '--resume', '-o', 'out', image()];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(r.code, 0, describeRun(args, r));
    assert.match(r.stderr, /^baler: re-verifying the \S+ an interrupted save left in out\.baler-partial: 4 complete blobs to re-hash and keep; anything else is fetched again$/m, describeRun(args, r));
    assert.match(r.stderr, /^Resumed: reused 4 blobs \(\S+\) already written and verified$/m, describeRun(args, r));
    // the config (a few hundred bytes) is read again whatever the sink has: the copy needs its diff_ids
    const gets = proxy.log.slice(from).filter((g) => g.bytes > 4096);
    assert.equal(gets.length, 1, JSON.stringify(proxy.log.slice(from)));
    assert.ok(!kept.includes((gets[0]?.digest ?? '').slice('sha256:'.length)), 'a kept blob was fetched again');
    const fetched = gets.reduce((n, g) => n + g.bytes, 0);
    assert.ok(fetched >= BIG && fetched < BIG + SMALL, `the rerun fetched ${fetched} bytes; only the ${BIG}-byte layer was missing`);
    await assertSameAsClean('out');

    const skopeo = findTool('skopeo');
    if (skopeo) {
      const index = JSON.parse(await readFile(join(dir, 'out', 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] };
      const ref = index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name'];
      assert.ok(ref, 'the image has a ref.name');
      const inspect = spawnSync(skopeo, ['inspect', `oci:${join(dir, 'out')}:${ref}`], { encoding: 'utf8' });
      assert.equal(inspect.status, 0, inspect.stderr);
      assert.equal((JSON.parse(inspect.stdout) as { Layers: string[] }).Layers.length, 4);
      const copy = spawnSync(skopeo, ['copy', `oci:${join(dir, 'out')}:${ref}`, `oci:${join(dir, 'skopeo-copy')}:big`], { encoding: 'utf8' });
      assert.equal(copy.status, 0, copy.stderr);
    }
  });

  it('a kept blob damaged on disk is not trusted: it is fetched again, and a warning says so', async () => {
    const kept = await interrupted('bad');
    const sizes = await Promise.all(kept.map(async (n) => ({ n, bytes: await readFile(join(dir, 'bad.baler-partial', 'blobs', 'sha256', n)) })));
    const victim = sizes.find((f) => f.bytes.length > SMALL);
    assert.ok(victim, 'a small layer was kept');
    victim.bytes[100] = (victim.bytes[100] as number) ^ 0xff;
    await writeFile(join(dir, 'bad.baler-partial', 'blobs', 'sha256', victim.n), victim.bytes);
    const from = proxy.log.length;
    const args = ['save', '--format', 'oci-dir', '--resume', '-o', 'bad', image()];
    const r = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(r.code, 0, describeRun(args, r));
    assert.match(r.stderr, /^baler: warning: \S+bad\.baler-partial: 1 kept blob did not hash to its digest; removed, and fetched again$/m, describeRun(args, r));
    const fetched = proxy.log.slice(from).filter((g) => g.bytes > 4096).map((g) => g.digest);
    assert.ok(fetched.includes(`sha256:${victim.n}`), `the damaged blob was not fetched again: ${JSON.stringify(fetched)}`);
    assert.equal(fetched.length, 2, `only the damaged blob and the missing layer are fetched: ${JSON.stringify(proxy.log.slice(from))}`);
    await assertSameAsClean('bad');
  });

  /** The checkpoint of the large layer's `.part` in OUT.baler-partial, and the part's path. */
  async function checkpoint(out: string): Promise<{ have: number; size: number; part: string } | undefined> {
    const blobs = join(dir, `${out}.baler-partial`, 'blobs', 'sha256');
    const name = (await readdir(blobs).catch(() => [] as string[])).find((n) => n.endsWith('.part.json'));
    if (!name) return undefined;
    const ck = JSON.parse(await readFile(join(blobs, name), 'utf8').catch(() => '{}')) as { have: number; size: number };
    return { ...ck, part: join(blobs, name.slice(0, -'.json'.length)) };
  }

  /** `save --resume` with the large layer's answer stalled after 12 MiB, interrupted (SIGINT) once 8 MiB of it are checkpointed. */
  async function cutShort(out: string): Promise<{ have: number; size: number; part: string }> {
    proxy.mode.stallAfter = 12 * 1024 * 1024;
    const r = await actOnChild(['save', '--format', 'oci-dir', '--resume', '-o', out, image()], dir, async () => ((await checkpoint(out))?.have ?? 0) >= 8 * 1024 * 1024, async (child) => {
      child.kill('SIGINT');
    });
    delete proxy.mode.stallAfter;
    assert.ok(r.acted, r.stderr);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.match(r.stderr, new RegExp(`^baler: kept ${out}\\.baler-partial \\(\\d+ verified blobs?, \\S+, and the first \\S+ of a \\S+ blob\\); run the same save with --resume to continue$`, 'm'), r.stderr);
    const ck = await checkpoint(out);
    assert.ok(ck && ck.size > BIG && ck.have >= 8 * 1024 * 1024, JSON.stringify(ck));
    return ck;
  }

  it('a layer cut short is continued: its kept start is re-hashed and only the rest is fetched with a Range request', async () => {
    const ck = await cutShort('cut');
    const from = proxy.log.length;
    const args = ['save', '--format', 'oci-dir', '--resume', '-o', 'cut', image()];
    const again = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(again.code, 0, describeRun(args, again));
    assert.match(again.stderr, /^baler: re-verifying the \S+ an interrupted save left in cut\.baler-partial: \d+ complete blobs? and the first \S+ of blob [0-9a-f]{12} \(\S+\) to re-hash and keep; of that blob only the rest is fetched where the source allows it \(Range\)$/m, describeRun(args, again));
    assert.match(again.stderr, /^baler: registry:\/\/.*: layer 0: resuming at \S+ of \S+: the first \S+ re-hashed from \S+cut\.baler-partial\/blobs\/sha256\/[0-9a-f]{64}\.part, the rest fetched with a Range request$/m, describeRun(args, again));
    const big = proxy.log.slice(from).filter((g) => g.range !== undefined || g.bytes > BIG / 2);
    assert.equal(big.length, 1, JSON.stringify(proxy.log.slice(from)));
    assert.equal(big[0]?.range, `bytes=${ck.have}-`);
    assert.equal(big[0]?.status, 206);
    assert.equal(big[0]?.bytes, ck.size - ck.have, 'only the rest of the layer was fetched');
    await assertSameAsClean('cut');
  });

  it('a kept start damaged on disk is not continued: the layer is fetched whole', async () => {
    const ck = await cutShort('cutbad');
    const bytes = await readFile(ck.part);
    const at = Math.floor(ck.have / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(ck.part, bytes);
    const from = proxy.log.length;
    const args = ['save', '--format', 'oci-dir', '--resume', '-o', 'cutbad', image()];
    const again = await runBaler(args, { cwd: dir, env: { HOME: dir } });
    assert.equal(again.code, 0, describeRun(args, again));
    assert.doesNotMatch(again.stderr, /resuming at/, describeRun(args, again));
    assert.match(again.stderr, /^baler: warning: \S+cutbad\.baler-partial: the kept start of a blob cut short did not hash to what was recorded; removed, and fetched again whole$/m, describeRun(args, again));
    const big = proxy.log.slice(from).filter((g) => g.range !== undefined || g.bytes > BIG / 2);
    assert.equal(big.length, 1, JSON.stringify(proxy.log.slice(from)));
    assert.equal(big[0]?.range, undefined);
    assert.equal(big[0]?.bytes, ck.size, 'the whole layer was fetched again');
    await assertSameAsClean('cutbad');
  });
});
