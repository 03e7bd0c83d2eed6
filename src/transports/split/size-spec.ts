import { BalerError } from '../../errors.js';

/** FAT32's largest file: 4 GiB - 1 byte. */
export const FAT32_MAX_FILE = 4 * 1024 ** 3 - 1;

const UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parts smaller than this would only make thousands of files by mistake (`--split 4` meaning 4G). */
export const MIN_PART_SIZE = 4096;

/**
 * `--split SIZE`: bytes (`1048576`), binary units with an optional fraction (`700M`, `1.5G`, `4GiB`,
 * `64k`), or `fat32` (4 GiB - 1). Units are powers of 1024, as split(1) and docker use them.
 */
export function parseSplitSize(spec: string): number {
  const s = spec.trim();
  if (s.toLowerCase() === 'fat32') return FAT32_MAX_FILE;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(s);
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  if (!m || unit === undefined) {
    throw new BalerError('E_USAGE', `--split ${JSON.stringify(spec)}: expected a size like 4G, 700M, 1.5G, a byte count, or fat32`);
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new BalerError('E_USAGE', `--split ${JSON.stringify(spec)}: too large a size`);
  if (bytes < MIN_PART_SIZE) throw new BalerError('E_USAGE', `--split ${JSON.stringify(spec)}: parts must be at least ${MIN_PART_SIZE} bytes`);
  return bytes;
}
