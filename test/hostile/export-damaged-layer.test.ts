/**
 * `baler export` of an image whose stored layer was damaged after it was loaded (a bit flip on disk). The
 * export reads an uncompressed layer's headers by offset first and checks its digest while it copies, so
 * a damaged body or header must still fail with one line naming the layer, a non-zero exit, and nothing
 * at -o — the same as when both passes streamed the layer.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { scanToc } from '../../src/tar/toc.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { biggestBlob } from '../helpers/store-blobs.js';
import { fixture } from '../helpers/paths.js';

const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
const NAME = 'fixture/layers:3';
const tmp = new TempDirs();
after(() => tmp.removeAll());

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] ?? 0) ^ 0x55;
  await writeFile(file, bytes);
}

describe('export of a damaged stored layer', () => {
  let dir = '';

  before(async () => {
    dir = await tmp.make('baler-export-damaged-');
  });

  async function damagedStore(label: string, where: 'body' | 'header'): Promise<{ store: string; hex: string }> {
    const store = join(dir, `store-${label}`);
    await balerOk(['load', '-q', '-i', FIXTURE, '--store', store]);
    const blob = await biggestBlob(store);
    let at = -1;
    await scanToc(blob, blob, (e) => {
      if (at < 0 && e.type === 'file' && e.size > 0) at = where === 'body' ? e.dataOffset + Math.floor(e.size / 2) : e.headerOffset + 10;
    });
    assert.ok(at >= 0, 'the layer has a file with content');
    await flipByte(blob, at);
    return { store, hex: blob.slice(-64) };
  }

  test('a flipped byte inside a file body: integrity error naming the layer, nothing at -o', async () => {
    const { store, hex } = await damagedStore('body', 'body');
    const out = join(dir, 'body.tar');
    const args = ['export', '--store', store, '-o', out, NAME];
    const r = await runBaler(args);
    assert.equal(r.code, ExitCode.integrity, describeRun(args, r));
    assert.match(r.stderr, new RegExp(`^baler: .*${hex.slice(0, 12)}.*\\n$`), 'one line naming the layer');
    assert.equal(existsSync(out), false, 'no partial export at -o');
  });

  test('a flipped byte inside a tar header: a clear error, nothing at -o', async () => {
    const { store } = await damagedStore('header', 'header');
    const out = join(dir, 'header.tar');
    const args = ['export', '--store', store, '-o', out, NAME];
    const r = await runBaler(args);
    assert.notEqual(r.code, 0, describeRun(args, r));
    assert.match(r.stderr, /^baler: [^\n]+\n$/, 'one line');
    assert.equal(existsSync(out), false, 'no partial export at -o');
  });
});
