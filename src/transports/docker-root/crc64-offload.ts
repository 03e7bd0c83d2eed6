import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Crc64 } from './crc64.js';
import type { CrcReply } from './crc64-worker.js';

/** Bytes handed to the worker and not yet checksummed; the reader waits beyond this (bounded memory). */
const MAX_IN_FLIGHT = 32 * 1024 * 1024;

/** One file's running CRC-64, computed here or on the worker thread. */
export interface FileCrc {
  /** Adds a chunk; the chunk must not be changed afterwards (the worker may still be reading it). */
  update(chunk: Buffer): Promise<void>;
  /** The big-endian checksum of everything added. */
  digest(): Promise<Buffer>;
}

/**
 * Regenerating a layer costs a CRC-64 over every byte (as much CPU as the sha256 the pipeline computes),
 * so it runs on a worker thread when there is a second core. Each chunk is copied to the worker (a memcpy
 * is far cheaper than the CRC); shared memory would avoid it, but the worker then keeps every block alive
 * until its own rarely-running GC, and memory would grow with the layer instead of staying flat.
 */
class CrcOffload {
  private readonly worker: Worker;
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private readonly digests = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(workerSource(), { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: CrcReply) => {
      if ('done' in m) this.inFlight -= m.done;
      else {
        this.digests.get(m.id)?.resolve(Buffer.from(m.crc));
        this.digests.delete(m.id);
      }
      this.wake();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('the CRC-64 worker thread stopped')));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const d of this.digests.values()) d.reject(this.failure);
    this.digests.clear();
    this.inFlight = 0;
    this.wake();
  }

  /** Wakes readers waiting for room; keeps the process alive only while the worker owes answers. */
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
    if (this.inFlight === 0 && this.digests.size === 0) this.worker.unref();
  }

  file(): FileCrc {
    const id = this.nextId++;
    return {
      update: async (chunk) => {
        while (this.inFlight > MAX_IN_FLIGHT && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
        if (this.failure) throw this.failure;
        this.inFlight += chunk.length;
        this.worker.ref();
        this.worker.postMessage({ id, chunk });
      },
      digest: () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.digests.set(id, { resolve, reject });
          this.worker.ref();
          this.worker.postMessage({ id, end: true });
        }),
    };
  }
}

/** Worker code: loads crc64-worker (through tsx when running from sources, as the tests do). */
function workerSource(): string {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './crc64-worker.ts' : './crc64-worker.js', import.meta.url).href;
  const register = fromSources ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();` : '';
  return `(async () => { ${register} await import(${JSON.stringify(entry)}); })();`;
}

let offload: CrcOffload | null | undefined;

function sharedOffload(): CrcOffload | null {
  if (offload === undefined) {
    try {
      offload = availableParallelism() > 1 && process.env.BALER_CRC_THREAD !== '0' ? new CrcOffload() : null;
    } catch {
      offload = null; // no worker threads here: checksum on the main thread
    }
  }
  return offload;
}

/** A running CRC-64 for one file: on the worker thread when available, else here. */
export function fileCrc(): FileCrc {
  const o = sharedOffload();
  if (o) return o.file();
  const crc = new Crc64();
  return {
    update: async (chunk) => void crc.update(chunk),
    digest: async () => crc.digestBytes(),
  };
}

