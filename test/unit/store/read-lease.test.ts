import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, chown, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256OfStream } from '../../../src/io/hashing.js';
import { tempBlobName } from '../../../src/io/temp-name.js';
import { parseImageName } from '../../../src/model/image-name.js';
import { blobPath, blobsDir } from '../../../src/store/layout.js';
import { leasedDigests } from '../../../src/store/lease.js';
import { withLayoutLock } from '../../../src/store/lock.js';
import { openStore } from '../../../src/store/store.js';
import { storeRef } from '../../../src/transports/store/transport.js';
import type { SourceEntry } from '../../../src/transports/types.js';
import { dockerArchiveParts } from '../../helpers/image-archives.js';
import { repoRoot } from '../../helpers/paths.js';
import { balerOk, describeRun, runBaler } from '../../helpers/run-baler.js';
import { runChecked } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';
import { isRoot, skipUnlessTools } from '../../helpers/tools.js';
import { putImage, testImage } from './fixture-images.js';

/**
 * A reader of the store (save) beside `rm` + `prune` in other processes: the save that has resolved its
 * image finishes with it, the prune meanwhile leaves its blobs, the prune after it removes them, and a
 * reader that was killed holds nothing. Real processes; a FIFO as the save's output lets the test hold
 * the save mid-read (a pipe that is not drained stops its writes).
 */
const tmp = new TempDirs();
const running = new Set<ChildProcess>();
after(async () => {
  for (const child of running) child.kill('SIGKILL');
  await tmp.removeAll();
});

const LAYERS = 4;
const LAYER_BYTES = 2 * 1024 * 1024;

/** A store holding one image of a few MiB of incompressible layers; returns the store's path. */
async function storeWithImage(work: string, name: string): Promise<string> {
  const layers = Array.from({ length: LAYERS }, (_, i) => writeTar([{ name: `data${i}.bin`, data: randomBytes(LAYER_BYTES) }]));
  const archive = join(work, 'image.tar');
  await writeFile(archive, writeTar(dockerArchiveParts(name, layers).entries));
  const store = join(work, 'store');
  await balerOk(['load', '--store', store, '-i', archive]);
  return store;
}

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `baler ARGS` as its own process (run-baler.ts runs it the same way), for a test that must stop or kill it. */
function startBaler(args: readonly string[]): Started {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, NODE_OPTIONS: undefined, BALER_STORE: undefined, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      res({ code, signal, stderr });
    }),
  );
  return { child, exited };
}

/** Reads the FIFO until `bytes` have come, then stops reading (the save blocks once the pipe is full). */
function readUntil(fifo: Readable, bytes: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  let n = 0;
  return new Promise((res, rej) => {
    const onData = (b: Buffer): void => {
      got.push(b);
      n += b.length;
      if (n >= bytes) {
        fifo.pause();
        fifo.off('data', onData);
        res(got);
      }
    };
    fifo.on('data', onData);
    fifo.once('error', rej);
    fifo.once('end', () => rej(new Error(`the save ended after ${n} bytes`)));
  });
}

async function blobFiles(store: string): Promise<{ blobs: string[]; leases: string[] }> {
  const names = await readdir(join(store, 'blobs', 'sha256'));
  return { blobs: names.filter((n) => /^[0-9a-f]{64}$/.test(n)).sort(), leases: names.filter((n) => n.endsWith('.lease')) };
}

/** A save of `name` into a FIFO, held after its first MiB: it has resolved the image and is reading it. */
async function saveHeldMidRead(work: string, store: string, name: string, from: readonly string[] = ['--store', store]): Promise<{ save: Started; fifo: Readable; head: Buffer[]; out: string }> {
  const out = join(work, 'out.fifo');
  await runChecked('mkfifo', [out]);
  const save = startBaler(['save', ...from, '-q', '-o', out, name]);
  const fifo = createReadStream(out);
  let held = false;
  const head = await Promise.race([
    readUntil(fifo, 1024 * 1024).then((got) => {
      held = true;
      return got;
    }),
    save.exited.then((r) => {
      if (held) return [];
      throw new Error(`the save exited before writing: ${r.code} ${r.stderr}`);
    }),
  ]);
  return { save, fifo, head, out };
}

describe('a save reading the store while rm and prune run', () => {
  test('the save finishes with the image it resolved, the prune meanwhile keeps its blobs, the prune after removes them', async () => {
    const work = await tmp.make('baler-read-lease-');
    const store = await storeWithImage(work, 'big/image:1');
    const before = await blobFiles(store);
    assert.equal(before.blobs.length, LAYERS + 2);
    const { save, fifo, head } = await saveHeldMidRead(work, store, 'big/image:1');
    assert.equal((await blobFiles(store)).leases.length, 1, 'the save holds a lease while it reads');

    const rm = await runBaler(['rm', '--store', store, 'big/image:1']);
    assert.equal(rm.code, 0, describeRun(['rm'], rm));
    const prune = await runBaler(['prune', '--store', store]);
    assert.equal(prune.code, 0, describeRun(['prune'], prune));
    assert.equal(prune.stdout, 'Total reclaimed space: 0B (0 files)\n', 'the blobs a reader holds stay');
    assert.deepEqual((await blobFiles(store)).blobs, before.blobs);

    // the rest of the archive, after what was read before the removal
    const archive = join(work, 'saved.tar');
    const file = createWriteStream(archive);
    for (const b of head) file.write(b);
    const written = new Promise<void>((res) => file.on('close', () => res()));
    fifo.pipe(file);
    const done = await save.exited;
    await written;
    assert.equal(done.code, 0, `save: ${done.code} ${done.signal} ${done.stderr}`);
    const verify = await runBaler(['verify', archive]);
    assert.equal(verify.code, 0, describeRun(['verify', archive], verify));
    assert.match(verify.stdout, /big\/image:1/);

    assert.deepEqual((await blobFiles(store)).leases, [], 'the lease went with the save');
    const pruneAfter = await runBaler(['prune', '--store', store]);
    assert.equal(pruneAfter.code, 0, describeRun(['prune'], pruneAfter));
    assert.match(pruneAfter.stdout, new RegExp(`\\(${LAYERS + 2} files\\)\\n$`), pruneAfter.stdout);
    assert.deepEqual((await blobFiles(store)).blobs, []);
  });

  test('a killed reader holds nothing: prune removes the blobs and its lease', async () => {
    const work = await tmp.make('baler-read-lease-');
    const store = await storeWithImage(work, 'big/image:1');
    const { save, fifo } = await saveHeldMidRead(work, store, 'big/image:1');
    assert.equal((await blobFiles(store)).leases.length, 1);
    save.child.kill('SIGKILL');
    assert.equal((await save.exited).signal, 'SIGKILL');
    fifo.destroy();
    assert.equal((await blobFiles(store)).leases.length, 1, 'SIGKILL leaves the lease file');

    await balerOk(['rm', '--store', store, 'big/image:1']);
    const prune = await balerOk(['prune', '--store', store]);
    assert.match(prune.stdout, /\(\d+ files\)\n$/);
    assert.deepEqual(await blobFiles(store), { blobs: [], leases: [] });
  });
});

describe('an OCI layout read as oci:DIR', () => {
  test('is someone\'s input: a save reading it writes no lease into it, so a killed one leaves nothing there', async () => {
    const work = await tmp.make('baler-read-lease-');
    const layout = await storeWithImage(work, 'big/image:1');
    const before = await readdir(layout, { recursive: true });
    const { save, fifo } = await saveHeldMidRead(work, layout, 'big/image:1', ['--from', `oci:${layout}`]);
    assert.deepEqual((await blobFiles(layout)).leases, [], 'no lease while it reads');
    save.child.kill('SIGKILL');
    await save.exited;
    fifo.destroy();
    assert.deepEqual((await readdir(layout, { recursive: true })).sort(), before.sort());
  });
});

// root writes everywhere, so the read-only case runs as nobody (setpriv) against a store root owns
const asNobody = isRoot() ? (skipUnlessTools('setpriv') ? 'root writes everywhere and setpriv is missing' : 'nobody') : 'self';
describe('a store the reader cannot write', () => {
  test('save reads it without a lease, and leaves it as it was', { skip: asNobody.includes(' ') ? asNobody : false }, async () => {
    const work = await tmp.make('baler-read-lease-');
    const store = await storeWithImage(work, 'big/image:1');
    const before = await readdir(store, { recursive: true });
    const out = join(work, 'out');
    await chmod(work, 0o755);
    if (asNobody === 'nobody') {
      await runChecked('mkdir', [out]);
      await chown(out, 65534, 65534);
    } else {
      await runChecked('mkdir', [out]);
      await runChecked('chmod', ['-R', 'a-w', store]);
    }
    const args = ['save', '--store', store, '-q', '-o', join(out, 'saved.tar'), 'big/image:1'];
    const r = await runBaler(args, asNobody === 'nobody' ? { wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] } : {});
    if (asNobody !== 'nobody') await runChecked('chmod', ['-R', 'u+w', store]);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.equal(r.stderr, '');
    assert.ok(existsSync(join(out, 'saved.tar')));
    assert.deepEqual(await readdir(store, { recursive: true }), before, 'nothing made in the store');
    const verify = await runBaler(['verify', join(out, 'saved.tar')]);
    assert.equal(verify.code, 0, describeRun(['verify'], verify));
  });
});

describe('a reader that leases while a prune is under way', () => {
  test('waits for that prune, which sees the lease and puts the blob it had set aside back', async () => {
    const path = join(await tmp.make('baler-read-lease-'), 'store');
    const store = await openStore(path);
    const img = testImage();
    const w = store.writer();
    await putImage(w, img, parseImageName('imga:1'));
    await w.commit();
    const layer = img.layers[0]!.descriptor;
    await using source = await storeRef(path).openSource({ wanted: [img.id] });
    let listing: Promise<SourceEntry[]> | undefined;
    let listed = false;
    // prune's steps by hand (store/lease.ts removeUnleased), as if the image had just been removed, the
    // reader's lease coming between them
    await withLayoutLock(path, async () => {
      assert.equal((await leasedDigests(path)).size, 0);
      const aside = join(blobsDir(path), tempBlobName());
      await rename(blobPath(path, layer.digest), aside);
      listing = source.list().then((entries) => {
        listed = true;
        return entries;
      });
      for (let waited = 0; !(await leasedDigests(path)).has(layer.digest); waited += 10) {
        assert.ok(waited < 10_000, 'the reader wrote no lease');
        await sleep(10);
      }
      await sleep(200);
      assert.equal(listed, false, 'the reader waits for the prune that read the leases before it');
      await rename(aside, blobPath(path, layer.digest));
    });
    assert.ok(listing);
    assert.deepEqual((await listing).map((e) => e.descriptor.digest), [img.manifest.descriptor.digest]);
    assert.equal((await sha256OfStream(await source.fetchBlob(layer))).digest, layer.digest);
    // once the image is removed, a prune leaves what the reader holds
    await store.remove(['imga:1'], { force: false });
    assert.deepEqual((await store.prune({ dryRun: false })).blobs, []);
  });
});
