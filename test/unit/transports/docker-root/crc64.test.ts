import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { Crc64, crc64, crc64Backend } from '../../../../src/transports/docker-root/crc64.js';
import { isalSkipReason } from '../../../helpers/isal.js';
import { referenceCrc64 } from './store-fixture.js';

const saved = process.env.BALER_CRC64;
afterEach(() => {
  if (saved === undefined) delete process.env.BALER_CRC64;
  else process.env.BALER_CRC64 = saved;
});

/** Every case runs on ISA-L's crc64_iso_refl (the addon) and on the WebAssembly loop. */
for (const [backend, env] of [
  ['isal', undefined],
  ['portable', 'portable'],
] as const) {
  describe(`CRC-64 (${backend})`, { skip: backend === 'isal' ? isalSkipReason() : false }, () => {
    const use = (): void => {
      if (env) process.env.BALER_CRC64 = env;
      else delete process.env.BALER_CRC64;
      assert.equal(crc64Backend(), backend);
    };

    test('CRC-64/GO-ISO check value of "123456789" is 0xb90956c775a41001', () => {
      use();
      assert.equal(crc64(Buffer.from('123456789')), 0xb90956c775a41001n);
    });

    test('empty input gives 0 (init and xorout cancel)', () => {
      use();
      assert.equal(crc64(Buffer.alloc(0)), 0n);
    });

    test('matches a bit-by-bit reference on odd lengths and every byte value', () => {
      use();
      const data = Buffer.alloc(4099);
      for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
      for (const n of [1, 7, 8, 9, 255, 256, 1000, 4099]) {
        assert.equal(crc64(data.subarray(0, n)), referenceCrc64(data.subarray(0, n)), `length ${n}`);
      }
    });

    test('incremental updates in 321-byte chunks equal one update; digest bytes are big-endian', () => {
      use();
      const data = Buffer.alloc(10_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
      const c = new Crc64();
      for (let o = 0; o < data.length; o += 321) c.update(data.subarray(o, o + 321));
      assert.equal(c.digestBigInt(), crc64(data));
      const be = Buffer.alloc(8);
      be.writeBigUInt64BE(crc64(data));
      assert.deepEqual(c.digestBytes(), be);
    });

    test('inputs longer than the 1 MiB bulk chunk, at an unaligned offset, with two checksums interleaved', () => {
      use();
      const backing = Buffer.alloc(2_500_003);
      for (let i = 0; i < backing.length; i++) backing[i] = (i * 2654435761) >>> 24;
      const data = backing.subarray(3); // not 4-byte aligned
      const whole = crc64(data);
      const a = new Crc64();
      const b = new Crc64();
      for (let o = 0; o < data.length; o += 100_003) {
        a.update(data.subarray(o, o + 100_003));
        b.update(data.subarray(o, o + 100_003).subarray(0, 17)); // a second state between a's updates
      }
      assert.equal(a.digestBigInt(), whole);
      const ref = new Crc64();
      for (let o = 0; o < data.length; o += 100_003) ref.update(data.subarray(o, o + 17));
      assert.equal(b.digestBigInt(), ref.digestBigInt());
      assert.equal(crc64(data.subarray(0, 4099)), referenceCrc64(data.subarray(0, 4099)));
    });
  });
}
