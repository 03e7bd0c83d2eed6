import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { sha256Of } from '../../../../src/model/digest.js';
import { familiarName, fullName, parseImageName } from '../../../../src/model/image-name.js';
import { sha256OfStream } from '../../../../src/io/hashing.js';
import { manifestReferences } from '../../../../src/store/references.js';
import { fsckLayout } from '../../../../src/store/fsck.js';
import { parseOciLayoutSpec } from '../../../../src/transports/oci-layout/transport.js';
import { parseStoreSpec } from '../../../../src/transports/store/transport.js';
import type { ImageSink, ImageSource } from '../../../../src/transports/types.js';
import { FIXTURE_TAR, testImage } from '../../store/fixture-images.js';

const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-oci-layout-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function codeOf(err: unknown): string | undefined {
  return err instanceof BalerError ? err.code : undefined;
}

/** A minimal copy (what the pipeline does, without conversion): every blob verified by the sink. */
async function copyAll(src: ImageSource, sink: ImageSink): Promise<void> {
  for (const entry of await src.list()) {
    const visit = async (d: { digest: string; size: number; mediaType: string }): Promise<void> => {
      const bytes = await src.fetchManifest(d as never);
      for (const r of manifestReferences(bytes, d.digest).refs) {
        if (r.role === 'manifest') await visit({ digest: r.digest, size: r.size, mediaType: r.mediaType ?? '' });
        else if (!(await sink.hasBlob(r.digest))) await sink.putBlob(await src.fetchBlob({ mediaType: r.mediaType ?? '', digest: r.digest, size: r.size }), { mediaType: r.mediaType ?? '', digest: r.digest, size: r.size });
      }
      await sink.putManifest(bytes, d as never);
    };
    await visit(entry.descriptor);
    if (entry.names.length === 0) await sink.addImage(entry.descriptor);
    for (const n of entry.names) await sink.addImage(entry.descriptor, n);
  }
  await sink.commit();
}

describe('oci: layout transport', () => {
  test('parses oci:DIR[:IMAGE] and store[:PATH]', () => {
    const a = parseOciLayoutSpec('oci:/srv/layout:imga:1');
    assert.equal(a.location, '/srv/layout');
    assert.equal(a.image, 'imga:1');
    assert.equal(a.toString(), 'oci:/srv/layout:imga:1');
    assert.equal(parseOciLayoutSpec('oci:/srv/layout').image, undefined);
    assert.throws(() => parseOciLayoutSpec('oci:'), (e: unknown) => codeOf(e) === 'E_USAGE');
    assert.equal(parseStoreSpec('store:/var/baler').location, '/var/baler');
    assert.throws(() => parseStoreSpec('stor'), (e: unknown) => codeOf(e) === 'E_USAGE');
  });

  test('a directory without a valid oci-layout file is refused, naming the directory', async () => {
    const dir = join(root, 'not-a-layout');
    await mkdir(dir);
    await assert.rejects(parseOciLayoutSpec(`oci:${dir}`).openSource(), (e: unknown) => codeOf(e) === 'E_FORMAT' && (e as Error).message === `${dir}: not an OCI image layout (no oci-layout file)`);
    await writeFile(join(dir, 'oci-layout'), 'imageLayoutVersion=1.0.0');
    await assert.rejects(parseOciLayoutSpec(`oci:${dir}`).openSource(), (e: unknown) => codeOf(e) === 'E_FORMAT' && (e as Error).message === `${dir}: not an OCI image layout (oci-layout is not valid JSON)`);
    await assert.rejects(parseOciLayoutSpec(`oci:${join(root, 'absent')}`).openSource(), (e: unknown) => codeOf(e) === 'E_NOT_FOUND');
    // nor does the sink turn a directory holding other things into a layout
    await assert.rejects(parseOciLayoutSpec(`oci:${dir}`).openSink(), (e: unknown) => codeOf(e) === 'E_FORMAT');
    const home = join(root, 'someones-home');
    await mkdir(home);
    await writeFile(join(home, 'notes.txt'), 'keep me');
    await assert.rejects(parseOciLayoutSpec(`oci:${home}`).openSink(), (e: unknown) => codeOf(e) === 'E_CONFLICT' && (e as Error).message === `${home}: exists, is not empty and is not an OCI image layout; choose another directory`);
    // an empty directory is taken, but made a layout only by the first write: a sink that wrote nothing leaves it empty
    const empty = join(root, 'empty-dir');
    await mkdir(empty);
    const unused = await parseOciLayoutSpec(`oci:${empty}`).openSink();
    assert.equal(await unused.hasBlob(testImage(14).config.descriptor.digest), false);
    await unused[Symbol.asyncDispose]();
    assert.deepEqual(await readdir(empty), []);
  });

  test('a sink disposed without commit takes back its blobs and the layout it made, leaving the directory as it was; a --resume load keeps its blobs', async () => {
    const img = testImage(13);
    const { Readable } = await import('node:stream');
    const fresh = join(root, 'never-committed');
    {
      await using sink = await parseOciLayoutSpec(`oci:${fresh}`).openSink({ removeIfUncommitted: true });
      await sink.putBlob(Readable.from([img.config.bytes]), img.config.descriptor);
      await sink.putManifest(img.manifest.bytes, img.manifest.descriptor);
    }
    await assert.rejects(readdir(fresh), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
    const existing = join(root, 'was-empty');
    await mkdir(existing);
    {
      await using sink = await parseOciLayoutSpec(`oci:${existing}`).openSink();
      await sink.putBlob(Readable.from([img.config.bytes]), img.config.descriptor);
    }
    assert.deepEqual(await readdir(existing), [], 'emptied again, not removed');
    const forLoad = join(root, 'interrupted-load');
    {
      await using sink = await parseOciLayoutSpec(`oci:${forLoad}`).openSink({ resume: true });
      await sink.putBlob(Readable.from([img.config.bytes]), img.config.descriptor);
    }
    await readFile(join(forLoad, 'blobs', 'sha256', img.config.descriptor.digest.slice(7)));

    // what another tool put into the directory while the sink wrote is not baler's: it stays, and so
    // does the directory (the take-back removes only the names a layout is made of, none recursively)
    for (const [dir, what] of [
      [join(root, 'shared-new'), 'absent'],
      [join(root, 'shared-empty'), 'empty'],
    ] as const) {
      if (what === 'empty') await mkdir(dir);
      {
        await using sink = await parseOciLayoutSpec(`oci:${dir}`).openSink({ removeIfUncommitted: true });
        await sink.putBlob(Readable.from([img.config.bytes]), img.config.descriptor);
        await mkdir(join(dir, 'notes'));
        await writeFile(join(dir, 'notes', 'mine.txt'), 'not baler\'s');
      }
      assert.deepEqual(await readdir(dir), ['notes'], `${what}: only the layout's own names were removed`);
      assert.equal(await readFile(join(dir, 'notes', 'mine.txt'), 'utf8'), "not baler's");
    }
  });

  test('the sink creates a layout, appends to it, and the source reads both images back', async () => {
    const dir = join(root, 'appended');
    const a = testImage(11);
    const b = testImage(12);
    for (const [img, ref] of [
      [a, `oci:${dir}:imga:1`],
      [b, `oci:${dir}:latest`],
    ] as const) {
      await using sink = await parseOciLayoutSpec(ref).openSink();
      for (const blob of [img.config, ...img.layers]) {
        if (!(await sink.hasBlob(blob.descriptor.digest))) await sink.putBlob((await import('node:stream')).Readable.from([blob.bytes]), blob.descriptor);
      }
      await sink.putManifest(img.manifest.bytes, img.manifest.descriptor);
      await sink.addImage(img.manifest.descriptor, parseImageName('ignored:name'));
      const res = await sink.commit();
      assert.deepEqual(res.moved, []);
      assert.equal(res.location, dir);
    }
    // `{"imageLayoutVersion": "1.0.0"}` or without the space: both are JSON
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const idx = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    assert.deepEqual(
      idx.manifests.map((m) => [m.digest, m.annotations]),
      [
        [a.manifest.descriptor.digest, { 'io.containerd.image.name': 'docker.io/library/imga:1', 'org.opencontainers.image.ref.name': 'imga:1' }],
        [b.manifest.descriptor.digest, { 'org.opencontainers.image.ref.name': 'latest' }],
      ],
    );
    await using all = await parseOciLayoutSpec(`oci:${dir}`).openSource();
    const listed = await all.list();
    assert.deepEqual(
      listed.map((e) => [e.descriptor.digest, e.names.map(familiarName)]),
      [
        [a.manifest.descriptor.digest, ['imga:1']],
        [b.manifest.descriptor.digest, []],
      ],
    );
    await using one = await parseOciLayoutSpec(`oci:${dir}:latest`).openSource();
    assert.deepEqual((await one.list()).map((e) => e.descriptor.digest), [b.manifest.descriptor.digest]);
    const layer = await one.fetchBlob(b.layers[2]!.descriptor);
    assert.equal((await sha256OfStream(layer)).digest, b.layers[2]!.descriptor.digest);
    assert.equal(sha256Of(await one.fetchManifest(b.manifest.descriptor)), b.manifest.descriptor.digest);
    await using none = await parseOciLayoutSpec(`oci:${dir}:nope:9`).openSource();
    await assert.rejects(none.list(), (e: unknown) => codeOf(e) === 'E_NOT_FOUND' && /no image "nope:9" in this layout \(it has imga:1\)/.test((e as Error).message));
    assert.deepEqual((await fsckLayout(dir)).problems, []);
  });

  test('reads a layout skopeo wrote and writes one skopeo reads', { skip: !hasSkopeo && 'skopeo not installed' }, async () => {
    const skopeoDir = join(root, 'by-skopeo');
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${FIXTURE_TAR}`, `oci:${skopeoDir}:imga:1`]);
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${FIXTURE_TAR}`, `oci:${skopeoDir}:other:2`]);
    await using src = await parseOciLayoutSpec(`oci:${skopeoDir}`).openSource();
    const entries = await src.list();
    assert.deepEqual(entries.flatMap((e) => e.names.map(fullName)).sort(), ['docker.io/library/imga:1', 'docker.io/library/other:2']);
    assert.equal(entries.length, 1, 'both names point at one manifest, so one image');

    const ourDir = join(root, 'by-baler');
    await using sink = await parseOciLayoutSpec(`oci:${ourDir}`).openSink();
    await copyAll(src, sink);
    assert.deepEqual((await fsckLayout(ourDir)).problems, []);
    const want = execFileSync('skopeo', ['inspect', '--raw', `oci:${skopeoDir}:imga:1`]);
    // skopeo finds our entry by its ref.name and reads the very same manifest bytes
    const got = execFileSync('skopeo', ['inspect', '--raw', `oci:${ourDir}:imga:1`]);
    assert.ok(got.equals(want));
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${ourDir}:other:2`]).toString()) as { Layers: string[] };
    assert.equal(info.Layers.length, 3);

    // and the store transport is the same layout code
    const storeDir = join(root, 'store');
    await using storeSink = await parseStoreSpec(`store:${storeDir}`).openSink();
    await using src2 = await parseOciLayoutSpec(`oci:${skopeoDir}:other:2`).openSource();
    await copyAll(src2, storeSink);
    await using storeSrc = await parseStoreSpec(`store:${storeDir}`).openSource();
    // oci:DIR:other:2 selects the image under that one name only
    assert.deepEqual((await storeSrc.list()).map((e) => e.names.map(familiarName)), [['other:2']]);
    const copied = execFileSync('skopeo', ['inspect', '--raw', `oci:${storeDir}:other:2`]);
    assert.ok(copied.equals(want));
  });
});
