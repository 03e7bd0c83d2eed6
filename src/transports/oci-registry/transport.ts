import { BalerError } from '../../errors.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import type { RegistryAccess } from './credentials.js';
import { resolveRegistryImage } from './image-argument.js';
import { formatRegistryReference, parseRegistryReference, type RegistryReference } from './reference.js';
import { RegistrySink } from './sink.js';
import { RegistrySource } from './source.js';

/** `registry://HOST[:PORT]/REPO[:TAG|@sha256:…]`: a registry speaking the OCI distribution API (formats.md §8). */
export class RegistryRef implements ImageRef {
  readonly location: string;
  readonly image?: string;

  constructor(
    readonly transport: Transport,
    readonly target: RegistryReference,
    private readonly access: RegistryAccess = {},
    private readonly clientOptions: Omit<RegistryClientOptions, 'access'> = {},
  ) {
    this.location = `${target.host}${target.repo ? `/${target.repo}` : ''}`;
    const image = target.digest ?? target.tag;
    if (image !== undefined) this.image = image;
  }

  toString(): string {
    return formatRegistryReference(this.target);
  }

  /** The same registry, credentials and TLS choice, at another reference. */
  withTarget(target: RegistryReference): RegistryRef {
    return new RegistryRef(this.transport, target, this.access, this.clientOptions);
  }

  /**
   * Where IMAGE arguments read against this reference come from (image-argument.ts): when each names its
   * own reference, those references and everything they name; when one is an image ID, this reference's
   * listing (plus any digest reference, which a listing of tags may miss), selected by name or digest.
   */
  imageSources(images: readonly string[]): { refs: RegistryRef[]; images?: string[] } {
    if (images.length === 0) return { refs: [this] };
    const choices = images.map((arg) => resolveRegistryImage(this.target, arg));
    const named = new Map<string, RegistryReference>();
    for (const c of choices) if (c.kind === 'reference') named.set(formatRegistryReference(c.target), c.target);
    if (choices.every((c) => c.kind === 'reference')) return { refs: [...named.values()].map((t) => this.withTarget(t)) };
    const byDigest = [...named.values()].filter((t) => t.digest !== undefined && t.digest !== this.target.digest);
    const selectors = choices.map((c) => (c.kind === 'listed' ? c.selector : (c.target.digest ?? `${c.target.host}/${c.target.repo}${c.target.tag !== undefined ? `:${c.target.tag}` : ''}`)));
    return { refs: [this, ...byDigest.map((t) => this.withTarget(t))], images: selectors };
  }

  private client(): RegistryClient {
    return new RegistryClient(this.target.host, this.target.apiHost, { ...this.clientOptions, access: this.access });
  }

  async openSource(o: OpenOptions = {}): Promise<ImageSource> {
    if (!this.target.repo) throw new BalerError('E_USAGE', `${this.toString()}: name a repository to read: registry://HOST/REPO[:TAG]`);
    const client = this.client();
    try {
      await client.ping(o.signal);
    } catch (err) {
      client.close();
      throw err;
    }
    return new RegistrySource(this, client, this.target, o.signal, o.onWarning);
  }

  async openSink(o: OpenOptions = {}): Promise<ImageSink> {
    const client = this.client();
    try {
      await client.ping(o.signal); // fail before any work when the registry is not there
    } catch (err) {
      client.close();
      throw err;
    }
    return new RegistrySink(this, client, this.target, o.signal ? { signal: o.signal } : {});
  }
}

export const registryTransport: Transport = {
  name: 'registry',
  parse(spec: string): RegistryRef {
    return registryRef(spec);
  },
};

/** A registry reference with the user's credentials and TLS choice (`--creds`, `--insecure`, docker config). */
export function registryRef(spec: string, access: RegistryAccess = {}, clientOptions: Omit<RegistryClientOptions, 'access'> = {}): RegistryRef {
  return new RegistryRef(registryTransport, parseRegistryReference(spec), access, clientOptions);
}
