import { BalerError } from '../../errors.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';
import { RegistryClient, type RegistryClientOptions } from './client.js';
import type { RegistryAccess } from './credentials.js';
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
