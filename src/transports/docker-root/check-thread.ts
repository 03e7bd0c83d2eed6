import { Worker } from 'node:worker_threads';
import { BalerError } from '../../errors.js';
import { WASM_CHUNK, WASM_DATA, WASM_STATE, WASM_TABLES } from './crc64-wasm.js';

/**
 * A worker thread that checks layer bytes while the main thread reads files and hands bytes to the
 * writer (on a two-core machine both cores work: hashing or CRC'ing a 300 MB layer set was a third of the
 * main thread's time). It computes SHA-256 of whole streams (off-thread-sha256.ts) and CRC-64 of each
 * file (off-thread-crc64.ts).
 *
 * Bytes reach the worker through a ring of shared memory owned by each stream (RingChannel): the main
 * thread copies each chunk in (a memcpy, far cheaper than the check), posts the range, and the worker
 * checks it and acknowledges; only acknowledged space is reused, so memory stays bounded by RING_BYTES
 * per stream whatever the speeds. (Reading files straight into shared buffers would save the copy, but
 * shared memory is not reclaimed promptly by the garbage collector: a 300 MB save then peaked at 380 MB
 * RSS.) One worker serves every stream of the process, and keeps the process alive only while one is open.
 */

const RING_BYTES = 4 * 1024 * 1024;
/** Bytes gathered in the ring before they are posted: fewer, larger messages. */
const POST_BYTES = 512 * 1024;

/** Where a file ends in the stream of file bytes, and its expected CRC-64 as two 32-bit halves (high, low). */
type FileEnd = [end: number, hi: number, lo: number];

/** What a stream asks of the worker. */
export type CheckKind = { kind: 'sha256' } | { kind: 'crc64'; module: object; tables: Uint8Array };

type ToWorker =
  | ({ op: 'open'; id: number; ring: SharedArrayBuffer } & CheckKind)
  | { op: 'update'; id: number; from: number; to: number; ends?: FileEnd[] }
  | { op: 'digest'; id: number }
  | { op: 'drop'; id: number };
type FromWorker = { id: number; acked: number } | { id: number; digest: string } | { id: number; bad: number };

/**
 * The worker's code, self-contained (CommonJS, as `eval` workers run), so no bundling step has to find a
 * file. CRC-64 runs the same WebAssembly module as crc64.ts (posted compiled, with its tables); an update
 * lists the files ending in its range with their expected CRCs, and a mismatch is reported by the file's
 * end position.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const open = new Map();
let wasm;
function crcFold(s, bytes) {
  wasm.view.setInt32(${WASM_STATE}, s.lo, true);
  wasm.view.setInt32(${WASM_STATE + 4}, s.hi, true);
  for (let off = 0; off < bytes.length; off += ${WASM_CHUNK}) {
    const part = bytes.subarray(off, off + ${WASM_CHUNK});
    wasm.memory.set(part, ${WASM_DATA});
    wasm.update(part.length);
  }
  s.lo = wasm.view.getInt32(${WASM_STATE}, true);
  s.hi = wasm.view.getInt32(${WASM_STATE + 4}, true);
}
parentPort.on('message', (m) => {
  if (m.op === 'open') {
    const s = { ring: new Uint8Array(m.ring), kind: m.kind, lo: -1, hi: -1 };
    if (m.kind === 'sha256') s.hash = createHash('sha256');
    else if (!wasm) {
      const { exports } = new WebAssembly.Instance(m.module);
      wasm = { update: exports.update, memory: new Uint8Array(exports.memory.buffer), view: new DataView(exports.memory.buffer) };
      wasm.memory.set(m.tables, ${WASM_TABLES});
    }
    open.set(m.id, s);
    return;
  }
  const s = open.get(m.id);
  if (m.op === 'drop') { open.delete(m.id); return; }
  if (!s) return;
  if (m.op === 'update') {
    const size = s.ring.length;
    let at = m.from;
    const fold = (to) => {
      while (at < to) {
        const off = at % size;
        const n = Math.min(to - at, size - off);
        const bytes = s.ring.subarray(off, off + n);
        if (s.hash) s.hash.update(bytes); else crcFold(s, bytes);
        at += n;
      }
    };
    for (const [end, hi, lo] of m.ends ?? []) {
      fold(end);
      if ((~s.hi >>> 0) !== hi || (~s.lo >>> 0) !== lo) parentPort.postMessage({ id: m.id, bad: end });
      s.lo = -1;
      s.hi = -1;
    }
    fold(m.to);
    parentPort.postMessage({ id: m.id, acked: m.to });
  } else if (m.op === 'digest') {
    open.delete(m.id);
    parentPort.postMessage({ id: m.id, digest: s.hash.digest('hex') });
  }
});
`;

interface Listener {
  onAck(acked: number): void;
  onDigest(hex: string): void;
  onBad(end: number): void;
  onFail(err: Error): void;
}

/** The process-wide worker, started on first use, referenced only while streams are open. */
class CheckThread {
  private worker: Worker | undefined;
  private readonly streams = new Map<number, Listener>();
  private nextId = 1;

  open(ring: SharedArrayBuffer, kind: CheckKind, l: Listener): number {
    const id = this.nextId++;
    const worker = this.started();
    if (this.streams.size === 0) worker.ref();
    this.streams.set(id, l);
    this.post({ op: 'open', id, ring, ...kind });
    return id;
  }

  post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  close(id: number): void {
    if (!this.streams.delete(id)) return;
    if (this.streams.size === 0) this.worker?.unref();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (m: FromWorker) => {
      const l = this.streams.get(m.id);
      if (!l) return;
      if ('digest' in m) l.onDigest(m.digest);
      else if ('bad' in m) l.onBad(m.bad);
      else l.onAck(m.acked);
    });
    const fail = (err: Error): void => {
      this.worker = undefined;
      const streams = [...this.streams.values()];
      this.streams.clear();
      for (const l of streams) l.onFail(new BalerError('E_INTERNAL', `Internal error: the checking thread stopped (${err.message})`, { cause: err }));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(new Error(`exit code ${code}`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

let thread: CheckThread | undefined;

/**
 * One stream's ring and its bookkeeping. Positions are monotonic byte counts: copied into the ring
 * (`written`), posted to the worker, checked by it (`acked`).
 */
export class RingChannel {
  private readonly ring = new SharedArrayBuffer(RING_BYTES);
  private readonly bytes = new Uint8Array(this.ring);
  private readonly id: number;
  written = 0;
  private posted = 0;
  acked = 0;
  failure: Error | undefined;
  closed = false;
  private waiters: Array<() => boolean> = [];
  /** File ends written but not yet posted. */
  private ends: FileEnd[] = [];

  constructor(kind: CheckKind, private readonly on: { digest?: (hex: string) => void; bad?: (end: number) => void; fail?: (err: Error) => void } = {}) {
    thread ??= new CheckThread();
    this.id = thread.open(this.ring, kind, {
      onAck: (n) => {
        this.acked = n;
        this.wake();
      },
      onDigest: (hex) => {
        this.closed = true;
        this.on.digest?.(hex);
      },
      onBad: (end) => this.on.bad?.(end),
      onFail: (err) => {
        this.failure = err;
        this.closed = true;
        this.wake();
        this.on.fail?.(err);
      },
    });
  }

  /**
   * Copies `data` in; `crc` (the expected CRC-64 as two 32-bit halves) marks the end of a file. Returns a
   * promise only when the ring is full and the caller must wait for the worker (await it before the next
   * call), so the common case costs no promise. Posts every POST_BYTES, and whenever someone waits.
   */
  write(data: Uint8Array, crc?: [number, number]): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    let from = 0;
    while (from < data.length) {
      const free = RING_BYTES - (this.written - this.acked);
      if (free === 0) return this.until(this.acked + 1).then(() => this.write(data.subarray(from), crc));
      const off = this.written % RING_BYTES;
      const n = Math.min(data.length - from, free, RING_BYTES - off);
      this.bytes.set(data.subarray(from, from + n), off);
      this.written += n;
      from += n;
      if (this.written - this.posted >= POST_BYTES) this.post();
    }
    if (crc) this.ends.push([this.written, crc[0], crc[1]]);
    return undefined;
  }

  /** Posts what was written and not yet posted, with the file ends in it. */
  post(): void {
    if ((this.posted === this.written && this.ends.length === 0) || this.closed) return;
    const m: ToWorker = { op: 'update', id: this.id, from: this.posted, to: this.written };
    if (this.ends.length > 0) m.ends = this.ends;
    thread?.post(m);
    this.ends = [];
    this.posted = this.written;
  }

  /** Resolves once the worker has checked everything up to `position` (posting it first). */
  until(position: number): Promise<void> {
    if (this.posted < position || this.ends.length > 0) this.post();
    return new Promise<void>((resolve, reject) => {
      const settle = (): boolean => {
        if (this.failure) reject(this.failure);
        else if (this.acked >= position) resolve();
        else if (this.closed) reject(new BalerError('E_CANCELLED', 'checking was stopped'));
        else return false;
        return true;
      };
      if (!settle()) this.waiters.push(settle);
    });
  }

  askDigest(): void {
    this.post();
    thread?.post({ op: 'digest', id: this.id });
  }

  /** Forgets the stream (a failed, abandoned or finished one); safe to call more than once. */
  dispose(): void {
    if (!this.closed) {
      this.closed = true;
      thread?.post({ op: 'drop', id: this.id });
    }
    thread?.close(this.id);
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length > 0) this.waiters = this.waiters.filter((settle) => !settle());
  }
}
