import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { crc32, crc32Portable } from '../../../src/codecs/crc32.js';

test('CRC-32: the check value, continuation across chunks, and the gzip trailer agree for both versions', () => {
  const check = Buffer.from('123456789');
  for (const f of [crc32, crc32Portable]) {
    assert.equal(f(check), 0xcbf43926);
    assert.equal(f(new Uint8Array(0)), 0);
    const data = randomBytes(70_000);
    const whole = f(data);
    assert.equal(f(data.subarray(321), f(data.subarray(0, 321))), whole);
    const gz = gzipSync(data);
    assert.equal(gz.readUInt32LE(gz.length - 8), whole, 'what gzip writes in its trailer');
  }
});
