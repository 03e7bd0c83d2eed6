import { open } from 'node:fs/promises';
import type { Descriptor } from '../../src/model/descriptor.js';
import type { BlobFile, ImageSource } from '../../src/transports/types.js';

/**
 * A source offering only openBlobFile, over real files: `pathOf` names the file of a descriptor
 * (undefined: the source has none). Every open and close is reported, for tests that count them.
 */
export function blobFileSource(pathOf: (d: Descriptor) => string | undefined, seen: { opened?(d: Descriptor, path: string): void; closed?(d: Descriptor, path: string): void } = {}): ImageSource {
  return {
    openBlobFile: async (d: Descriptor): Promise<BlobFile | undefined> => {
      const path = pathOf(d);
      if (path === undefined) return undefined;
      seen.opened?.(d, path);
      const fh = await open(path, 'r');
      return {
        size: d.size,
        fd: fh.fd,
        read: (buffer, offset, length, position) => fh.read(buffer, offset, length, position),
        close: async () => {
          seen.closed?.(d, path);
          await fh.close();
        },
      };
    },
  } as Partial<ImageSource> as ImageSource;
}
