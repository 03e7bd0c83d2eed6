/** formats.md §2.3. */
export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondist: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

export type MediaType = string;
export type LayerCompression = 'none' | 'gzip' | 'zstd';

const layerTypes: Record<string, LayerCompression> = {
  [MediaTypes.ociLayer]: 'none',
  [MediaTypes.ociLayerGzip]: 'gzip',
  [MediaTypes.ociLayerZstd]: 'zstd',
  [MediaTypes.ociLayerNondist]: 'none',
  [MediaTypes.ociLayerNondistGzip]: 'gzip',
  [MediaTypes.ociLayerNondistZstd]: 'zstd',
  [MediaTypes.dockerLayer]: 'none',
  [MediaTypes.dockerLayerGzip]: 'gzip',
  [MediaTypes.dockerForeignGzip]: 'gzip',
};

export function isLayerMediaType(mt: string): boolean {
  return mt in layerTypes;
}

/** What the media type claims; readers still sniff magic bytes (formats.md §2.3 quirk). */
export function declaredLayerCompression(mt: string): LayerCompression | undefined {
  return layerTypes[mt];
}

export function isEncryptedLayer(mt: string): boolean {
  return mt.endsWith('+encrypted');
}

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaTypes.ociIndex || mt === MediaTypes.dockerList;
}

export function isImageManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaTypes.ociManifest || mt === MediaTypes.dockerManifest;
}

export function isConfigMediaType(mt: string): boolean {
  return mt === MediaTypes.ociConfig || mt === MediaTypes.dockerConfig;
}

/** The layer media type for a manifest of the given flavour and a compression. */
export function layerMediaType(flavour: 'oci' | 'docker', c: LayerCompression): MediaType {
  if (flavour === 'oci') {
    return c === 'gzip' ? MediaTypes.ociLayerGzip : c === 'zstd' ? MediaTypes.ociLayerZstd : MediaTypes.ociLayer;
  }
  return c === 'gzip' ? MediaTypes.dockerLayerGzip : MediaTypes.dockerLayer;
}
