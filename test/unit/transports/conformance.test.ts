/**
 * One suite (ggcr's validate.Image) run against every source baler can open: what list() says must be
 * true of the bytes. Every manifest, config and layer re-hashes to its descriptor, every layer's
 * uncompressed content to its config diff_id, and a copy into the store and back out keeps image IDs
 * and names.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decompressAuto } from '../../../src/codecs/index.js';
import { sha256OfStream } from '../../../src/io/hashing.js';
import { readAtMost } from '../../../src/io/read-all.js';
import type { Digest } from '../../../src/model/digest.js';
import { sha256Of } from '../../../src/model/digest.js';
import { parseImageConfig } from '../../../src/model/image-config.js';
import { familiarName } from '../../../src/model/image-name.js';
import { manifestKind, parseIndexManifest } from '../../../src/model/index-manifest.js';
import { parseImageManifest } from '../../../src/model/manifest.js';
import { copyImages } from '../../../src/pipeline/copy.js';
import { openInputSource } from '../../../src/transports/detect.js';
import { parseTransportRef, type RefContext } from '../../../src/transports/registry.js';
import type { ImageSource } from '../../../src/transports/types.js';
import { fixture } from '../../helpers/paths.js';

const FIXTURE_ID = 'sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710';

let dir = '';
let refs: RefContext;

/** Source specs by case name, filled in before(): real-tool archives plus what baler itself wrote. */
const cases: Array<{ name: string; spec: string; viaDetect?: boolean }> = [];
/** What a real `docker save` of Docker 26 must list: docker20-multi.tar's image IDs, each with its names. */
let docker20MultiImages = new Map<string, string[]>();
const caseNames = [
  'docker-archive, docker 20.10 save (legacy layout)',
  'docker-archive, second real fixture',
  'docker-archive hybrid written by baler',
  'docker-archive hybrid written by baler, gzip layers, whole file zstd',
  'oci-archive written by baler',
  'OCI layout directory written by baler',
  'store',
  'oci-archive written by skopeo',
  'docker-archive, Docker 26 save (OCI layout + manifest.json)',
  'the same Docker 26 save read as an oci-archive',
  'the same Docker 26 save, format detected',
];

async function copyAll(fromSpec: string, toSpec: string, o: { layers?: 'gzip'; outer?: 'zstd' } = {}): Promise<void> {
  const from = await parseTransportRef(fromSpec, refs).openSource();
  try {
    const to = await parseTransportRef(toSpec, refs).openSink(o.outer ? { outerCompression: o.outer } : {});
    try {
      await copyImages({ from, to, select: { kind: 'all' }, ...(o.layers ? { layers: o.layers } : {}) });
    } finally {
      await to[Symbol.asyncDispose]();
    }
  } finally {
    await from[Symbol.asyncDispose]();
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-conformance-'));
  refs = { storePath: join(dir, 'store'), cwd: dir };
  const legacy = `docker-archive:${fixture('fixture-3layers.docker20-save.tar')}`;
  await copyAll(legacy, 'store');
  await copyAll('store', `docker-archive:${join(dir, 'hybrid.tar')}`);
  await copyAll('store', `docker-archive:${join(dir, 'hybrid-gz.tar.zst')}`, { layers: 'gzip', outer: 'zstd' });
  await copyAll('store', `oci-archive:${join(dir, 'image.oci.tar')}`);
  await copyAll('store', `oci:${join(dir, 'layout')}`);
  cases.push(
    { name: caseNames[0] as string, spec: legacy },
    { name: caseNames[1] as string, spec: `docker-archive:${fixture('fixture-3layers.docker-archive.tar')}` },
    { name: caseNames[2] as string, spec: `docker-archive:${join(dir, 'hybrid.tar')}` },
    { name: caseNames[3] as string, spec: join(dir, 'hybrid-gz.tar.zst'), viaDetect: true },
    { name: caseNames[4] as string, spec: `oci-archive:${join(dir, 'image.oci.tar')}` },
    { name: caseNames[5] as string, spec: join(dir, 'layout'), viaDetect: true },
    { name: caseNames[6] as string, spec: 'store' },
  );
  const skopeo = spawnSync('skopeo', ['copy', '--insecure-policy', legacy, `oci-archive:${join(dir, 'skopeo.oci.tar')}:fixture/layers:3`], { encoding: 'utf8' });
  if (skopeo.status === 0) cases.push({ name: caseNames[7] as string, spec: `oci-archive:${join(dir, 'skopeo.oci.tar')}` });
  cases.push(
    { name: caseNames[8] as string, spec: `docker-archive:${fixture('docker26-save.tar')}` },
    { name: caseNames[9] as string, spec: `oci-archive:${fixture('docker26-save.tar')}` },
    { name: caseNames[10] as string, spec: fixture('docker26-save.tar'), viaDetect: true },
  );
  const docker20 = await parseTransportRef(`docker-archive:${fixture('docker20-multi.tar')}`, refs).openSource();
  try {
    docker20MultiImages = await validateSource(docker20);
  } finally {
    await docker20[Symbol.asyncDispose]();
  }
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function open(c: { spec: string; viaDetect?: boolean }): Promise<ImageSource> {
  return c.viaDetect ? openInputSource(c.spec, refs) : parseTransportRef(c.spec, refs).openSource();
}

/** Checks one image manifest and everything it references; returns its config digest. */
async function validateImage(source: ImageSource, bytes: Uint8Array, mediaType: string, what: string): Promise<Digest> {
  const m = parseImageManifest(bytes, what, mediaType);
  const cfgBytes = await readAtMost(await source.fetchBlob(m.config), 8 << 20, what);
  assert.equal(cfgBytes.length, m.config.size, `${what}: config size`);
  assert.equal(sha256Of(cfgBytes), m.config.digest, `${what}: config digest`);
  const config = parseImageConfig(cfgBytes, what);
  assert.equal(config.rootfs.diff_ids.length, m.layers.length, `${what}: one diff_id per layer`);
  for (const [i, layer] of m.layers.entries()) {
    const stored = await sha256OfStream(await source.fetchBlob(layer));
    assert.deepEqual(stored, { digest: layer.digest, size: layer.size }, `${what}: layer ${i} bytes`);
    const { stream } = await decompressAuto(await source.fetchBlob(layer), `${what}: layer ${i}`);
    assert.equal((await sha256OfStream(stream)).digest, config.rootfs.diff_ids[i], `${what}: layer ${i} diff_id`);
  }
  return m.config.digest;
}

async function validateSource(source: ImageSource): Promise<Map<string, string[]>> {
  const entries = await source.list();
  assert.ok(entries.length > 0, 'list() is not empty');
  const idsToNames = new Map<string, string[]>();
  for (const e of entries) {
    const what = `${source.ref.toString()}: ${e.descriptor.digest}`;
    const bytes = await source.fetchManifest(e.descriptor);
    assert.equal(bytes.byteLength, e.descriptor.size, `${what}: manifest size`);
    assert.equal(sha256Of(bytes), e.descriptor.digest, `${what}: manifest digest`);
    const ids: Digest[] = [];
    if (manifestKind(bytes, what) === 'index') {
      for (const child of parseIndexManifest(bytes, what).manifests) {
        const childBytes = await source.fetchManifest(child);
        assert.equal(sha256Of(childBytes), child.digest);
        ids.push(await validateImage(source, childBytes, child.mediaType, `${what} > ${child.digest}`));
      }
    } else ids.push(await validateImage(source, bytes, e.descriptor.mediaType, what));
    for (const id of ids) idsToNames.set(id, [...(idsToNames.get(id) ?? []), ...e.names.map(familiarName)].sort());
  }
  return idsToNames;
}

describe('every source satisfies the transport contract', () => {
  for (const [i, name] of caseNames.entries()) {
    test(name, async (t) => {
      const c = cases.find((x) => x.name === name);
      if (!c) {
        t.skip(i === 7 ? 'skopeo is not available' : 'source was not built');
        return;
      }
      const source = await open(c);
      let before: Map<string, string[]>;
      try {
        before = await validateSource(source);
        // skopeo rewrites the config when it converts to OCI (formats.md §3.3), so only baler and docker keep the ID
        if (i === 7) assert.equal(before.size, 1);
        else if (i >= 8) assert.deepEqual(before, docker20MultiImages);
        else assert.deepEqual([...before.keys()], [FIXTURE_ID]);
      } finally {
        await source[Symbol.asyncDispose]();
      }

      // into a fresh store and back out into a layout: same image IDs, same names
      const slug = `rt-${i}`;
      const store = `store:${join(dir, slug, 'store')}`;
      const from = await open(c);
      try {
        const to = await parseTransportRef(store, refs).openSink();
        try {
          await copyImages({ from, to, select: { kind: 'all' } });
        } finally {
          await to[Symbol.asyncDispose]();
        }
      } finally {
        await from[Symbol.asyncDispose]();
      }
      await copyAll(store, `oci:${join(dir, slug, 'out')}`);
      const back = await parseTransportRef(`oci:${join(dir, slug, 'out')}`, refs).openSource();
      try {
        assert.deepEqual(await validateSource(back), before);
      } finally {
        await back[Symbol.asyncDispose]();
      }
    });
  }
});
