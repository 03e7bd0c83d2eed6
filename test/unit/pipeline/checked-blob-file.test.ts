import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { hashThreadPays, sha256OfFdOffThread } from '../../../src/io/file-sha256-thread.js';
import { isVouchedFor } from '../../../src/io/hashing.js';
import type { Descriptor } from '../../../src/model/descriptor.js';
import type { Digest } from '../../../src/model/digest.js';
import { openCheckedBlobFile } from '../../../src/pipeline/checked-blob-file.js';
import type { ImageSource } from '../../../src/transports/types.js';
import { blobFileSource } from '../../helpers/blob-files.js';
import { runProcess } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const SIZE = 9 * 1024 * 1024 + 321; // above the off-thread threshold, not a multiple of the read size
const WHAT = 'store: img:1: layer 0';

function digestOf(b: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
}

/** A source offering only openBlobFile, over one real file; records every close(). */
function fileSource(path: string, closed: string[]): ImageSource {
  return blobFileSource(() => path, { closed: () => closed.push(path) });
}

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function failure(s: Readable): Promise<unknown> {
  try {
    await collect(s);
  } catch (err) {
    return err;
  }
  return assert.fail('the stream ended instead of failing');
}

describe('a blob file hashed on a worker thread', { skip: hashThreadPays() ? false : 'one core: blobs are hashed inline' }, () => {
  let dir = '';
  let bytes: Buffer;
  let good: Descriptor;
  before(async () => {
    dir = await tmp.make('baler-checked-file-');
    bytes = randomBytes(SIZE);
    good = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(bytes), size: SIZE };
  });

  /** A fresh copy of the bytes (optionally changed) with an old mtime, so any later write changes it. */
  async function blobFile(name: string, change?: (b: Buffer) => void): Promise<string> {
    const path = join(dir, name);
    const b = Buffer.from(bytes);
    change?.(b);
    await writeFile(path, b);
    await utimes(path, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    return path;
  }

  test('the worker hashes a file by its fd', async () => {
    const path = await blobFile('plain');
    const fh = await open(path, 'r');
    try {
      assert.deepEqual(await sha256OfFdOffThread(fh.fd).result, { digest: good.digest, size: SIZE });
    } finally {
      await fh.close();
    }
  });

  test('good bytes pass through unchanged, vouched for, and the file is closed at the end', async () => {
    const path = await blobFile('good');
    const closed: string[] = [];
    const s = await openCheckedBlobFile(fileSource(path, closed), good, WHAT);
    assert.ok(s);
    assert.equal(isVouchedFor(s, good.digest, good.size), true);
    assert.equal(digestOf(await collect(s)), good.digest);
    if (!s.closed) await new Promise((resolve) => s.once('close', resolve));
    assert.deepEqual(closed, [path]);
  });

  test('one wrong byte fails the stream before its end, naming the blob', async () => {
    const path = await blobFile('bad', (b) => {
      b[SIZE >> 1] = (b[SIZE >> 1] ?? 0) ^ 0x20;
    });
    const s = await openCheckedBlobFile(fileSource(path, []), good, WHAT);
    assert.ok(s);
    const err = await failure(s);
    assert.ok(err instanceof BalerError);
    assert.equal(err.code, 'E_DIGEST_MISMATCH');
    assert.match(err.message, new RegExp(`^${WHAT}: digest mismatch, expected ${good.digest}, got sha256:[0-9a-f]{64}$`));
  });

  test('a file written to while it is read fails, whichever thread saw the new bytes', async () => {
    const path = await blobFile('changing');
    const s = await openCheckedBlobFile(fileSource(path, []), good, WHAT);
    assert.ok(s);
    const first = await new Promise<Buffer>((resolve) => s.once('data', resolve));
    s.pause();
    assert.ok(first.length > 0);
    const fh = await open(path, 'r+');
    await fh.write(Buffer.from('changed'), 0, 7, SIZE - 100);
    await fh.close();
    s.resume();
    const err = await failure(s);
    assert.ok(err instanceof BalerError);
    assert.equal(err.code, 'E_DIGEST_MISMATCH');
    assert.equal(err.message, `${WHAT}: the blob file changed while it was read`);
  });

  test('destroyed half-way: the worker stops and the file is closed', async () => {
    const path = await blobFile('dropped');
    const closed: string[] = [];
    const s = await openCheckedBlobFile(fileSource(path, closed), good, WHAT);
    assert.ok(s);
    await new Promise((resolve) => s.once('data', resolve));
    s.on('error', () => undefined); // the pipeline's own listener, in a copy
    s.destroy(new BalerError('E_CANCELLED', 'interrupted'));
    await new Promise((resolve) => s.once('close', resolve));
    assert.deepEqual(closed, [path]);
  });

  test('a small blob, or a source without files, is left to the caller', async () => {
    const path = await blobFile('small');
    const small = { ...good, size: 1000 };
    assert.equal(await openCheckedBlobFile(fileSource(path, []), small, WHAT), undefined);
    assert.equal(await openCheckedBlobFile({} as ImageSource, good, WHAT), undefined);
  });

  test('the worker keeps no process alive: after a stopped and a finished hash the process exits on its own', async () => {
    const path = await blobFile('exit');
    // one hash stopped, one to its end, then nothing: the process must exit by itself
    const script = [
      `import { open } from 'node:fs/promises';`,
      `import { sha256OfFdOffThread } from ${JSON.stringify(new URL('../../../src/io/file-sha256-thread.ts', import.meta.url).href)};`,
      `const fh = await open(${JSON.stringify(path)}, 'r');`,
      `const stopped = sha256OfFdOffThread(fh.fd);`,
      `stopped.stop();`,
      `const outcome = await stopped.result.then(() => 'done', (e) => e.code);`,
      `const h = await sha256OfFdOffThread(fh.fd).result;`,
      `await fh.close();`,
      `console.log(outcome === 'done' || outcome === 'E_CANCELLED' ? 'ok' : outcome, h.digest);`,
    ].join('\n');
    const file = join(dir, 'exit.mts');
    await writeFile(file, script);
    // the kill is only a guard against hanging the suite: a leaked worker shows as exit 137
    const r = await runProcess(process.execPath, ['--import', import.meta.resolve('tsx'), file], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `ok ${good.digest}\n`);
  });

  test('workers started early (before any job) keep no process alive and hash as usual', async () => {
    const path = await blobFile('early');
    const thread = JSON.stringify(new URL('../../../src/io/file-sha256-thread.ts', import.meta.url).href);
    const idle = join(dir, 'early-idle.mts');
    await writeFile(idle, [`import { startHashWorkersEarly } from ${thread};`, `startHashWorkersEarly();`, `console.log('started');`].join('\n'));
    const used = join(dir, 'early-used.mts');
    await writeFile(
      used,
      [
        `import { open } from 'node:fs/promises';`,
        `import { startHashWorkersEarly, sha256OfFdOffThread } from ${thread};`,
        `startHashWorkersEarly();`,
        `const fh = await open(${JSON.stringify(path)}, 'r');`,
        `const h = await sha256OfFdOffThread(fh.fd).result;`,
        `await fh.close();`,
        `console.log(h.digest);`,
      ].join('\n'),
    );
    for (const [file, out] of [[idle, 'started'], [used, good.digest]] as const) {
      const r = await runProcess(process.execPath, ['--import', import.meta.resolve('tsx'), file], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${out}\n`);
    }
  });
});
