/**
 * Which tags of a repository are container images: the artifacts registries keep beside them (cosign,
 * helm, OCI 1.1 artifacts) are told apart, while images in every form baler copies are not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { whyNotContainerImage } from '../../../../src/transports/oci-registry/container-image.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const manifest = (config: string, ...layers: string[]): unknown => ({ schemaVersion: 2, config: { mediaType: config }, layers: layers.map((mediaType) => ({ mediaType })) });

test('images, Docker images and indexes are container images, encrypted or foreign layers too', () => {
  assert.equal(whyNotContainerImage(OCI_MANIFEST, manifest('application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+zstd')), undefined);
  const docker = manifest('application/vnd.docker.container.image.v1+json', 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip');
  assert.equal(whyNotContainerImage('application/vnd.docker.distribution.manifest.v2+json', docker), undefined);
  // an encrypted image is an image: the copy says it cannot decrypt it rather than leaving it out
  assert.equal(whyNotContainerImage(OCI_MANIFEST, manifest('application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted')), undefined);
  assert.equal(whyNotContainerImage(OCI_INDEX, { schemaVersion: 2, manifests: [] }), undefined);
  assert.equal(whyNotContainerImage('application/vnd.docker.distribution.manifest.list.v2+json', { schemaVersion: 2, manifests: [] }), undefined);
});

test('artifacts: the first reason found is the one given', () => {
  const cosign = 'application/vnd.dev.cosign.simplesigning.v1+json';
  assert.equal(whyNotContainerImage(OCI_MANIFEST, manifest(cosign, cosign)), `its config media type is "${cosign}"`);
  assert.equal(whyNotContainerImage(OCI_MANIFEST, manifest('application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar', 'application/vnd.dsse.envelope.v1+json')), 'layer 1 has media type "application/vnd.dsse.envelope.v1+json"');
  const sbom = { ...(manifest('application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar') as object), artifactType: 'application/spdx+json' };
  assert.equal(whyNotContainerImage(OCI_MANIFEST, sbom), 'its artifact type is "application/spdx+json"');
  assert.equal(whyNotContainerImage(OCI_INDEX, { schemaVersion: 2, artifactType: 'application/vnd.example+type', manifests: [] }), 'it is an index of artifact type "application/vnd.example+type"');
  // ORAS's withdrawn OCI artifact manifest
  assert.equal(whyNotContainerImage('application/vnd.oci.artifact.manifest.v1+json', { blobs: [] }), 'its manifest type is "application/vnd.oci.artifact.manifest.v1+json"');
});
