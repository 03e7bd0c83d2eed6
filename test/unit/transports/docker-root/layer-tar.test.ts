import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, afterEach, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { planLayerTar, regenerateLayerTar } from '../../../../src/transports/docker-root/layer-tar.js';
import { isalSkipReason } from '../../../helpers/isal.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { buildVfsRoot, type FixtureImage } from './store-fixture.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
const savedCrc64 = process.env.BALER_CRC64;
afterEach(() => {
  if (savedCrc64 === undefined) delete process.env.BALER_CRC64;
  else process.env.BALER_CRC64 = savedCrc64;
});

/** Reads the stream in full, or up to the first error; returns the bytes served before it. */
async function drain(s: Readable): Promise<{ bytes: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of s) chunks.push(c as Buffer);
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

/** Offset just past the content of entry `name` in a plain ustar archive. */
function contentEnd(tar: Buffer, name: string): number {
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    if (h.subarray(0, 100).toString('latin1').replace(/\0.*$/, '') === name) return off + 512 + size;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in the archive`);
}

/**
 * A big layer's files are CRC'd one by one: inline with ISA-L's CRC-64, on the worker thread with the
 * WebAssembly one. Either way a changed file fails the stream, named, before any byte after it is served.
 */
for (const [crc, env] of [
  ['ISA-L, inline', undefined],
  ['WebAssembly, on the worker thread', 'portable'],
] as const) {
  test(`a big layer checked file by file (${crc}): exact bytes; a changed file fails, named, before any byte after it is served`, { skip: env ? false : isalSkipReason() }, async () => {
    if (env) process.env.BALER_CRC64 = env;
    else delete process.env.BALER_CRC64;
    const big = Buffer.alloc(3 * 1024 * 1024 + 99);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const small = Array.from({ length: 60 }, (_, i) => ({ name: `s/${i}`, data: `file ${i}\n`.repeat(200 + i) }));
    const IMAGE: FixtureImage = {
      names: ['crc:1'],
      layers: [{ entries: [{ name: 's/', type: 'dir' }, ...small.slice(0, 30), { name: 'big1.bin', data: big }, ...small.slice(30), { name: 'big2.bin', data: big.subarray(7) }] }],
    };
    const root = await tmp.make('baler-layer-tar-');
    const [built] = await buildVfsRoot(root, [IMAGE]);
    const dir = built!.layerDirs[0]!;
    const tarSplit = join(root, 'image', 'vfs', 'layerdb', 'sha256', built!.chainIds[0]!.slice(7), 'tar-split.json.gz');
    const plan = await planLayerTar(tarSplit, dir);
    assert.ok(plan.size >= 4 * 1024 * 1024, 'big enough to be checked off the main thread without the addon');
    const whole = await drain(regenerateLayerTar(tarSplit, dir, 'layer', { size: plan.size }));
    assert.equal(whole.error, undefined);
    assert.deepEqual(whole.bytes, built!.layerTars[0]);

    const tar = built!.layerTars[0]!;
    for (const [name, content] of [
      ['s/40', Buffer.from(`file 40\n`.repeat(240).replace('4', 'X'))], // a small file after the first big one
      ['big1.bin', Buffer.from(big).fill(0, 100, 101)], // a big one, changed near its start
    ] as const) {
      await writeFile(join(dir, name), content); // same size: only the CRC-64 can tell
      const got = await drain(regenerateLayerTar(tarSplit, dir, 'layer', { size: plan.size }));
      assert.ok(got.error instanceof BalerError && got.error.code === 'E_DIGEST_MISMATCH' && got.error.message.includes(name) && got.error.message.includes('CRC-64'), String(got.error));
      // nothing past the changed file's content was served (a big file's first chunks may be: its check ends with it)
      assert.ok(got.bytes.length <= contentEnd(tar, name), `${name}: served ${got.bytes.length} bytes, its content ends at ${contentEnd(tar, name)}`);
      await writeFile(join(dir, name), name === 'big1.bin' ? big : `file 40\n`.repeat(240));
    }
  });
}
