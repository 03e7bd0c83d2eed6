import { compressionFromFileName } from './detect.js';
import { BalerError } from '../errors.js';
import type { LayerCompression } from '../model/media-types.js';

/** Names that promise a codec baler does not write. */
const FOREIGN_SUFFIX = /\.(xz|txz|bz2|tbz2?|lz4|lzma|tlz|lz|z)$/i;

/**
 * How to compress an output file (save -o, load --into docker-archive:FILE, export -o, and the TUI's save
 * and export): --compress if given,
 * else what the name says (.gz/.tgz gzip, .zst zstd), else none. A name and a codec that disagree would
 * leave a file whose name lies about its content (`x.tar.gz` holding zstd, `x.tar.xz` holding a plain tar),
 * which the next tool that trusts the name chokes on: refused, except with an explicit --compress none.
 */
export function outputCompression(verb: string, name: string | undefined, explicit: LayerCompression | undefined, o: { hasCompressFlag?: boolean } = {}): LayerCompression {
  if (name === undefined || name === '-') return explicit ?? 'none';
  const hint = compressionFromFileName(name);
  const foreign = FOREIGN_SUFFIX.exec(name)?.[1];
  if (explicit !== undefined) {
    if (explicit !== 'none' && hint !== undefined && hint !== explicit) {
      throw new BalerError('E_USAGE', `${verb}: ${name} is named for ${hint}, but --compress ${explicit} was given; rename it or drop --compress`);
    }
    if (explicit !== 'none' && foreign !== undefined) {
      throw new BalerError('E_USAGE', `${verb}: ${name} is named for .${foreign}, but --compress ${explicit} was given; rename it`);
    }
    return explicit;
  }
  if (foreign !== undefined) {
    // `load --into` has no --compress: the name is the only way to choose there
    const plain = o.hasCompressFlag === false ? '' : ', or give --compress none for a plain tar under this name';
    throw new BalerError('E_USAGE', `${verb}: ${name}: baler writes gzip (.gz) or zstd (.zst), not .${foreign}; rename it${plain}`);
  }
  return hint ?? 'none';
}
