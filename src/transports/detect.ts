import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CompressedDataError } from '../codecs/index.js';
import { BalerError, fromSystemError } from '../errors.js';
import { openArchiveFile, type ArchiveFile, type OpenArchiveOptions } from './archive-file.js';
import { DockerArchiveSource } from './docker-archive/source.js';
import { dockerArchiveTransport } from './docker-archive/transport.js';
import { OciArchiveSource } from './oci-archive/source.js';
import { ociArchiveTransport } from './oci-archive/transport.js';
import { ociLayoutTransport } from './oci-layout/transport.js';
import type { RefContext } from './registry.js';
import type { ImageSource } from './types.js';

/**
 * The source for `load -i X`, decided by content rather than name (formats.md §0): a directory is an
 * OCI layout; a file or `-` (any outer gzip/zstd/xz/bzip2 wrapping) is a docker-archive when it has
 * manifest.json (Docker ≥25 hybrids included), an oci-archive when it has index.json + oci-layout.
 * Anything else: E_FORMAT "<file>: not a docker-archive or OCI archive"; gzip/zstd/xz/bzip2 data damaged
 * past a well-formed first header is its codec's own line instead ("<file>: truncated zstd data").
 */
export async function openInputSource(
  pathOrDash: string,
  ctx: RefContext,
  signal?: AbortSignal,
  /** Problems worked around while opening (a split set without its JSON). */
  onWarning?: (code: string, message: string) => void,
  /** A split set's part sha256s: checked first (default), or while the copy reads (archive-file.ts). */
  partHashes?: OpenArchiveOptions['partHashes'],
): Promise<ImageSource> {
  const what = pathOrDash === '-' ? 'stdin' : pathOrDash;
  const path = pathOrDash === '-' || isAbsolute(pathOrDash) ? pathOrDash : resolve(ctx.cwd, pathOrDash);
  if (path !== '-') {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      throw fromSystemError(err, what);
    }
    if (isDir) return ociLayoutTransport.parse(`oci:${path}`).openSource(signal ? { signal } : {});
  }
  let archive: ArchiveFile;
  try {
    archive = await openArchiveFile(path, what, { ...(signal ? { signal } : {}), ...(ctx.stdin ? { stdin: ctx.stdin } : {}), ...(onWarning ? { onWarning } : {}), ...(partHashes ? { partHashes } : {}) });
  } catch (err) {
    if (err instanceof BalerError && isAGuessGoneWrong(err)) throw notAnArchive(what, err);
    throw err;
  }
  try {
    switch (archive.kind()) {
      case 'docker-archive':
        return new DockerArchiveSource(dockerArchiveTransport.parse(`docker-archive:${path}`), archive);
      case 'oci-archive':
        return new OciArchiveSource(ociArchiveTransport.parse(`oci-archive:${path}`), archive);
      case 'unknown-tar':
        throw new BalerError('E_FORMAT', `${what}: not a docker-archive or OCI archive (a tar without manifest.json or index.json)`);
    }
  } catch (err) {
    await archive.close();
    throw err;
  }
}

/**
 * Whether opening failed on what the file was guessed to be rather than on damage to it. Compressed data
 * whose first header is well formed was recognised as such: its codec's own one line ("corrupt gzip data
 * (…)", zero padding after zstd) says what is wrong. Data whose very first header is not may just be a
 * file that happens to start with a magic number (a text beginning "BZh").
 */
function isAGuessGoneWrong(err: BalerError): boolean {
  if (err instanceof CompressedDataError) return err.badFirstHeader;
  return err.code === 'E_FORMAT';
}

function notAnArchive(what: string, err: BalerError): BalerError {
  const reason = err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message;
  return new BalerError('E_FORMAT', `${what}: not a docker-archive or OCI archive (${reason})`, { cause: err });
}
