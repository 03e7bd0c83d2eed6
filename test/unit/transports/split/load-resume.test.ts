import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { ownerTag } from '../../../../src/io/owner.js';
import { balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { namesInIndex } from '../../../helpers/store-state.js';
import { listFilesRecursive, TempDirs } from '../../../helpers/temp-dirs.js';
import { runInterrupted } from './interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const LAYER = 1536 * 1024;

interface LoadJson {
  images: Array<{ names: string[]; id: string }>;
  blobsCopied: number;
  resumed?: { blobs: number; bytes: number };
}

/** The blob files of a layout (no temps, no leases). */
async function blobFiles(root: string): Promise<string[]> {
  return (await readdir(join(root, 'blobs', 'sha256')).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();
}

describe('load --resume', () => {
  let dir: string;
  let cleanId: string;
  before(async () => {
    dir = await tmp.make();
    const { entries } = dockerArchiveParts('big:1', ['a', 'b', 'c', 'd', 'e'].map((s) => writeTar([{ name: `${s}.bin`, data: randomBytes(LAYER) }])));
    await writeFile(join(dir, 'src.tar'), writeTar(entries));
    const clean = JSON.parse((await balerInProcessOk(['load', '--store', join(dir, 'clean'), '--json', '-i', 'src.tar'], dir)).stdout) as LoadJson;
    cleanId = clean.images[0]?.id as string;
  });

  for (const into of ['store', 'oci'] as const) {
    it(`an interrupted load --resume into ${into === 'store' ? 'the store' : 'oci:DIR'} keeps its verified blobs unreferenced; --resume reuses them`, async () => {
      const root = join(dir, `${into}-dest`);
      const dest = into === 'store' ? ['--store', root] : ['--store', join(dir, 'unused'), '--into', `oci:${root}`];
      const r = await runInterrupted(['load', ...dest, '--resume', '-i', 'src.tar'], dir, /^Copied layer /, 2);
      assert.ok(r.interrupted, r.stderr);
      assert.equal(r.code, ExitCode.cancelled, r.stderr);
      const kept = await blobFiles(root);
      assert.ok(kept.length >= 2, `blobs kept: ${kept.join(' ')}`);
      assert.deepEqual(namesInIndex(await readFile(join(root, 'index.json'), 'utf8').catch(() => undefined)), [], 'no image is published half-loaded');
      assert.deepEqual((await readdir(join(root, 'blobs', 'sha256'))).filter((n) => !/^[0-9a-f]{64}$/.test(n)), [], 'no temp or lease file left');

      const done = JSON.parse((await balerInProcessOk(['load', ...dest, '--resume', '--json', '-i', 'src.tar'], dir)).stdout) as LoadJson;
      assert.equal(done.images[0]?.id, cleanId);
      assert.ok((done.resumed?.blobs ?? 0) >= kept.length - 1, JSON.stringify(done));
      assert.equal(done.blobsCopied + (done.resumed?.blobs ?? 0), 6, 'the config and 5 layers, each copied or reused once');
      if (into === 'store') {
        const fsck = JSON.parse((await balerInProcessOk(['fsck', '--store', root, '--json'], dir)).stdout) as { Ok: boolean };
        assert.equal(fsck.Ok, true);
      }
    });
  }

  for (const into of ['store', 'oci'] as const) {
    it(`an interrupted load without --resume takes back its blobs: a new ${into === 'store' ? 'store' : 'oci:DIR'} is gone, an existing one keeps exactly its files`, async () => {
      const fresh = join(dir, `${into}-plain-new`);
      const existing = join(dir, `${into}-plain-existing`);
      await balerInProcessOk(['load', '-q', '--store', existing, '-i', 'src.tar'], dir);
      await balerInProcessOk(['rm', '--store', existing, 'big:1'], dir); // its blobs stay, unreferenced: a plain load must not take them
      const before = await listFilesRecursive(existing);
      for (const root of [fresh, existing]) {
        const dest = into === 'store' ? ['--store', root] : ['--store', join(dir, 'unused'), '--into', `oci:${root}`];
        const r = await runInterrupted(['load', ...dest, '-i', 'src.tar'], dir, /^(Copied|Skipped) layer /, 2);
        assert.ok(r.interrupted, r.stderr);
        assert.equal(r.code, ExitCode.cancelled, r.stderr);
      }
      assert.equal(existsSync(fresh), false, `left behind: ${(await listFilesRecursive(fresh)).join(' ')}`);
      assert.deepEqual(await listFilesRecursive(existing), before);
    });
  }

  it('an interrupted load --resume --into docker-archive:FILE says, as save does, that it kept FILE.baler-partial; the rerun says it re-verifies it', async () => {
    await balerInProcessOk(['load', '--store', join(dir, 'unused'), '-i', 'src.tar', '--into', 'docker-archive:whole.tar'], dir);
    const args = ['load', '--store', join(dir, 'unused'), '--resume', '-i', 'src.tar', '--into', 'docker-archive:part.tar'];
    const r = await runInterrupted(args, dir, /^Copied layer /, 2);
    assert.ok(r.interrupted, r.stderr);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.match(r.stderr, /^baler: kept part\.tar\.baler-partial and its journal; run the same load with --resume to continue$/m, r.stderr);
    const again = await balerInProcessOk([...args, '--json'], dir);
    assert.match(again.stderr, /^baler: re-verifying the \S+ an interrupted load left in part\.tar\.baler-partial: \d+ complete blobs? to re-hash and keep; anything after them is written again$/m, again.stderr);
    assert.ok(((JSON.parse(again.stdout) as LoadJson).resumed?.blobs ?? 0) >= 1, again.stdout);
    assert.ok((await readFile(join(dir, 'part.tar'))).equals(await readFile(join(dir, 'whole.tar'))), 'the resumed archive differs from an uninterrupted load');
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('part.tar')), ['part.tar']);
  });

  it('prune removes blobs an interrupted load --resume left, and ignores a lease whose writer is gone', async () => {
    const root = join(dir, 'prune-dest');
    const r = await runInterrupted(['load', '--store', root, '--resume', '-i', 'src.tar'], dir, /^Copied layer /, 2);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    const kept = await blobFiles(root);
    assert.ok(kept.length >= 2);
    // what a SIGKILLed writer leaves: its lease, naming the blobs, under a pid that no longer runs
    const deadPid = 2 ** 22 + 1234;
    await writeFile(join(root, 'blobs', 'sha256', `.baler-tmp-${deadPid}-${ownerTag()}456789ab.lease`), kept.map((h) => `sha256:${h}\n`).join(''));
    await balerInProcessOk(['prune', '--store', root], dir);
    assert.deepEqual(await blobFiles(root), []);
    assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), []);
  });
});
