import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * baler's ISA-L addon (native/isal, an N-API module linked to libisal): gzip inflate (isal-gunzip.ts) and
 * Go's CRC-64 (transports/docker-root/crc64.ts), each several times faster than node's zlib or the
 * WebAssembly CRC-64 they replace. Optional: `npm ci` builds it where libisal-dev and a compiler are
 * (scripts/build-native.mjs), and everything falls back without it.
 */
export interface IsalAddon {
  gunzipCreate(digestOnly: boolean): object;
  gunzipReset(handle: object): void;
  /** output null: a digestOnly inflater inflates all it can into its own buffers and hashes them (made counts it) */
  gunzipInflate(
    handle: object,
    input: Buffer,
    output: Buffer | null,
    done: (code: number, inUsed: number, made: number, memberDone: boolean, crc: number, totalOut: number) => void,
  ): void;
  /** SHA-256 of all a digestOnly inflater inflated; once, after its last call. */
  gunzipDigest(handle: object): Buffer;
  /** CRC-64/GO-ISO of `data`, continuing from `previous` (0n to start). */
  crc64(data: Uint8Array, previous: bigint): bigint;
}

/**
 * Where the addon is built, relative to this module: every place it runs from (src/codecs, dist/codecs,
 * the bundles in dist/bundle) is two directories below the package root.
 */
const ADDON_PATH = fileURLToPath(new URL('../../native/isal/build/Release/baler_isal.node', import.meta.url));

let addon: IsalAddon | null | undefined;

/** The addon, or null when it was not built (no libisal-dev or compiler at install) or libisal is gone. */
export function isalAddon(): IsalAddon | null {
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as IsalAddon;
  } catch {
    addon = null;
  }
  return addon;
}

/** The addon's file, for a worker thread to load it too; undefined when it does not load here. */
export function isalAddonPath(): string | undefined {
  return isalAddon() ? ADDON_PATH : undefined;
}
