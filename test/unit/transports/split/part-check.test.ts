import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { MultiPartFile } from '../../../../src/transports/split/multi-part-file.js';
import { PartCheck, type ExpectedPart } from '../../../../src/transports/split/part-check.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Parts of the given sizes (random bytes), expected as their true sha256s. */
function partsOf(sizes: readonly number[]): { bufs: Buffer[]; whole: Buffer; expected: ExpectedPart[] } {
  const bufs = sizes.map((n) => randomBytes(n));
  return { bufs, whole: Buffer.concat(bufs), expected: bufs.map((b, i) => ({ what: `set.tar.00${i + 1}`, size: b.length, sha256: sha256(b) })) };
}

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('PartCheck', () => {
  it('hashes bytes offered in order in 321-byte chunks, ignoring repeats and reads ahead of the cursor', () => {
    const { whole, expected } = partsOf([1000, 0, 4096, 777]);
    const check = new PartCheck(expected);
    check.offer(2000, whole.subarray(2000, 2500)); // ahead: not hashed
    assert.equal(check.hashedTo, 0);
    for (let at = 0; at < whole.length; at += 321) {
      check.offer(at, whole.subarray(at, at + 321));
      check.offer(Math.max(0, at - 100), whole.subarray(Math.max(0, at - 100), at + 10)); // overlaps what is hashed
    }
    assert.equal(check.hashedTo, whole.length);
    assert.equal(check.failure, undefined);
  });

  it('a changed byte fails its part with both digests, once the cursor passes its end', () => {
    const { whole, expected } = partsOf([1000, 1000, 1000]);
    const bad = Buffer.from(whole);
    bad[1500] = (bad[1500] as number) ^ 1;
    const check = new PartCheck(expected);
    check.offer(0, bad.subarray(0, 1999)); // part 2 not complete yet
    assert.equal(check.failure, undefined);
    assert.throws(
      () => check.offer(1999, bad.subarray(1999, 2600)),
      (err: unknown) =>
        err instanceof BalerError &&
        err.code === 'E_DIGEST_MISMATCH' &&
        err.message === `part 2 of 3 (set.tar.002) is corrupt: sha256 ${sha256(bad.subarray(1000, 2000))}, expected ${expected[1]?.sha256}`,
    );
    check.offer(2600, bad.subarray(2600)); // part 3 is fine: no second error, the first stays
    assert.equal(check.hashedTo, 3000);
    assert.match((check.failure as Error | undefined)?.message ?? '', /^part 2 of 3 /); // the assert above narrowed it
  });

  it('a reader ahead of the cursor waits while another reader moves it, and not when none does', async () => {
    const { whole, expected } = partsOf([4096, 4096]);
    const check = new PartCheck(expected);
    const ahead = check.track(5000, 6000);
    await check.waitFor(ahead.reader); // nobody is at the cursor: no wait
    const first = check.track(0, 5000);
    let waited = false;
    const waiting = check.waitFor(ahead.reader).then(() => (waited = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(waited, false, 'waits while the first reader is at the cursor');
    for (let at = 0; at < 5000; at += 321) {
      check.offer(at, whole.subarray(at, Math.min(at + 321, 5000)));
      first.reader.at = Math.min(at + 321, 5000);
    }
    await waiting;
    assert.equal(check.hashedTo, 5000);
    first.done();
    ahead.done();
  });
});

describe('MultiPartFile with a PartCheck (load of a split set: read once, checked while read)', () => {
  async function setOn(sizes: readonly number[], damage?: number): Promise<{ file: MultiPartFile; whole: Buffer }> {
    const dir = await tmp.make();
    const { bufs, whole, expected } = partsOf(sizes);
    const parts = await Promise.all(
      bufs.map(async (b, i) => {
        const path = join(dir, `set.tar.00${i + 1}`);
        const bytes = Buffer.from(b);
        const start = sizes.slice(0, i).reduce((a, n) => a + n, 0);
        if (damage !== undefined && damage >= start && damage < start + b.length) bytes[damage - start] = (bytes[damage - start] as number) ^ 0xff;
        await writeFile(path, bytes);
        return { path, what: `set.tar.00${i + 1}`, size: b.length };
      }),
    );
    return { file: new MultiPartFile(parts, new PartCheck(expected)), whole };
  }

  it('members streamed in parallel, out of order, and small positioned reads: exact bytes, and the set confirms', async () => {
    const { file, whole } = await setOn([3000, 5000, 2500]);
    try {
      const head = Buffer.alloc(512);
      await file.read(head, 0, 512, 0);
      const ranges = [[6000, 4000], [600, 2000], [2700, 3000]] as const;
      const got = await Promise.all(ranges.map(([pos, len]) => collect(file.openRange(pos, len))));
      for (const [i, [pos, len]] of ranges.entries()) assert.deepEqual(got[i], whole.subarray(pos, pos + len));
      await file.confirmIntact();
    } finally {
      await file.close();
    }
  });

  it('a damaged byte a member never reads is still found before the load may commit', async () => {
    const { file } = await setOn([3000, 5000, 2500], 4000);
    try {
      await collect(file.openRange(0, 1000));
      await assert.rejects(file.confirmIntact(), /^BalerError: part 2 of 3 \(set\.tar\.002\) is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/);
    } finally {
      await file.close();
    }
  });

  it('explainFailure: a failure caused by a damaged part reports the part; an intact set keeps the error', async () => {
    const damaged = await setOn([3000, 5000, 2500], 7000);
    const intact = await setOn([3000, 5000, 2500]);
    try {
      const disk = new BalerError('E_IO', 'store: no space left on device');
      assert.equal(await damaged.file.explainFailure(disk), disk, 'a destination failure is reported as it is');
      const parse = new BalerError('E_FORMAT', 'x.tar: bad tar header checksum');
      const reported = await damaged.file.explainFailure(parse);
      assert.ok(reported instanceof BalerError);
      assert.match(reported.message, /^part 2 of 3 \(set\.tar\.002\) is corrupt: /);
      assert.equal(reported.cause, parse);
      assert.equal(await intact.file.explainFailure(parse), parse);
      const cancelled = new BalerError('E_CANCELLED', 'x: cancelled');
      assert.equal(await damaged.file.explainFailure(cancelled), cancelled, 'a cancel is never turned into a check');
    } finally {
      await damaged.file.close();
      await intact.file.close();
    }
  });
});
