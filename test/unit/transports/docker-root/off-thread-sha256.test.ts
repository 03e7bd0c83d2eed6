import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { InlineSha256, OffThreadSha256 } from '../../../../src/transports/docker-root/off-thread-sha256.js';

const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Deterministic bytes that are not all alike (a wrong offset in the ring changes the digest). */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = ((i + seed) * 2654435761) >>> 24;
  return b;
}

async function feed(h: OffThreadSha256 | InlineSha256, data: Buffer, sizes: readonly number[]): Promise<void> {
  for (let at = 0, k = 0; at < data.length; k++) {
    const n = Math.min(sizes[k % sizes.length]!, data.length - at);
    const wait = h.update(data.subarray(at, at + n));
    if (wait) await wait;
    at += n;
  }
}

test('hashes on the worker what createHash computes, in tiny and ring-filling chunks alike', async () => {
  // 11 MiB through a 4 MiB ring: wraps around several times and waits for the worker when it is full
  const data = pattern(11 * 1024 * 1024 + 321, 7);
  for (const sizes of [[321], [1024 * 1024 + 17, 5, 3 * 1024 * 1024], [9 * 1024 * 1024]]) {
    const h = new OffThreadSha256();
    await feed(h, sizes[0] === 321 ? data.subarray(0, 300_000) : data, sizes);
    assert.equal(h.length, sizes[0] === 321 ? 300_000 : data.length);
    assert.equal(await h.digest(), sha(sizes[0] === 321 ? data.subarray(0, 300_000) : data), `chunks of ${sizes.join(',')}`);
  }
  const empty = new OffThreadSha256();
  assert.equal(await empty.digest(), sha(Buffer.alloc(0)));
  const inline = new InlineSha256();
  await feed(inline, data, [70_000]);
  assert.equal(await inline.digest(), sha(data));
});

test('several hashers share the worker without mixing their bytes; a dropped one leaves the others intact', async () => {
  const a = pattern(6 * 1024 * 1024, 1);
  const b = pattern(5 * 1024 * 1024 + 3, 2);
  const ha = new OffThreadSha256();
  const hb = new OffThreadSha256();
  const dropped = new OffThreadSha256();
  await Promise.all([feed(ha, a, [100_000]), feed(hb, b, [1024 * 1024]), feed(dropped, a, [4096]).then(() => dropped.dispose())]);
  assert.deepEqual(await Promise.all([ha.digest(), hb.digest()]), [sha(a), sha(b)]);
  dropped.dispose(); // twice is harmless
  // the worker does not keep the process alive: this test file ends on its own once the hashers are done
});
