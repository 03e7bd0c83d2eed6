import type { LayerCompression } from '../model/media-types.js';

/** Every compression baler can recognise; only gzip, zstd and none can also be written. */
export type Compression = 'gzip' | 'zstd' | 'xz' | 'bzip2' | 'none';

/**
 * formats.md §0: decide compression by magic bytes, never by media type or file name alone. A zstd stream
 * may also open with a skippable frame (RFC 8878 §3.1.2, magic 0x184D2A50-5F little-endian): pzstd starts
 * every file with one, and `zstd -d` reads them; so those 16 magics count as zstd too (`mask` per byte).
 */
const magics: ReadonlyArray<{ name: Compression; magic: readonly number[]; mask?: readonly number[] }> = [
  { name: 'gzip', magic: [0x1f, 0x8b] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'zstd', magic: [0x50, 0x2a, 0x4d, 0x18], mask: [0xf0, 0xff, 0xff, 0xff] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
];

/** The longest magic; reading this many bytes is always enough for sniffCompression. */
export const SNIFF_BYTES = 6;

export function sniffCompression(head: Uint8Array): Compression {
  for (const { name, magic, mask } of magics) {
    if (head.length >= magic.length && magic.every((b, i) => (head[i]! & (mask?.[i] ?? 0xff)) === b)) return name;
  }
  return 'none';
}

/** A hint from the name only (`-o x.tar.gz`): what to write; readers still sniff. */
export function compressionFromFileName(name: string): LayerCompression | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.gz') || lower.endsWith('.tgz')) return 'gzip';
  if (lower.endsWith('.zst') || lower.endsWith('.tzst') || lower.endsWith('.zstd')) return 'zstd';
  return undefined;
}
