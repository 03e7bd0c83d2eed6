import { BalerError } from '../errors.js';
import type { Digest } from './digest.js';
import { isDigest } from './digest.js';

/**
 * A docker-style image reference, normalised the way distribution/reference does:
 * `imga:1` is `docker.io/library/imga:1`; a first component with `.` or `:` or `localhost` is a registry.
 */
export interface ImageName {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;
export const DEFAULT_DOMAIN = 'docker.io';

export function parseImageName(input: string, opts: { defaultTag?: string } = {}): ImageName {
  const bad = (why: string): never => {
    throw new BalerError('E_USAGE', `invalid image name ${JSON.stringify(input)}: ${why}`);
  };
  if (input.length === 0) bad('empty');
  if (input.length > 255 + 136) bad('too long');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad('bad digest');
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`bad tag ${JSON.stringify(tag)}`);
  }
  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) bad(`bad registry ${JSON.stringify(first)}`);
    domain = first;
    parts.shift();
  }
  if (parts.length === 0) bad('no repository');
  for (const p of parts) {
    if (p !== p.toLowerCase()) bad('repository name must be lowercase');
    if (!COMPONENT.test(p)) bad(`bad path component ${JSON.stringify(p)}`);
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  if (path.length > 255) bad('repository name too long');
  if (!tag && !digest && opts.defaultTag) tag = opts.defaultTag;
  const out: { domain: string; path: string; tag?: string; digest?: Digest } = { domain, path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

export function isImageNameLike(s: string): boolean {
  try {
    parseImageName(s);
    return true;
  } catch {
    return false;
  }
}

/** `docker.io/library/imga` */
export function repositoryOf(n: ImageName): string {
  return `${n.domain}/${n.path}`;
}

/** `imga` for docker.io/library/imga, `ns/x` for docker.io/ns/x, else the full repository. */
export function familiarRepository(n: ImageName): string {
  if (n.domain !== DEFAULT_DOMAIN) return `${n.domain}/${n.path}`;
  return n.path.startsWith('library/') && n.path.split('/').length === 2 ? n.path.slice('library/'.length) : n.path;
}

function suffix(n: ImageName): string {
  return `${n.tag !== undefined ? `:${n.tag}` : ''}${n.digest ? `@${n.digest}` : ''}`;
}

/** `docker.io/library/imga:1` */
export function fullName(n: ImageName): string {
  return `${repositoryOf(n)}${suffix(n)}`;
}

/** `imga:1` — the form docker writes into RepoTags and prints. */
export function familiarName(n: ImageName): string {
  return `${familiarRepository(n)}${suffix(n)}`;
}

export function withTag(n: ImageName, tag: string): ImageName {
  if (!TAG.test(tag)) throw new BalerError('E_USAGE', `invalid tag ${JSON.stringify(tag)}`);
  return { domain: n.domain, path: n.path, tag };
}

export function sameName(a: ImageName, b: ImageName): boolean {
  return fullName(a) === fullName(b);
}
