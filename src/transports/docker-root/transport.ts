import type { Transport } from '../types.js';
import { DockerRootRef, splitDockerRootSpec } from './ref.js';
import { openDockerRootSource } from './source.js';

/** The offline Docker store (`/var/lib/docker`, graphdriver mode) as a read-only transport. */
export const dockerRootTransport: Transport = {
  name: 'docker-root',
  parse(spec: string): DockerRootRef {
    const { location, image } = splitDockerRootSpec(spec);
    return new DockerRootRef(dockerRootTransport, location, image, (ref, o) => openDockerRootSource(ref, o));
  },
};
