import type { Digest } from '../../model/digest.js';
import { hexOf } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { fullName, parseImageName, repositoryOf } from '../../model/image-name.js';

/**
 * Does `want` (a name as the user typed it, `imga`, `imga:1`, `docker.io/library/imga:1`, or an image
 * ID, full or a prefix of at least 4 hex digits, with or without `sha256:`) pick this image? Pure.
 */
export function imageMatches(want: string, id: Digest, names: readonly ImageName[]): boolean {
  const hex = want.startsWith('sha256:') ? want.slice('sha256:'.length) : want;
  if (/^[0-9a-f]{4,64}$/.test(hex) && hexOf(id).startsWith(hex)) return true;
  let parsed: ImageName;
  try {
    parsed = parseImageName(want, { defaultTag: 'latest' });
  } catch {
    return false;
  }
  const wanted = fullName(parsed);
  return names.some((n) => fullName(n) === wanted);
}

/**
 * Does `want` as `save` reads it pick this image? Like imageMatches, but a repository without a tag
 * means every tag of it (`save debian` saves debian:12 and debian:13). Pure.
 */
export function selectionMatches(want: string, id: Digest, names: readonly ImageName[]): boolean {
  if (imageMatches(want, id, names)) return true;
  let parsed: ImageName;
  try {
    parsed = parseImageName(want);
  } catch {
    return false;
  }
  return parsed.tag === undefined && parsed.digest === undefined && names.some((n) => repositoryOf(n) === repositoryOf(parsed));
}
