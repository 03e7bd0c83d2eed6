import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Duplex, Transform } from 'node:stream';
import type * as ZstdNapi from 'zstd-napi';
import type * as ZstdNapiBinding from 'zstd-napi/binding.js';
import { ZstdDecoder, type ZstdDecodeEngine } from './zstd-decoder.js';
import { PortableZstdCompressor, portableDecodeEngine } from './zstd-portable.js';

/**
 * Why two zstd implementations: zstd-napi (native libzstd, multithreaded compression) is the one to use;
 * zstd-codec (wasm) is only the fallback for hosts where the optional native addon did not build, or
 * when BALER_ZSTD=portable. zstd-codec is single-threaded and several times slower, and its one-shot
 * API aborts with "abort(OOM)" already on a 64 MB buffer (checked with zstd-codec 0.1.5), so only its
 * streaming bindings are used (zstd-portable.ts).
 *
 * Measured with scripts/bench-zstd.ts (200 MB of /usr/lib as tar, level 3, 2 shared CPUs, 2026-11-23):
 *   native (zstd-napi, 2 workers)   compress  66 MB/s   decompress 308 MB/s   ratio 2.60
 *   portable (zstd-codec wasm)      compress  23 MB/s   decompress  65 MB/s   ratio 2.56
 *   `zstd -T0` program (via pipes)  compress  52 MB/s   decompress 143 MB/s   ratio 2.58
 * i.e. the fallback is ~3x slower to compress and ~5x slower to decompress.
 *
 * Determinism: libzstd produces the same bytes for any nbWorkers >= 1, but different bytes for 0
 * (single-threaded mode). Compression therefore always runs with at least one worker, so a layer
 * compressed on a 1-core laptop and on a 64-core server gets the same digest. The portable fallback
 * cannot promise that; layers it writes are still valid zstd.
 */
export type ZstdBackend = 'native' | 'portable';

const require = createRequire(import.meta.url);
let nativeModule: { api: typeof ZstdNapi; binding: typeof ZstdNapiBinding } | null | undefined;

function loadNative(): { api: typeof ZstdNapi; binding: typeof ZstdNapiBinding } | null {
  if (nativeModule !== undefined) return nativeModule;
  try {
    nativeModule = {
      api: require('zstd-napi') as typeof ZstdNapi,
      binding: require('zstd-napi/binding.js') as typeof ZstdNapiBinding,
    };
  } catch {
    nativeModule = null;
  }
  return nativeModule;
}

/** Which implementation zstd streams use now (BALER_ZSTD=portable forces the fallback). */
export function zstdBackend(): ZstdBackend {
  if (process.env.BALER_ZSTD === 'portable') return 'portable';
  return loadNative() ? 'native' : 'portable';
}

export const ZSTD_DEFAULT_LEVEL = 3;

function workerCount(): number {
  const fromEnv = Number(process.env.BALER_ZSTD_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export interface ZstdCompressorOptions {
  /**
   * Bytes of input per multithreaded job (libzstd jobSize). Unset: libzstd's default, 4× the window
   * (8 MiB at levels 3-7). Smaller jobs hold less memory (libzstd keeps about nbWorkers+2 jobs of
   * input and output) and let workers start sooner; they change the compressed bytes (not the content),
   * so layer compression leaves it unset to keep its digests as they were. Applied only up to level 7,
   * whose window (2 MiB) fits in a small job; bigger windows keep the default.
   */
  smallJobs?: boolean;
}

/** Job size for `smallJobs`: measured on the 262 MB bench rootfs, peak RSS 165 → 127 MB, same CPU, output +0.03%. */
const SMALL_JOB_BYTES = 2 * 1024 * 1024;
const SMALL_JOB_MAX_LEVEL = 7;

export function zstdCompressor(level?: number, o: ZstdCompressorOptions = {}): Transform {
  const lvl = level ?? ZSTD_DEFAULT_LEVEL;
  const native = zstdBackend() === 'native' ? loadNative() : null;
  if (!native) return new PortableZstdCompressor(lvl);
  const { upperBound } = native.binding.cParamGetBounds(native.binding.CParameter.nbWorkers);
  const nbWorkers = upperBound > 0 ? Math.min(workerCount(), upperBound) : 0;
  const jobSize = o.smallJobs && nbWorkers > 0 && lvl <= SMALL_JOB_MAX_LEVEL ? { jobSize: SMALL_JOB_BYTES } : {};
  return new native.api.CompressStream({ compressionLevel: lvl, checksumFlag: true, nbWorkers, ...jobSize });
}

function nativeDecodeEngine(binding: typeof ZstdNapiBinding): ZstdDecodeEngine {
  const dctx = new binding.DCtx();
  const outSize = binding.dStreamOutSize();
  return {
    step(input) {
      const out = Buffer.allocUnsafe(outSize);
      const [, produced, consumed] = dctx.decompressStream(out, input);
      return { output: produced > 0 ? out.subarray(0, produced) : undefined, consumed, more: produced === out.length };
    },
    dispose() {
      // the DCtx is freed by its finalizer; nothing is held open
    },
  };
}

export function zstdDecompressor(what: string): Duplex {
  const native = zstdBackend() === 'native' ? loadNative() : null;
  return new ZstdDecoder(native ? () => nativeDecodeEngine(native.binding) : portableDecodeEngine, what);
}
