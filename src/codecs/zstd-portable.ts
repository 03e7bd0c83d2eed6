import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';
import type { ZstdDecodeEngine } from './zstd-decoder.js';

/**
 * zstd-codec (emscripten/wasm) is the fallback for machines where the zstd-napi native addon did not
 * build. Its streaming bindings are used directly rather than its Transform classes, so baler controls
 * how much is decoded per step and frees the wasm objects when a stream ends.
 */
interface StreamBinding {
  begin(level?: number): boolean;
  transform(chunk: Uint8Array, push: (out: Uint8Array) => void): boolean;
  flush(push: (out: Uint8Array) => void): boolean;
  end(push: (out: Uint8Array) => void): boolean;
  delete(): void;
}
interface CodecModule {
  ZstdCompressStreamBinding: new () => StreamBinding;
  ZstdDecompressStreamBinding: new () => StreamBinding;
}

const require = createRequire(import.meta.url);
let ready: Promise<CodecModule> | undefined;

function loadCodec(): Promise<CodecModule> {
  ready ??= new Promise<CodecModule>((resolve, reject) => {
    try {
      const mod = require('zstd-codec/lib/module.js') as { run(f: (b: CodecModule) => void): void };
      // the emscripten module object is a thenable: resolving with it directly would never settle
      mod.run((m) => resolve({ ZstdCompressStreamBinding: m.ZstdCompressStreamBinding, ZstdDecompressStreamBinding: m.ZstdDecompressStreamBinding }));
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  return ready;
}

/**
 * zstd-codec decodes a whole input slice in one call, so output per call is slice × ratio. The slice
 * adapts to the ratio seen so far to keep each call near TARGET_OUTPUT: ordinary data gets 64 KiB
 * slices, a zstd bomb (ratios in the thousands) gets 256-byte ones.
 */
const TARGET_OUTPUT = 1024 * 1024;
const MIN_SLICE = 256;
const MAX_SLICE = 64 * 1024;
const STEP_INPUT = 32 * 1024;

export async function portableDecodeEngine(): Promise<ZstdDecodeEngine> {
  const codec = await loadCodec();
  const b = new codec.ZstdDecompressStreamBinding();
  b.begin();
  let disposed = false;
  let sliceSize = 1024;
  return {
    step(input) {
      const slice = input.subarray(0, sliceSize);
      const parts: Buffer[] = [];
      const ok = b.transform(slice, (out) => parts.push(Buffer.from(out)));
      if (!ok) throw new Error('zstd-codec could not decode the data');
      const output = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      const ratio = Math.max(1, output.length / slice.length);
      sliceSize = Math.max(MIN_SLICE, Math.min(MAX_SLICE, Math.floor(TARGET_OUTPUT / ratio)));
      return { output, consumed: slice.length, more: false };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      b.delete();
    },
  };
}

/** Single-threaded compressor; the wasm module loads on the first chunk so creation stays synchronous. */
export class PortableZstdCompressor extends Transform {
  private binding: StreamBinding | undefined;

  constructor(private readonly level: number) {
    super();
  }

  private withBinding(cb: TransformCallback, f: (b: StreamBinding) => void): void {
    if (this.binding) {
      f(this.binding);
      return;
    }
    loadCodec().then((codec) => {
      const b = new codec.ZstdCompressStreamBinding();
      b.begin(this.level);
      this.binding = b;
      f(b);
    }, cb);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.withBinding(cb, (b) => {
      for (let i = 0; i < chunk.length; i += STEP_INPUT) {
        if (!b.transform(chunk.subarray(i, i + STEP_INPUT), (out) => this.push(Buffer.from(out)))) {
          cb(new Error('zstd-codec compression failed'));
          return;
        }
      }
      cb();
    });
  }

  override _flush(cb: TransformCallback): void {
    this.withBinding(cb, (b) => {
      if (!b.end((out) => this.push(Buffer.from(out)))) {
        cb(new Error('zstd-codec compression failed'));
        return;
      }
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.binding?.delete();
    this.binding = undefined;
    cb(err);
  }
}
