import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { decodeNameBytes, encodeNameBytes, nameByteLength } from '../../../src/tar/name-bytes.js';
import { readTarEntries } from '../../../src/tar/read.js';
import { TarWriter } from '../../../src/tar/write.js';

/** Deterministic byte strings biased towards UTF-8 lead and continuation bytes. */
function samples(n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const h = createHash('sha256').update(`name:${i}`).digest();
    const pick = [0x61, 0x2f, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xed, 0xa0, 0x80, 0xc0];
    out.push(Buffer.from([...h].slice(0, 1 + (h[0] as number) % 31).map((b) => pick[b % pick.length] as number)));
  }
  return out;
}

async function roundTrip(name: string): Promise<{ bytes: Buffer; readName: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(out);
  await w.add({ name, type: 'file', size: 1, mode: 0o644, uid: 0, gid: 0, mtime: 0 }, Buffer.from('x'));
  await w.finish();
  const bytes = Buffer.concat(chunks);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 321) parts.push(bytes.subarray(i, i + 321));
  let readName = '';
  for await (const e of readTarEntries(Readable.from(parts), 'test')) readName = e.header.name;
  return { bytes, readName };
}

describe('name bytes (surrogate escapes for non-UTF-8 names)', () => {
  test('any bytes survive decode → encode unchanged; valid UTF-8 decodes as usual', () => {
    for (const b of samples(2000)) {
      const s = decodeNameBytes(b);
      assert.deepEqual(encodeNameBytes(s), b, b.toString('hex'));
      assert.equal(nameByteLength(s), b.length);
      if (Buffer.from(b.toString('utf8'), 'utf8').equals(b)) assert.equal(s, b.toString('utf8'));
    }
  });

  test('0xff in a ustar name and in a PAX path is written back as the same byte', async () => {
    const short = decodeNameBytes(Buffer.from([0x64, 0x2f, 0xff]));
    const r1 = await roundTrip(short);
    assert.equal(r1.readName, short);
    assert.deepEqual([...r1.bytes.subarray(0, 4)], [0x64, 0x2f, 0xff, 0]);
    const long = decodeNameBytes(Buffer.concat([Buffer.from('y'.repeat(300)), Buffer.from([0xfe, 0x2e, 0x78])]));
    const r2 = await roundTrip(long);
    assert.equal(r2.readName, long);
    assert.ok(r2.bytes.includes(Buffer.concat([Buffer.from(' path='), Buffer.from('y'.repeat(300)), Buffer.from([0xfe, 0x2e, 0x78, 0x0a])])));
  });
});
