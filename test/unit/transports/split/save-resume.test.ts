import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { runInterrupted } from './interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** A layer tar with `n` bytes of random content (so nothing about it compresses or dedupes). */
function bigLayer(seed: string, n: number): Buffer {
  return writeTar([{ name: `${seed}.bin`, data: randomBytes(n) }]);
}

interface SaveJson {
  resumed?: { blobs: number; bytes: number };
}

/** Large enough that a few layers outgrow the write buffers an interrupt may drop. */
const LAYER = 1536 * 1024;

describe('save --resume', () => {
  let dir: string;
  let store: string;
  let clean: Buffer;
  before(async () => {
    dir = await tmp.make();
    store = join(dir, 'store');
    const { entries } = dockerArchiveParts('big:1', ['l1', 'l2', 'l3', 'l4', 'l5', 'l6'].map((s) => bigLayer(s, LAYER)));
    await writeFile(join(dir, 'src.tar'), writeTar(entries));
    await balerInProcessOk(['load', '--store', store, '-i', 'src.tar'], dir);
    await balerInProcessOk(['save', '--store', store, '-o', 'clean.tar', 'big:1'], dir);
    clean = await readFile(join(dir, 'clean.tar'));
  });

  /** Interrupts `save --resume -o out` after `afterLayers` finished layers; returns the journal's lines. */
  async function interruptedSave(out: string, afterLayers: number): Promise<number> {
    const r = await runInterrupted(['save', '--store', store, '--resume', '-o', out, 'big:1'], dir, /^Copied layer /, afterLayers);
    assert.ok(r.interrupted, r.stderr);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.ok(!existsSync(join(dir, out)), 'nothing at -o after an interrupt');
    assert.ok(existsSync(join(dir, `${out}.baler-partial`)), 'the partial is kept for --resume');
    assert.match(r.stderr, new RegExp(`^baler: kept ${out.replace('.', '\\.')}\\.baler-partial and its journal; run the same save with --resume to continue$`, 'm'));
    // buffered bytes are flushed on the way out: the config and every finished layer are journaled
    const lines = (await readFile(join(dir, `${out}.baler-partial.journal`), 'utf8')).split('\n').filter(Boolean).length;
    assert.ok(lines === afterLayers + 1, `${lines} journaled, partial ${(await readFile(join(dir, `${out}.baler-partial`))).length} bytes\n${r.stderr}`);
    return lines;
  }

  it('continues an interrupted save after the verified blobs; the result is byte-identical to a clean save', async () => {
    const journaled = await interruptedSave('r.tar', 4);
    assert.ok(journaled >= 2, `${journaled} journaled; the test needs a layer to reuse`);
    const r = await balerInProcessOk(['save', '--store', store, '--resume', '--json', '-o', 'r.tar', 'big:1'], dir);
    const json = JSON.parse(r.stdout) as SaveJson;
    // every journaled layer is reused (the config is journaled first and put again, unwritten, so it is not counted)
    assert.equal(json.resumed?.blobs, journaled - 1, r.stdout);
    assert.ok((json.resumed?.bytes ?? 0) >= (journaled - 1) * LAYER, r.stdout);
    assert.ok((await readFile(join(dir, 'r.tar'))).equals(clean), 'resumed archive differs from a clean save');
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('r.tar')), ['r.tar']);
  });

  it('re-verifies the kept blobs: a damaged one and everything after it are written again', async () => {
    const journaled = await interruptedSave('d.tar', 5);
    assert.ok(journaled >= 3, `${journaled} journaled; the test damages the second layer`);
    const journal = (await readFile(join(dir, 'd.tar.baler-partial.journal'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { start: number; end: number });
    const second = journal[2] as { start: number; end: number }; // [0] is the config
    const partial = join(dir, 'd.tar.baler-partial');
    const bytes = await readFile(partial);
    const at = second.start + 512 + 10; // inside the second blob's data
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(partial, bytes);
    await writeFile(join(dir, 'd.tar.baler-partial.journal'), '{"torn": ', { flag: 'a' });
    const r = await balerInProcessOk(['save', '--store', store, '--resume', '--json', '-o', 'd.tar', 'big:1'], dir);
    assert.ok((await readFile(join(dir, 'd.tar'))).equals(clean), 'resumed archive differs from a clean save');
    const json = JSON.parse(r.stdout) as SaveJson;
    assert.equal(json.resumed?.blobs, 1, `only the layer before the damaged one is reused: ${r.stdout}`);
  });

  it('a plain rerun without --resume removes the partial and starts over', async () => {
    await interruptedSave('p.tar', 1);
    await balerInProcessOk(['save', '--store', store, '-o', 'p.tar', 'big:1'], dir);
    assert.ok((await readFile(join(dir, 'p.tar'))).equals(clean));
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('p.tar')), ['p.tar']);
  });
});
