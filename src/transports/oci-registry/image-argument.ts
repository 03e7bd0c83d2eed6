import { BalerError } from '../../errors.js';
import { formatRegistryReference, parseRegistryReferenceOr, type RegistryReference } from './reference.js';

/**
 * What an IMAGE argument means when the source is a registry (`--from registry://…`, `load -i registry://…`):
 * a reference of its own (`reference`: a tag, a digest, or with a host-only source a repository), or an
 * image ID to find among what the source lists (`listed`).
 */
export type RegistryImageChoice = { readonly kind: 'reference'; readonly target: RegistryReference } | { readonly kind: 'listed'; readonly selector: string };

/** First path component that docker reads as a registry host (distribution/reference's rule). */
function hasRegistryHost(arg: string): boolean {
  const slash = arg.indexOf('/');
  if (slash < 0) return false;
  const first = arg.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

/** How to write an image of `from`, for the end of an error line. */
function howToName(from: RegistryReference): string {
  if (!from.repo) return `write REPO:TAG, REPO@sha256:DIGEST or ${from.host}/REPO:TAG`;
  return `write TAG, :TAG, @sha256:DIGEST or ${from.host}/${from.repo}:TAG`;
}

/**
 * Reads IMAGE against a registry source the way docker and skopeo users write it. With
 * `registry://HOST/REPO`: `TAG` (a bare word is always a tag, even one that looks like a short ID),
 * `:TAG`, `@sha256:…`, `REPO:TAG`, `HOST/REPO:TAG` or `registry://HOST/REPO:TAG` name that repository's
 * image; with `registry://HOST`: `REPO[:TAG|@sha256:…]`, `HOST/REPO…` or `registry://HOST/REPO…` (REPO
 * without a tag: every tag, as `registry://HOST/REPO` means). `sha256:…` (an image ID or manifest digest,
 * full or a prefix) is looked up in what the source lists. A source that names a tag or digest already
 * takes only that image again. Anything else (another repository or host, a malformed tag or digest) is
 * E_USAGE in one line that says how to write it.
 */
export function resolveRegistryImage(from: RegistryReference, arg: string): RegistryImageChoice {
  const source = formatRegistryReference(from);
  const fail = (why: string): never => {
    // the reason names the spec built from arg; the user wrote arg
    throw new BalerError('E_USAGE', `${JSON.stringify(arg)}: ${why.replace(/^invalid image name ".*?": /, '')}; ${howToName(from)}`);
  };
  const noRepo = (): never => fail(`${source} names no repository`);
  if (arg.startsWith('sha256:') && !arg.includes('/')) return from.repo ? { kind: 'listed', selector: arg } : noRepo();
  let spec: string;
  if (arg.startsWith('registry://')) spec = arg;
  else if (arg.startsWith(':') || arg.startsWith('@')) spec = from.repo ? `registry://${from.host}/${from.repo}${arg}` : noRepo();
  else if (hasRegistryHost(arg)) spec = `registry://${arg}`;
  else if (from.repo && !/[/:@]/.test(arg)) spec = `registry://${from.host}/${from.repo}:${arg}`;
  else spec = `registry://${from.host}/${arg}`;
  const target = parseRegistryReferenceOr(spec, fail);
  if (target.apiHost.toLowerCase() !== from.apiHost.toLowerCase()) fail(`not on ${from.host}, where ${source} is`);
  if (!target.repo) fail('names no repository');
  if (from.repo && target.repo !== from.repo) fail(`not in ${source}`);
  if (from.tag === undefined && from.digest === undefined) return { kind: 'reference', target };
  const asks = target.digest ?? target.tag;
  if (asks !== undefined && asks !== (from.digest ?? from.tag)) {
    throw new BalerError('E_USAGE', `${JSON.stringify(arg)}: ${source} names one image already; give the repository without a tag or digest to choose images by IMAGE`);
  }
  return { kind: 'reference', target: from };
}
