/**
 * Stored layers hashed ahead of a sequential sink (pipeline/prehashed-blob-files.ts), over real files:
 * the module on its own, then whole saves from a real store (same archive as the per-blob path, a
 * damaged blob that is not the first, cancellation), each checking that no file stays open.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BalerError, ExitCode } from '../../../src/errors.js';
import { sha256OfFdInline } from '../../../src/io/file-sha256-inline.js';
import { hashJobsPending, hashThreadPays, hashWorkersAhead } from '../../../src/io/file-sha256-thread.js';
import type { Descriptor } from '../../../src/model/descriptor.js';
import type { Digest } from '../../../src/model/digest.js';
import { copyImages } from '../../../src/pipeline/copy.js';
import { PrehashedBlobFiles } from '../../../src/pipeline/prehashed-blob-files.js';
import { parseTransportRef } from '../../../src/transports/registry.js';
import type { ImageSource, SinkCaps } from '../../../src/transports/types.js';
import { blobFileSource } from '../../helpers/blob-files.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { dockerArchiveParts, sha256Hex, smallLayer, writeTar } from '../../helpers/image-archives.js';
import { interruptedSave } from '../../helpers/interrupted-save.js';
import { listFilesRecursive, TempDirs } from '../../helpers/temp-dirs.js';
import { runInterrupted } from '../transports/split/interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const MiB = 1024 * 1024;
const SEQUENTIAL: SinkCaps = { manifestTypes: [], layerCompressions: ['none'], needsSizeFirst: true, parallelPuts: false, multiImage: true, keepsIndexes: false };

function digestOf(b: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
}

/** Open file descriptors of this process (worker threads share them). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** A source offering openBlobFile over real files, logging each open and close by digest. */
function fileSource(paths: Map<Digest, string>, log: string[]): ImageSource {
  return blobFileSource((d) => paths.get(d.digest), { opened: (d) => log.push(`open ${d.digest}`), closed: (d) => log.push(`close ${d.digest}`) });
}

describe('stored blobs hashed ahead of a sequential sink', { skip: hashThreadPays() ? false : 'one core: blobs are hashed inline' }, () => {
  let dir = '';
  const blobs: Array<{ d: Descriptor; bytes: Buffer }> = [];
  const paths = new Map<Digest, string>();

  before(async () => {
    dir = await tmp.make('baler-prehash-');
    // sizes above the off-thread threshold, not multiples of the read size
    for (const [i, size] of [9 * MiB + 321, 5 * MiB + 7, 6 * MiB + 1000, 4 * MiB + 5].entries()) {
      const bytes = randomBytes(size);
      const d: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(bytes), size };
      const path = join(dir, `blob${i}`);
      await writeFile(path, bytes);
      blobs.push({ d, bytes });
      paths.set(d.digest, path);
    }
  });

  const ds = (): Descriptor[] => blobs.map((b) => b.d);

  test('hashes start at once in parallel (the workers and the main thread), in the order the sink takes the blobs', async () => {
    const log: string[] = [];
    const ahead = PrehashedBlobFiles.start(fileSource(paths, log), SEQUENTIAL, [...ds(), ...ds()]);
    assert.ok(ahead);
    // one blob per lane opened before anything is taken, the first needed first
    assert.deepEqual(
      log,
      ds()
        .slice(0, Math.min(hashWorkersAhead() + 1, blobs.length))
        .map((d) => `open ${d.digest}`),
    );
    for (const { d, bytes } of blobs) {
      const s = await ahead.take(d, `img:1: ${d.digest}`);
      assert.ok(s);
      assert.equal(digestOf(await collect(s)), digestOf(bytes));
    }
    await ahead.close();
    assert.equal(hashJobsPending(), 0);
    for (const d of ds()) {
      assert.equal(log.filter((l) => l === `open ${d.digest}`).length, 1, 'each blob opened once, repeats ignored');
      assert.equal(log.filter((l) => l === `close ${d.digest}`).length, 1, 'and closed once');
    }
  });

  test('a blob taken before its turn, dropped blobs and close(): every file closed, no job left', async () => {
    const fds = openFds();
    const log: string[] = [];
    const [b0, b1, b2, b3] = ds() as [Descriptor, Descriptor, Descriptor, Descriptor];
    const ahead = PrehashedBlobFiles.start(fileSource(paths, log), SEQUENTIAL, [b0, b1, b2, b3]);
    assert.ok(ahead);
    const last = await ahead.take(b3, 'img:1: layer 3');
    assert.ok(last);
    assert.equal(digestOf(await collect(last)), b3.digest);
    ahead.drop(b0.digest); // started: stopped and closed
    ahead.drop(b2.digest);
    assert.equal(await ahead.take(b0, 'img:1: layer 0'), undefined);
    // b1 is left for close() to stop and close
    await ahead.close();
    assert.equal(hashJobsPending(), 0);
    assert.equal(openFds(), fds);
    const opened = log.filter((l) => l.startsWith('open ')).map((l) => l.slice(5));
    const closed = log.filter((l) => l.startsWith('close ')).map((l) => l.slice(6));
    assert.deepEqual([...closed].sort(), [...opened].sort());
    assert.ok(opened.includes(b3.digest));
  });

  test('a wrong byte fails its stream whichever lane hashed it (the first blob a worker, the second the main thread)', async () => {
    const bad = new Map<Digest, string>();
    for (const [i, { d, bytes }] of blobs.slice(0, 2).entries()) {
      const path = join(dir, `bad${i}`);
      const b = Buffer.from(bytes);
      b[b.length - 5] = (b[b.length - 5] ?? 0) ^ 0x40;
      await writeFile(path, b);
      bad.set(d.digest, path);
    }
    const ahead = PrehashedBlobFiles.start(fileSource(bad, []), SEQUENTIAL, ds().slice(0, 2));
    assert.ok(ahead);
    try {
      for (const [i, d] of ds().slice(0, 2).entries()) {
        const s = await ahead.take(d, `img:1: layer ${i}`);
        assert.ok(s);
        await assert.rejects(collect(s), (err: unknown) => {
          assert.ok(err instanceof BalerError);
          assert.equal(err.code, 'E_DIGEST_MISMATCH');
          assert.match(err.message, new RegExp(`^img:1: layer ${i}: digest mismatch, expected ${d.digest}, got sha256:[0-9a-f]{64}$`));
          return true;
        });
      }
    } finally {
      await ahead.close();
    }
  });

  test('a hash job on the main thread: the digest a worker gives; stopped, it ends as E_CANCELLED; a read error is E_IO', async () => {
    const { d } = blobs[0] as { d: Descriptor };
    const fh = await open(paths.get(d.digest) as string, 'r');
    try {
      assert.deepEqual(await sha256OfFdInline(fh.fd).result, { digest: d.digest, size: d.size });
      const stopped = sha256OfFdInline(fh.fd);
      stopped.stop();
      await assert.rejects(stopped.result, (err: unknown) => err instanceof BalerError && err.code === 'E_CANCELLED');
    } finally {
      await fh.close();
    }
    const dirFh = await open(dir, 'r');
    try {
      await assert.rejects(sha256OfFdInline(dirFh.fd).result, (err: unknown) => err instanceof BalerError && err.code === 'E_IO' && /EISDIR/.test(err.message));
    } finally {
      await dirFh.close();
    }
  });

  test('not started for a sink that takes several blobs at once, nor for small blobs only', () => {
    const log: string[] = [];
    assert.equal(PrehashedBlobFiles.start(fileSource(paths, log), { ...SEQUENTIAL, parallelPuts: true }, ds()), undefined);
    const small = ds().map((d) => ({ ...d, size: 1000 }));
    assert.equal(PrehashedBlobFiles.start(fileSource(paths, log), SEQUENTIAL, small), undefined);
    assert.deepEqual(log, []);
  });
});

describe('save from a store with several big layers', { skip: hashThreadPays() ? false : 'one core: blobs are hashed inline' }, () => {
  let dir = '';
  let store = '';
  /** imga:1 = [big0, big1, small], imgb:1 = [big0, big2]: big2 is the third big blob the sink takes. */
  let big2Hex = '';

  before(async () => {
    dir = await tmp.make('baler-prehash-save-');
    store = join(dir, 'store');
    const big = [9 * MiB, 5 * MiB, 6 * MiB].map((n, i) => writeTar([{ name: `big${i}.bin`, data: randomBytes(n) }]));
    const [big0, big1, big2] = big as [Buffer, Buffer, Buffer];
    big2Hex = sha256Hex(big2);
    for (const [name, layers] of [
      ['imga:1', [big0, big1, smallLayer('s')]],
      ['imgb:1', [big0, big2]],
    ] as const) {
      const archive = join(dir, `${name.replace(':', '-')}.tar`);
      await writeFile(archive, writeTar(dockerArchiveParts(name, layers).entries));
      await balerInProcessOk(['load', '-q', '-i', archive, '--store', store], dir);
    }
  });

  /** Saves both images in-process; `hideFiles` takes away openBlobFile (every blob fetched and hashed inline). */
  async function save(format: 'docker-archive' | 'oci-archive', out: string, opts: { hideFiles?: boolean; signal?: AbortSignal; onCopying?: () => void } = {}): Promise<void> {
    const refs = { storePath: store, cwd: dir };
    const opened = await parseTransportRef('store', refs).openSource();
    const source = opts.hideFiles ? new Proxy(opened, { get: (t, k) => (k === 'openBlobFile' ? undefined : Reflect.get(t, k)) }) : opened;
    try {
      const sink = await parseTransportRef(`${format}:${out}`, refs).openSink({ overwrite: true });
      try {
        await copyImages({
          from: source,
          to: sink,
          select: { kind: 'refs', refs: ['imga:1', 'imgb:1'] },
          ...(opts.signal ? { signal: opts.signal } : {}),
          onEvent: (e) => {
            if (e.kind === 'blob' && e.state === 'copying' && e.done > 0) opts.onCopying?.();
          },
        });
      } finally {
        await sink[Symbol.asyncDispose]();
      }
    } finally {
      await opened[Symbol.asyncDispose]();
    }
  }

  test('the archive is byte for byte the one the per-blob path writes (docker and oci), and no file stays open', async () => {
    const out = await tmp.make('baler-prehash-out-');
    await save('docker-archive', join(out, 'warm.tar')); // starts the workers, whose threads hold fds of their own
    const fds = openFds();
    for (const format of ['docker-archive', 'oci-archive'] as const) {
      await save(format, join(out, `${format}-ahead.tar`));
      await save(format, join(out, `${format}-inline.tar`), { hideFiles: true });
      const ahead = await readFile(join(out, `${format}-ahead.tar`));
      const inline = await readFile(join(out, `${format}-inline.tar`));
      assert.equal(sha256Hex(ahead), sha256Hex(inline), format);
    }
    assert.equal(hashJobsPending(), 0);
    assert.equal(openFds(), fds);
  });

  test('a damaged blob that is not the first: exit 5, one line naming its layer, nothing at -o, no file left open', async () => {
    const blob = join(store, 'blobs', 'sha256', big2Hex);
    const good = await readFile(blob);
    const bad = Buffer.from(good);
    bad[good.length >> 1] = (bad[good.length >> 1] ?? 0) ^ 0x04;
    await writeFile(blob, bad);
    try {
      await balerInProcessOk(['save', '-q', '--store', store, '-o', join(await tmp.make('baler-prehash-warm-'), 'x.tar'), 'imga:1'], dir);
      const fds = openFds();
      for (const format of ['docker', 'oci']) {
        const outDir = await tmp.make('baler-prehash-bad-');
        const r = await balerInProcess(['save', '-q', '--format', format, '--store', store, '-o', join(outDir, 'x.tar'), 'imga:1', 'imgb:1'], dir);
        assert.equal(r.code, ExitCode.integrity, r.stderr);
        assert.match(r.stderr, new RegExp(`^baler: .*imgb:1: layer 1: digest mismatch, expected sha256:${big2Hex}, got sha256:[0-9a-f]{64}\\n$`));
        assert.deepEqual(await listFilesRecursive(outDir), []);
      }
      assert.equal(hashJobsPending(), 0);
      assert.equal(openFds(), fds);
    } finally {
      await writeFile(blob, good);
    }
  });

  test('cancelled while the first layer streams: E_CANCELLED, no hash job running, no file left open', async () => {
    const out = await tmp.make('baler-prehash-cancel-');
    await save('docker-archive', join(out, 'warm.tar'));
    const fds = openFds();
    const stop = new AbortController();
    let err: unknown;
    try {
      await save('docker-archive', join(out, 'x.tar'), { signal: stop.signal, onCopying: () => stop.abort(new BalerError('E_CANCELLED', 'interrupted')) });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof BalerError, String(err));
    assert.equal(err.code, 'E_CANCELLED');
    assert.equal(hashJobsPending(), 0);
    assert.equal(openFds(), fds);
    assert.deepEqual(await listFilesRecursive(out), ['warm.tar']);
  });

  test('layers the sink will not take (a delta leaves them out, --resume kept them) are let go: same bytes, no file left open', async () => {
    const out = await tmp.make('baler-prehash-skip-');
    await balerInProcessOk(['save', '-q', '--store', store, '-o', join(out, 'full.tar'), 'imga:1', 'imgb:1'], dir);
    await balerInProcessOk(['save', '-q', '--store', store, '-o', join(out, 'old.tar'), 'imga:1'], dir);
    const fds = openFds();
    // imga:1's layers (big0 shared by imgb:1, big1) are left out: only big2 is copied
    await balerInProcessOk(['save', '-q', '--store', store, '--since', join(out, 'old.tar'), '-o', join(out, 'delta.tar'), 'imga:1', 'imgb:1'], dir);
    const delta = await readFile(join(out, 'delta.tar'));
    assert.ok(delta.includes(`blobs/sha256/${big2Hex}`));
    assert.ok(delta.length < 7 * MiB, `${delta.length} bytes: the left-out layers were written`);
    assert.equal(hashJobsPending(), 0);
    assert.equal(openFds(), fds);
    // interrupted after two layers, then resumed: the kept layers are skipped, the archive is the plain one
    const args = ['save', '--store', store, '--resume', '-o', join(out, 'resumed.tar'), 'imga:1', 'imgb:1'];
    const r = await runInterrupted(args, dir, /^Copied layer /, 2);
    assert.ok(r.interrupted, r.stderr);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.equal(hashJobsPending(), 0);
    assert.equal(openFds(), fds);
    await balerInProcessOk(args, dir);
    assert.equal(sha256Hex(await readFile(join(out, 'resumed.tar'))), sha256Hex(await readFile(join(out, 'full.tar'))));
    assert.equal(hashJobsPending(), 0);
    assert.equal(openFds(), fds);
  });

  test('interrupted save to stdout: exit 130, and the process ends by itself (no worker left running)', async () => {
    const { code, stderr } = await interruptedSave(['-q', '--store', store, 'imga:1', 'imgb:1'], dir);
    assert.equal(code, ExitCode.cancelled, stderr);
  });
});
