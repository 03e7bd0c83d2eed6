import { compressionFromFileName } from './detect.js';
import type { LayerCompression } from '../model/media-types.js';

/** Names that promise a codec baler does not write. */
const FOREIGN_SUFFIX = /\.(xz|txz|bz2|tbz2?|lz4|lzma|tlz|lz|z)$/i;

/**
 * Why an output name and a chosen codec cannot go together, as data: the CLI words it for its
 * --compress flag (cli/output-compression.ts), the TUI for its Compress field.
 */
export type CompressionConflict =
  /** The name says one codec, the user chose another. */
  | { readonly kind: 'name-says-other'; readonly name: string; readonly named: LayerCompression; readonly chosen: LayerCompression }
  /** The name says a codec baler does not write (`.xz`), and the user chose one it does. */
  | { readonly kind: 'foreign-name-chosen'; readonly name: string; readonly suffix: string; readonly chosen: LayerCompression }
  /** The name says a codec baler does not write, and nothing was chosen: the name alone would decide. */
  | { readonly kind: 'foreign-name'; readonly name: string; readonly suffix: string };

/**
 * How to compress an output file (save -o, load --into docker-archive:FILE, export -o, and the TUI's save
 * and export): the explicit choice if given, else what the name says (.gz/.tgz gzip, .zst zstd), else
 * none. A name and a codec that disagree would leave a file whose name lies about its content
 * (`x.tar.gz` holding zstd, `x.tar.xz` holding a plain tar), which the next tool that trusts the name
 * chokes on: a conflict, except with an explicit none.
 */
export function chooseOutputCompression(name: string | undefined, explicit: LayerCompression | undefined): { codec: LayerCompression } | { conflict: CompressionConflict } {
  if (name === undefined || name === '-') return { codec: explicit ?? 'none' };
  const hint = compressionFromFileName(name);
  const foreign = FOREIGN_SUFFIX.exec(name)?.[1];
  if (explicit !== undefined) {
    if (explicit !== 'none' && hint !== undefined && hint !== explicit) return { conflict: { kind: 'name-says-other', name, named: hint, chosen: explicit } };
    if (explicit !== 'none' && foreign !== undefined) return { conflict: { kind: 'foreign-name-chosen', name, suffix: foreign, chosen: explicit } };
    return { codec: explicit };
  }
  if (foreign !== undefined) return { conflict: { kind: 'foreign-name', name, suffix: foreign } };
  return { codec: hint ?? 'none' };
}
