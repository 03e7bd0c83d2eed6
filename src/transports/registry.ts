import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import { dockerArchiveTransport } from './docker-archive/transport.js';
import { dockerRootTransport } from './docker-root/transport.js';
import { dockerDaemonTransport } from './docker-daemon/transport.js';
import { ociArchiveTransport } from './oci-archive/transport.js';
import { ociLayoutTransport } from './oci-layout/transport.js';
import type { RegistryAccess } from './oci-registry/credentials.js';
import { RegistryRef, registryRef } from './oci-registry/transport.js';
import { storeRef } from './store/transport.js';
import type { ImageRef } from './types.js';

/** What a reference string is relative to: the verb's store and working directory. */
export interface RefContext {
  /** The resolved store path (--store, $BALER_STORE, XDG). */
  storePath: string;
  cwd: string;
  /** What `-` reads (process.stdin unless a test gives its own). */
  stdin?: Readable;
  /** registry:// references: --creds, --insecure and the environment for ~/.docker/config.json. */
  registry?: RegistryAccess;
}

/** The transport specs users can write, for help texts and errors. */
export const transportSpecs = ['store', 'store:DIR', 'docker-archive:FILE[:IMAGE]', 'oci-archive:FILE[:IMAGE]', 'oci:DIR[:IMAGE]', 'docker-root:DIR[:IMAGE]', 'docker[:IMAGE]', 'registry://HOST[:PORT]/REPO[:TAG|@DIGEST]'] as const;

/** PATH relative to cwd, `-` (stdin/stdout) as it is. */
function absolute(path: string, cwd: string): string {
  return path === '-' || isAbsolute(path) ? path : resolve(cwd, path);
}

/** Splits `PATH[:IMAGE]` at the first colon (containers/image's rule; a path with `:` needs another spelling). */
function splitLocation(body: string, spec: string): { path: string; image?: string } {
  const colon = body.indexOf(':');
  const path = colon < 0 ? body : body.slice(0, colon);
  if (path === '') throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: missing the path after the transport name`);
  return colon < 0 ? { path } : { path, image: body.slice(colon + 1) };
}

function rejoin(transport: string, path: string, image: string | undefined): string {
  return `${transport}:${path}${image !== undefined ? `:${image}` : ''}`;
}

/**
 * Parses a transport reference as users write it after `--from`/`--into`:
 * `store`, `store:DIR`, `docker-archive:FILE[:IMAGE]`, `oci-archive:FILE[:IMAGE]`, `oci:DIR[:IMAGE]`,
 * `docker-root[:DIR[:IMAGE]]`. Relative paths resolve against ctx.cwd. Unknown prefixes: E_USAGE.
 */
export function parseTransportRef(spec: string, ctx: RefContext): ImageRef {
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const body = colon < 0 ? '' : spec.slice(colon + 1);
  switch (name) {
    case 'store':
      if (colon < 0) return storeRef(ctx.storePath);
      if (body === '') throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: expected store or store:DIR`);
      return storeRef(absolute(body, ctx.cwd));
    case 'docker-archive':
    case 'oci-archive':
    case 'oci': {
      const { path, image } = splitLocation(body, spec);
      const transport = name === 'docker-archive' ? dockerArchiveTransport : name === 'oci-archive' ? ociArchiveTransport : ociLayoutTransport;
      if (name === 'oci' && path === '-') throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: an OCI layout is a directory; use oci-archive:- for a stream`);
      return transport.parse(rejoin(name, absolute(path, ctx.cwd), image));
    }
    case 'docker': // the running daemon ($DOCKER_HOST or /var/run/docker.sock): docker[:IMAGE]
      return dockerDaemonTransport.parse(spec);
    case 'docker-root': {
      if (colon < 0 || body === '') return dockerRootTransport.parse('docker-root:');
      const { path, image } = splitLocation(body, spec);
      return dockerRootTransport.parse(rejoin(name, absolute(path, ctx.cwd), image));
    }
    case 'registry': // registry://HOST[:PORT]/REPO[:TAG|@DIGEST] (oci-registry/reference.ts)
      return registryRef(spec, ctx.registry ?? {});
    default:
      throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: unknown transport ${JSON.stringify(name)}; expected one of ${transportSpecs.join(', ')}`);
  }
}

/**
 * Where IMAGE arguments are read against the source `from`: most sources list their images and each
 * argument selects among them; a registry reads what each argument names (`TAG`, `:TAG`, `@sha256:…`
 * against `registry://HOST/REPO`: oci-registry/image-argument.ts). `images` undefined: everything the
 * refs name. The one place this rule lives, for save, export and load alike.
 */
export function imageSourcesFor(from: ImageRef, images: readonly string[]): { refs: ImageRef[]; images?: string[] } {
  return from instanceof RegistryRef ? from.imageSources(images) : { refs: [from], images: [...images] };
}
