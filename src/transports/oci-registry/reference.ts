import { BalerError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { parseImageName } from '../../model/image-name.js';

/**
 * `registry://HOST[:PORT]/REPO[:TAG|@sha256:…]`, parsed. As a source, REPO without TAG means every tag
 * of it. As a sink, REPO with a TAG or digest takes exactly one image; without one it is a PREFIX and each
 * image goes to HOST/PREFIX/<its repository path>:<its tag> (see sink.ts).
 */
export interface RegistryReference {
  /** As the user wrote it (`127.0.0.1:5000`, `docker.io`): what names and messages show. */
  readonly host: string;
  /** Where the HTTP API lives (`registry-1.docker.io` for Docker Hub, else the host). */
  readonly apiHost: string;
  /** Repository path, `''` only for a sink at the registry root. */
  readonly repo: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

const SCHEME = 'registry://';
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function parseRegistryReference(spec: string): RegistryReference {
  return parseRegistryReferenceOr(spec, (why) => {
    throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: ${why}; expected registry://HOST[:PORT]/REPO[:TAG|@sha256:…]`);
  });
}

/** parseRegistryReference with the caller's error line around the reason (image-argument.ts names the IMAGE the user wrote). */
export function parseRegistryReferenceOr(spec: string, bad: (why: string) => never): RegistryReference {
  if (!spec.startsWith(SCHEME)) bad('not a registry reference');
  const rest = spec.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  if (host === '' || !HOST.test(host)) bad(`bad registry host ${JSON.stringify(host)}`);
  const hub = DOCKER_HUB.has(host.toLowerCase());
  const apiHost = hub ? 'registry-1.docker.io' : host;
  if (path === '' || path === '/') return { host, apiHost, repo: '' };
  // the repository grammar is docker's; "localhost/" keeps parseImageName from taking a component as a registry
  let name;
  try {
    name = parseImageName(`localhost/${path}`);
  } catch (err) {
    return bad(err instanceof BalerError ? err.message.replace(/"localhost\//, '"') : String(err));
  }
  if (name.tag !== undefined && name.digest !== undefined) bad('give a tag or a digest, not both');
  const repo = hub && !name.path.includes('/') ? `library/${name.path}` : name.path;
  return { host, apiHost, repo, ...(name.tag !== undefined ? { tag: name.tag } : {}), ...(name.digest !== undefined ? { digest: name.digest } : {}) };
}

/** `registry://HOST/REPO[:TAG|@DIGEST]` */
export function formatRegistryReference(r: RegistryReference): string {
  const suffix = r.digest !== undefined ? `@${r.digest}` : r.tag !== undefined ? `:${r.tag}` : '';
  return `${SCHEME}${r.host}${r.repo ? `/${r.repo}` : ''}${suffix}`;
}

/** Loopback registries may speak plain HTTP without --insecure (docker's rule for 127.0.0.0/8). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(?:\.[0-9]{1,3}){3}$/.test(bare);
}
