import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { compressor, decompressor } from '../../../src/codecs/index.js';
import { MemberCompressor } from '../../../src/codecs/member-compressor.js';

/** Input with compressible and random stretches, cut at these offsets. */
const input = Buffer.concat([Buffer.alloc(70_000, 'a'), randomBytes(50_000), Buffer.alloc(3000, 'b'), randomBytes(10)]);
const CUTS = [70_000, 70_001, 120_000, 123_000];

/** Writes `input` in `chunk`-byte writes, asking for each cut right after the bytes before it (as the tar writer does). */
async function compressWithCuts(codec: 'gzip' | 'zstd', chunk: number, start = { in: 0, out: 0 }): Promise<{ out: Buffer; ends: number[] }> {
  const m = new MemberCompressor(() => compressor(codec), start);
  const collected = buffer(m);
  const ends: number[] = [];
  let at = 0;
  for (const cut of [...CUTS, input.length]) {
    while (at < cut) {
      const n = Math.min(chunk, cut - at);
      if (!m.write(input.subarray(at, at + n))) await new Promise((r) => m.once('drain', r));
      at += n;
    }
    if (cut < input.length) m.endMemberAt(start.in + cut, (outEnd) => ends.push(outEnd));
  }
  m.end();
  return { out: await collected, ends };
}

async function decode(codec: 'gzip' | 'zstd', bytes: Buffer): Promise<Buffer> {
  const d = decompressor(codec, 'test');
  const got = buffer(d);
  await pipeline(Readable.from([bytes]), d);
  return got;
}

describe('MemberCompressor', () => {
  for (const codec of ['gzip', 'zstd'] as const) {
    it(`${codec}: ends a member exactly at each cut; each decodes alone to its stretch, all together to the input`, async () => {
      const { out, ends } = await compressWithCuts(codec, 321);
      assert.equal(ends.length, CUTS.length);
      assert.ok((await decode(codec, out)).equals(input));
      let from = 0;
      let inFrom = 0;
      for (const [i, end] of [...ends, out.length].entries()) {
        const inTo = CUTS[i] ?? input.length;
        assert.ok((await decode(codec, out.subarray(from, end))).equals(input.subarray(inFrom, inTo)), `member ${i}`);
        from = end;
        inFrom = inTo;
      }
    });

    it(`${codec}: the bytes depend on the cuts, not on how the input was chunked`, async () => {
      const a = await compressWithCuts(codec, 321);
      const b = await compressWithCuts(codec, 64 * 1024);
      assert.ok(a.out.equals(b.out));
      assert.deepEqual(a.ends, b.ends);
    });
  }

  it('counts offsets from where a resumed output continues', async () => {
    const plain = await compressWithCuts('gzip', 4096);
    const shifted = await compressWithCuts('gzip', 4096, { in: 1000, out: 5000 });
    assert.ok(shifted.out.equals(plain.out));
    assert.deepEqual(shifted.ends, plain.ends.map((e) => e + 5000));
  });

  it('refuses a cut behind the input already taken', async () => {
    const m = new MemberCompressor(() => compressor('gzip'), { in: 0, out: 0 });
    m.resume();
    m.write(Buffer.alloc(100));
    m.endMemberAt(100, () => undefined);
    m.endMemberAt(50, () => undefined);
    await assert.rejects(new Promise((_, reject) => m.once('error', reject)), /member cut at 50 behind 100/);
  });
});
