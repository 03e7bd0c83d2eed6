import { Transform, type TransformCallback } from 'node:stream';

/** Bytes a decoder may run ahead of the (slower) hashing stage behind it. */
const AHEAD_BYTES = 1024 * 1024;

/**
 * Passes chunks on unchanged, each in a later macrotask (setImmediate), so whatever consumes them
 * synchronously (a SHA-256 stage) runs after the producer has started its next piece of work.
 *
 * Why: node's async zlib inflates on the libuv threadpool, but hands each output chunk to `push()`,
 * which calls the piped consumer synchronously, and only then queues the next inflate. With a hasher
 * right behind gunzip, inflating and hashing took turns on one core. With this hop in between, the
 * thread inflates chunk n+1 while the main thread hashes chunk n: on the 2-core bench machine a 212 MB
 * layer's gunzip+sha256 went from 0.67 s to 0.52 s wall (best of 6) for the same CPU when both cores were
 * free; with the cores busy there is nothing to overlap on, and it changes nothing.
 */
export class DeferredPassThrough extends Transform {
  constructor() {
    super({ highWaterMark: AHEAD_BYTES });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    setImmediate(() => cb(null, chunk));
  }
}
