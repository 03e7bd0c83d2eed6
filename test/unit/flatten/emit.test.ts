/**
 * The two streaming passes on real tar bytes, layers fed in 321-byte chunks; the output is read back
 * with tar-stream (not src/tar). Layers are written with src/tar's TarWriter so PAX xattrs, devices,
 * long names and big modes are exercised end to end.
 */
import { strict as assert } from 'node:assert';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { emitFlattened, scanLayers, type LayerTars } from '../../../src/tar/flatten/emit.js';
import { planFlatten } from '../../../src/tar/flatten/plan.js';
import type { TarHeader } from '../../../src/tar/header.js';
import { TarWriter } from '../../../src/tar/write.js';
import { BalerError } from '../../../src/errors.js';
import { tarFacts } from './tar-facts.js';

type Item = [Partial<TarHeader> & { name: string; type: TarHeader['type'] }, string?];

async function layerTar(items: Item[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(out);
  for (const [h, data] of items) {
    const body = data === undefined ? undefined : Buffer.from(data);
    await w.add({ size: body?.length ?? 0, mode: h.type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: 1700000000, ...h }, body);
  }
  await w.finish();
  return Buffer.concat(chunks);
}

/** 321-byte chunks, so every header and body straddles chunk boundaries. */
function chunked(b: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += 321) parts.push(b.subarray(i, i + 321));
  return Readable.from(parts);
}

function tarsOf(layers: Buffer[]): LayerTars & { opened: number } {
  const t = {
    opened: 0,
    count: layers.length,
    what: (i: number) => `layer ${i + 1}`,
    async open(i: number) {
      t.opened++;
      return chunked(layers[i] as Buffer);
    },
  };
  return t;
}

async function flatten(layers: Buffer[]): Promise<Buffer> {
  const tars = tarsOf(layers);
  const tree = await scanLayers(tars);
  const plan = planFlatten(tree);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(out);
  await emitFlattened(tars, plan, w);
  await w.finish();
  return Buffer.concat(chunks);
}

describe('scanLayers + emitFlattened', () => {
  test('keeps xattrs, devices, setuid, long names; materialises a cross-layer link whose target was replaced', async () => {
    const long = `${'d'.repeat(120)}/ünïcødé-${'f'.repeat(90)}.txt`;
    const l1 = await layerTar([
      [{ name: 'bin/', type: 'dir' }],
      [{ name: 'bin/ping', type: 'file', mode: 0o4755, pax: { 'SCHILY.xattr.security.capability': 'cap' } }, 'ping\n'],
      [{ name: 'dev/', type: 'dir' }],
      [{ name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 }],
      [{ name: 'orig', type: 'file' }, 'first\n'],
      [{ name: `${'d'.repeat(120)}/`, type: 'dir' }],
      [{ name: long, type: 'file' }, 'long\n'],
    ]);
    const l2 = await layerTar([[{ name: 'link', type: 'hardlink', linkname: 'orig' }], [{ name: 'twin', type: 'hardlink', linkname: long }]]);
    const l3 = await layerTar([[{ name: 'orig', type: 'file' }, 'second\n'], [{ name: 'dev/.wh..wh..opq', type: 'file' }]]);
    const facts = await tarFacts(await flatten([l1, l2, l3]));
    assert.equal(facts.files.get('bin/ping')?.mode, '4755');
    assert.equal(facts.files.get('bin/ping')?.xattrs, JSON.stringify({ 'SCHILY.xattr.security.capability': 'cap' }));
    assert.equal(facts.files.has('dev/sda'), false, 'opaque marker hides lower devices');
    assert.equal(facts.files.get('dev')?.type, 'directory');
    assert.notEqual(facts.files.get('link')?.content, facts.files.get('orig')?.content);
    assert.equal(facts.files.get(long)?.content, facts.files.get('twin')?.content);
    assert.equal(facts.hardlinks.length, 1);
  });

  test('pass 2 skips layers it needs nothing from', async () => {
    const l1 = await layerTar([[{ name: 'a', type: 'file' }, 'a']]);
    const l2 = await layerTar([[{ name: 'a', type: 'file' }, 'b']]);
    const tars = tarsOf([l1, l2]);
    const plan = planFlatten(await scanLayers(tars));
    const w = new TarWriter(new PassThrough().resume());
    await emitFlattened(tars, plan, w);
    assert.equal(tars.opened, 3);
  });

  test('an absolute or escaping entry stops pass 1 with E_PATH_ESCAPE naming layer and entry', async () => {
    for (const name of ['/etc/passwd', '../../x']) {
      const l = await layerTar([[{ name, type: 'file' }, 'x']]);
      await assert.rejects(scanLayers(tarsOf([l])), (e: unknown) => e instanceof BalerError && e.code === 'E_PATH_ESCAPE' && e.message.startsWith(`layer 1: entry ${JSON.stringify(name)}`));
    }
    const l = await layerTar([[{ name: 'ok', type: 'file' }, 'x'], [{ name: 'lnk', type: 'hardlink', linkname: '../outside' }]]);
    await assert.rejects(scanLayers(tarsOf([l])), /layer 1: hard link "lnk", target: entry "..\/outside" points outside/);
  });
});
