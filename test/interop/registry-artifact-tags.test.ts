/**
 * A repository holding OCI artifacts beside its images, against the real docker-registry 2.8: a cosign
 * signature (`sha256-<hex>.sig`), a cosign attestation (`.att`, an image config but DSSE layers), a helm
 * chart and an OCI 1.1 SBOM (`artifactType`). Saving, loading or taking the inventory of every tag keeps
 * the image tags (a plain image and a buildkit index with its attestation) and leaves each artifact out
 * with a warning naming it; an artifact named on its own is an error naming it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeAttestedLayout } from '../helpers/attested-layout.js';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';
import { skipUnlessTools } from '../helpers/tools.js';

const reg = withRegistry();
const skip = reg.skip || skipUnlessTools('skopeo');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const COSIGN = 'application/vnd.dev.cosign.simplesigning.v1+json';
const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Monolithic upload as the distribution API has it: POST a session, PUT the bytes with ?digest=. */
async function pushBlob(repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const started = await fetch(`http://${reg.host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(started.status, 202);
  const location = new URL(started.headers.get('location') ?? '', `http://${reg.host}`);
  location.searchParams.set('digest', digestOf(bytes));
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return { digest: digestOf(bytes), size: bytes.length };
}

/** An OCI manifest of one config and one layer, pushed under `tag`; returns its digest. */
async function pushArtifact(repo: string, tag: string, a: { configType: string; config: string; layerType: string; layer: string; artifactType?: string }): Promise<string> {
  const config = await pushBlob(repo, Buffer.from(a.config));
  const layer = await pushBlob(repo, Buffer.from(a.layer));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(a.artifactType ? { artifactType: a.artifactType } : {}),
      config: { mediaType: a.configType, ...config },
      layers: [{ mediaType: a.layerType, ...layer }],
    }),
  );
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': OCI_MANIFEST } });
  assert.equal(res.status, 201, await res.text());
  return digestOf(manifest);
}

async function manifestDigest(repo: string, tag: string): Promise<string> {
  return digestOf(Buffer.from((await runChecked('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/${repo}:${tag}`])).stdout));
}

const repo = 'art/app';
let sigTag = '';
let attTag = '';
let sigDigest = '';
let indexDigest = '';
/** imgb:1's config digest (its image ID) in the fixture archive. */
function fixtureConfig(tag: string): string {
  const entries = readTar(readFileSync(fixture('docker20-multi.tar')));
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '[]') as Array<{ Config: string; RepoTags: string[] }>;
  const config = manifest.find((m) => m.RepoTags.includes(tag))?.Config ?? '';
  return `sha256:${config.replace(/\.json$/, '')}`;
}
const imgbConfig = fixtureConfig('imgb:1');

/** The repository, pushed once by the first test that needs it. */
let pushed: Promise<void> | undefined;
const pushRepository = (): Promise<void> => (pushed ??= pushEverything());

async function pushEverything(): Promise<void> {
  await balerOk(['load', '-q', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${reg.host}/${repo}:1`]);
  const layout = await writeAttestedLayout(join(await tmp.make(), 'layout'));
  indexDigest = layout.index;
  await runChecked('skopeo', ['copy', '-q', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}`, `docker://${reg.host}/${repo}:multi`]);
  const signed = (await manifestDigest(repo, '1')).replace(':', '-');
  sigTag = `${signed}.sig`;
  attTag = `${signed}.att`;
  sigDigest = await pushArtifact(repo, sigTag, { configType: COSIGN, config: '{"critical":{}}', layerType: COSIGN, layer: '{"critical":{"type":"cosign container image signature"}}' });
  // cosign's own layout: an ordinary image config, the statement as a DSSE envelope layer
  await pushArtifact(repo, attTag, { configType: 'application/vnd.oci.image.config.v1+json', config: '{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}', layerType: 'application/vnd.dsse.envelope.v1+json', layer: '{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}' });
  await pushArtifact(repo, '0.1.0', { configType: 'application/vnd.cncf.helm.config.v1+json', config: '{"name":"app","version":"0.1.0"}', layerType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', layer: 'not really a chart' });
  await pushArtifact(repo, 'sbom', { artifactType: 'application/spdx+json', configType: 'application/vnd.oci.empty.v1+json', config: '{}', layerType: 'application/spdx+json', layer: '{"spdxVersion":"SPDX-2.3"}' });
  await pushArtifact('art/sigs-only', 'sha256-0.sig', { configType: COSIGN, config: '{"a":1}', layerType: COSIGN, layer: '{"b":2}' });
}

/** The warning lines of a run, without the `baler: warning: ` prefix, sorted. */
const warnings = (stderr: string): string[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('baler: warning: '))
    .map((l) => l.slice('baler: warning: '.length))
    .sort();

const expectedWarnings = (): string[] =>
  [
    `registry://${reg.host}/${repo}:${sigTag}: left out, not a container image (its config media type is "${COSIGN}")`,
    `registry://${reg.host}/${repo}:${attTag}: left out, not a container image (layer 0 has media type "application/vnd.dsse.envelope.v1+json")`,
    `registry://${reg.host}/${repo}:0.1.0: left out, not a container image (its config media type is "application/vnd.cncf.helm.config.v1+json")`,
    `registry://${reg.host}/${repo}:sbom: left out, not a container image (its artifact type is "application/spdx+json")`,
  ].sort();

test('save of every tag keeps the image and index tags and leaves each artifact tag out with a warning naming it', { skip }, async () => {
  await pushRepository();
  const tags = (JSON.parse((await runChecked('skopeo', ['list-tags', '--tls-verify=false', `docker://${reg.host}/${repo}`])).stdout) as { Tags: string[] }).Tags;
  assert.deepEqual([...tags].sort(), ['0.1.0', '1', attTag, 'multi', 'sbom', sigTag].sort(), 'skopeo sees every tag');

  const dir = await tmp.make();
  const out = join(dir, 'art.tar');
  const args = ['save', '--store', join(dir, 'store'), '-o', out, `registry://${reg.host}/${repo}`];
  const r = await runBaler(args);
  assert.equal(r.code, 0, describeRun(args, r));
  assert.deepEqual(warnings(r.stderr), expectedWarnings(), describeRun(args, r));

  const entries = readTar(readFileSync(out));
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '[]') as Array<{ Config: string; RepoTags: string[] }>;
  assert.deepEqual(manifest.flatMap((m) => m.RepoTags).sort(), [`${reg.host}/${repo}:1`, `${reg.host}/${repo}:multi`]);
  assert.ok(manifest.some((m) => m.Config === `blobs/sha256/${imgbConfig.slice(7)}`), 'imgb:1 keeps its config digest');
  // the index keeps its buildkit attestation (docker 25+ layout: index.json beside manifest.json)
  const index = JSON.parse(entries.find((e) => e.name === 'index.json')?.data.toString() ?? '{}') as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const multi = index.manifests.find((m) => m.annotations?.['io.containerd.image.name']?.endsWith(`${repo}:multi`));
  assert.equal(multi?.digest, indexDigest, 'the index is saved byte for byte, its attestation with it');
  assert.ok(entries.some((e) => e.name === `blobs/sha256/${indexDigest.slice(7)}`));
});

test('load -i registry://REPO and inventory --from registry://REPO skip the artifacts the same way', { skip }, async () => {
  await pushRepository();
  const store = join(await tmp.make(), 'store');
  const loadArgs = ['load', '-i', `registry://${reg.host}/${repo}`, '--store', store];
  const loaded = await runBaler(loadArgs);
  assert.equal(loaded.code, 0, describeRun(loadArgs, loaded));
  assert.deepEqual(warnings(loaded.stderr), expectedWarnings(), describeRun(loadArgs, loaded));
  const ls = JSON.parse((await balerOk(['ls', '--json', '--store', store])).stdout) as Array<{ Id: string }>;
  assert.deepEqual(ls.map((i) => i.Id).sort(), [imgbConfig, indexDigest].sort());

  const invArgs = ['inventory', '--from', `registry://${reg.host}/${repo}`];
  const inv = await runBaler(invArgs);
  assert.equal(inv.code, 0, describeRun(invArgs, inv));
  const images = (JSON.parse(inv.stdout) as { images: Array<{ names: string[] }> }).images;
  assert.deepEqual([...new Set(images.flatMap((i) => i.names))].sort(), [`${reg.host}/${repo}:1`, `${reg.host}/${repo}:multi`]);
});

test('an artifact tag named on its own is refused with exit 4, naming the tag; nothing is written', { skip }, async () => {
  await pushRepository();
  const dir = await tmp.make();
  const out = join(dir, 'sig.tar');
  for (const ref of [`registry://${reg.host}/${repo}:${sigTag}`, `registry://${reg.host}/${repo}@${sigDigest}`]) {
    const args = ['save', '--store', join(dir, 'store'), '-o', out, ref];
    const r = await runBaler(args);
    assert.equal(r.code, 4, describeRun(args, r));
    assert.equal(r.stderr, `baler: ${ref}: not a container image (its config media type is "${COSIGN}"); baler copies images only\n`);
    assert.equal(existsSync(out), false);
  }
  const loadArgs = ['load', '-i', `registry://${reg.host}/${repo}:${attTag}`, '--store', join(dir, 'store')];
  const r = await runBaler(loadArgs);
  assert.equal(r.code, 4, describeRun(loadArgs, r));
  assert.match(r.stderr, new RegExp(`^baler: registry://${reg.host}/${repo}:${attTag}: not a container image \\(layer 0 has media type "application/vnd\\.dsse\\.envelope\\.v1\\+json"\\)`));
});

test('a repository of artifacts only is "not found" (exit 3) after a warning for each tag', { skip }, async () => {
  await pushRepository();
  const dir = await tmp.make();
  const out = join(dir, 'none.tar');
  const args = ['save', '--store', join(dir, 'store'), '-o', out, `registry://${reg.host}/art/sigs-only`];
  const r = await runBaler(args);
  assert.equal(r.code, 3, describeRun(args, r));
  assert.deepEqual(r.stderr.split('\n'), [
    `baler: warning: registry://${reg.host}/art/sigs-only:sha256-0.sig: left out, not a container image (its config media type is "${COSIGN}")`,
    `baler: registry://${reg.host}/art/sigs-only: none of its 1 tag(s) is a container image`,
    '',
  ]);
  assert.equal(existsSync(out), false);
});
