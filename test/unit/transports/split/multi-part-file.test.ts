import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MultiPartFile } from '../../../../src/transports/split/multi-part-file.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('MultiPartFile', () => {
  it('reads any range across part boundaries as the concatenation would, in 321-byte reads too', async () => {
    const dir = await tmp.make();
    const sizes = [1000, 1, 4096, 0, 777];
    const bufs = sizes.map((n) => randomBytes(n));
    const parts = await Promise.all(
      bufs.map(async (b, i) => {
        const path = join(dir, `p.${String(i + 1).padStart(3, '0')}`);
        await writeFile(path, b);
        return { path, what: `p.${i + 1}`, size: b.length };
      }),
    );
    const whole = Buffer.concat(bufs);
    const f = new MultiPartFile(parts);
    try {
      assert.equal(f.size, whole.length);
      for (const [pos, len] of [[0, whole.length], [990, 20], [1000, 1], [1001, 4096], [5000, 100], [whole.length - 5, 50]] as const) {
        const buf = Buffer.alloc(len);
        const { bytesRead } = await f.read(buf, 0, len, pos);
        assert.deepEqual(buf.subarray(0, bytesRead), whole.subarray(pos, pos + len), `read ${pos}+${len}`);
        const streamed = await collect(f.openRange(pos, Math.min(len, whole.length - pos)));
        assert.deepEqual(streamed, whole.subarray(pos, pos + len), `range ${pos}+${len}`);
      }
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < whole.length; pos += 321) {
        const buf = Buffer.alloc(321);
        const { bytesRead } = await f.read(buf, 0, 321, pos);
        chunks.push(buf.subarray(0, bytesRead));
      }
      assert.deepEqual(Buffer.concat(chunks), whole);
      assert.deepEqual(await collect(f.openAll()), whole);
    } finally {
      await f.close();
    }
  });
});
