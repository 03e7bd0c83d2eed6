import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BalerError } from '../errors.js';
import type { Digest } from '../model/digest.js';

/**
 * SHA-256 of an open file, computed on a worker thread that reads the SAME file descriptor by position
 * (threads share the fd table), while the main thread copies the file from that fd and only counts. On a
 * two-core machine hashing a 300 MB save on the main thread was its bottleneck. Two other designs cost
 * more than they saved: copying each chunk into shared memory for a worker to hash, and a worker that
 * reads, hashes and transfers each chunk to the main thread (more CPU, and peak RSS grew ~50 MB because
 * transferred memory is freed only by the main thread's garbage collector). Reading a page-cached file a
 * second time costs about a tenth of hashing it.
 *
 * The fd stays the caller's and MUST stay open until `result` settles (done, failed or stopped): a closed
 * fd number can be reused for another file while the worker still reads it. `result` settles only once
 * the worker no longer touches the fd.
 */

/** Bytes per positional read: few syscalls, and hashed while still in cache. */
const READ_BYTES = 1024 * 1024;

export interface FileHash {
  readonly digest: Digest;
  /** Bytes read until end of file. */
  readonly size: number;
}

export interface FileHashJob {
  /** Rejects with E_CANCELLED after stop(), E_IO when reading failed, E_INTERNAL when the worker died. */
  readonly result: Promise<FileHash>;
  /** Asks the worker to stop at its next chunk; `result` rejects once it has (unless it was done). */
  stop(): void;
}

type ToWorker = { id: number; fd: number; stop: Int32Array };
type FromWorker = { id: number; hex: string; size: number } | { id: number; stopped: true } | { id: number; error: string; code?: string };

/**
 * The worker's code, self-contained (CommonJS, as `eval` workers run), so no bundling step has to find a
 * file. Jobs run one after another; each checks its stop flag (shared memory, so it is seen while the
 * worker is busy and reads no messages) before every read.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(${READ_BYTES});
parentPort.on('message', ({ id, fd, stop }) => {
  const hash = createHash('sha256');
  let pos = 0;
  try {
    for (;;) {
      if (Atomics.load(stop, 0) !== 0) return parentPort.postMessage({ id, stopped: true });
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
    }
    parentPort.postMessage({ id, hex: hash.digest('hex'), size: pos });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message), code: err && err.code });
  }
});
`;

interface Pending {
  resolve(h: FileHash): void;
  reject(err: Error): void;
}

/** One worker and its queued jobs; it keeps the process alive only while a job is pending. */
class HashWorker {
  private worker: Worker | undefined;
  readonly pending = new Map<number, Pending>();

  post(m: ToWorker, p: Pending): void {
    const worker = this.started();
    if (this.pending.size === 0) worker.ref();
    this.pending.set(m.id, p);
    worker.postMessage(m);
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return p;
  }

  /** Starts the thread now, so its start-up overlaps the caller's other work. */
  boot(): void {
    this.started();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (m: FromWorker) => {
      const p = this.settle(m.id);
      if (!p) return;
      if ('hex' in m) p.resolve({ digest: `sha256:${m.hex}` as Digest, size: m.size });
      else if ('stopped' in m) p.reject(new BalerError('E_CANCELLED', 'hashing was stopped'));
      else p.reject(new BalerError(m.code === undefined ? 'E_INTERNAL' : 'E_IO', `${m.code === undefined ? 'Internal error: ' : ''}reading for the hash failed: ${m.error}`));
    });
    // a dead worker reads no fd any more: its jobs fail (the copy fails with them, nothing is published)
    const fail = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const jobs = [...this.pending.values()];
      this.pending.clear();
      for (const p of jobs) p.reject(new BalerError('E_INTERNAL', `Internal error: the hashing thread stopped (${err.message})`, { cause: err }));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

const workers: HashWorker[] = [];
let nextId = 1;

/** False on a single core: the worker would only add its start-up and a second read of every byte. */
export function hashThreadPays(): boolean {
  return availableParallelism() > 1;
}

/**
 * Workers for hashes that run AHEAD of the copy (pipeline/prehashed-blob-files.ts): one per core but the
 * main thread's, at least one, at most three. The main thread hashes too there (io/file-sha256-inline.ts):
 * it mostly waits for digests, and a worker costs ~65 ms of CPU to start.
 */
export function hashWorkersAhead(): number {
  return Math.min(3, Math.max(1, availableParallelism() - 1));
}

/** Workers for a hash that runs beside its copy: one per spare core, at most two. */
function workersBeside(): number {
  return Math.min(2, Math.max(1, availableParallelism() - 1));
}

/**
 * Starts `count` workers (by default those hashes ahead use: hashWorkersAhead) before any job is posted: a worker takes
 * ~40 ms to start, which otherwise lands on the first big blob's critical path. Idle workers keep no
 * process alive; on one core this does nothing.
 */
export function startHashWorkersEarly(count = hashWorkersAhead()): void {
  if (!hashThreadPays()) return;
  while (workers.length < count) workers.push(new HashWorker());
  for (const w of workers.slice(0, count)) w.boot();
}

/** Hash jobs posted and not yet settled, over all workers (a worker with none keeps no process alive). */
export function hashJobsPending(): number {
  return workers.reduce((n, w) => n + w.pending.size, 0);
}

/**
 * Starts hashing `fd` from offset 0 to its end on the least busy of the first `spread` workers (started on
 * first use). See the module comment for the fd.
 */
export function sha256OfFdOffThread(fd: number, spread = workersBeside()): FileHashJob {
  const id = nextId++;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const n = Math.max(1, spread);
  while (workers.length < n) workers.push(new HashWorker());
  const worker = workers.slice(0, n).reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  const result = new Promise<FileHash>((resolve, reject) => worker.post({ id, fd, stop }, { resolve, reject }));
  return { result, stop: () => Atomics.store(stop, 0, 1) };
}
