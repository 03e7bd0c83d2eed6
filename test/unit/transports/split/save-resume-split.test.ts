import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { balerInProcess, balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { runInterrupted } from './interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const LAYER = 1536 * 1024;
const PART = '1M';
const PART_BYTES = 1024 * 1024;

interface SetJson {
  compression: string;
  totalSize: number;
  partSize: number;
  parts: Array<{ name: string; size: number; sha256: string }>;
}

interface SaveJson {
  resumed?: { blobs: number; bytes: number };
}

function partName(out: string, n: number): string {
  return `${out}.${String(n).padStart(3, '0')}`;
}

/** The set's JSON without the part names (which follow -o). */
async function setShape(dir: string, json: string): Promise<Omit<SetJson, 'parts'> & { parts: Array<{ size: number; sha256: string }> }> {
  const doc = JSON.parse(await readFile(join(dir, json), 'utf8')) as SetJson;
  return { ...doc, parts: doc.parts.map((p) => ({ size: p.size, sha256: p.sha256 })) };
}

async function concatParts(dir: string, out: string): Promise<Buffer> {
  const bufs: Buffer[] = [];
  for (let n = 1; existsSync(join(dir, partName(out, n))); n++) bufs.push(await readFile(join(dir, partName(out, n))));
  return Buffer.concat(bufs);
}

async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(path, bytes);
}

describe('save --resume with --split and with compression', () => {
  let dir: string;
  let store: string;
  let plainTar: Buffer;
  before(async () => {
    dir = await tmp.make();
    store = join(dir, 'store');
    const layers = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6'].map((s) => writeTar([{ name: `${s}.bin`, data: randomBytes(LAYER) }]));
    await writeFile(join(dir, 'src.tar'), writeTar(dockerArchiveParts('big:1', layers).entries));
    await balerInProcessOk(['load', '--store', store, '-i', 'src.tar'], dir);
    await balerInProcessOk(['save', '--store', store, '-o', 'plain.tar', 'big:1'], dir);
    plainTar = await readFile(join(dir, 'plain.tar'));
  });

  const save = (...args: string[]): string[] => ['save', '--store', store, ...args, 'big:1'];

  /** Interrupts (as SIGINT does) after `layers` finished layers; the partial state stays, nothing is published. */
  async function interrupt(args: string[], layers: number): Promise<void> {
    const r = await runInterrupted(save('--resume', ...args), dir, /^Copied layer /, layers);
    assert.ok(r.interrupted, r.stderr);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.match(r.stderr, /^baler: kept .*\.baler-partial.* and its journal; run the same save with --resume to continue$/m);
  }

  it('split: an interrupted save keeps its finished parts; --resume verifies them, does not rewrite them, and ends with the same set', async () => {
    await balerInProcessOk(save('--resume', '--split', PART, '-o', 'clean.tar'), dir);
    await balerInProcessOk(save('--split', PART, '-o', 'ref.tar'), dir);
    // an uninterrupted --resume split save is the plain split save, part for part
    assert.deepEqual(await setShape(dir, 'clean.baler.json'), await setShape(dir, 'ref.baler.json'));
    assert.ok((await concatParts(dir, 'clean.tar')).equals(plainTar));

    await interrupt(['--split', PART, '-o', 's.tar'], 3);
    const names = (await readdir(dir)).filter((n) => n.startsWith('s.'));
    assert.ok(!names.includes('s.baler.json') && !names.includes('s.tar.001'), `nothing published: ${names.join(' ')}`);
    assert.ok(existsSync(join(dir, 's.tar.baler-partial.002')), `parts kept: ${names.join(' ')}`);
    const before1 = await stat(join(dir, 's.tar.baler-partial.001'));
    const before2 = await stat(join(dir, 's.tar.baler-partial.002'));
    assert.equal(before1.size, PART_BYTES);
    assert.equal(before2.size, PART_BYTES);

    const r = await balerInProcessOk(save('--resume', '--json', '--split', PART, '-o', 's.tar'), dir);
    assert.match(r.stderr, /^baler: re-verifying the \S+ an interrupted save left in s\.tar\.baler-partial\.001…: \d+ complete blobs? to re-hash and keep; anything after them is written again$/m);
    const json = JSON.parse(r.stdout) as SaveJson;
    assert.ok((json.resumed?.blobs ?? 0) >= 2, r.stdout);
    assert.deepEqual(await setShape(dir, 's.baler.json'), await setShape(dir, 'clean.baler.json'));
    assert.ok((await concatParts(dir, 's.tar')).equals(plainTar));
    // the kept parts were renamed into place, not written again
    for (const [n, was] of [[1, before1], [2, before2]] as const) {
      const now = await stat(join(dir, partName('s.tar', n)));
      assert.equal(now.ino, was.ino, `part ${n} is another file`);
      assert.equal(now.mtimeMs, was.mtimeMs, `part ${n} was written again`);
    }
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('baler-partial')), []);

    await balerInProcessOk(['verify', 's.tar.001'], dir);
    const loaded = await balerInProcessOk(['load', '--store', join(dir, 'store-s'), '-i', 's.tar.001'], dir);
    assert.match(loaded.stderr + loaded.stdout, /big:1/);
  });

  it('split: a damaged kept part is found; it and what follows are written again', async () => {
    await interrupt(['--split', PART, '-o', 'd.tar'], 4);
    // part 5 (4-5 MiB) holds the third layer: the first two layers end in part 4, so parts 1-3 stay
    await flipByte(join(dir, 'd.tar.baler-partial.005'), 1000);
    const kept = await Promise.all([1, 2, 3].map((n) => stat(join(dir, `d.tar.baler-partial.${String(n).padStart(3, '0')}`))));
    const r = await balerInProcessOk(save('--resume', '--json', '--split', PART, '-o', 'd.tar'), dir);
    assert.deepEqual(await setShape(dir, 'd.baler.json'), await setShape(dir, 'clean.baler.json'));
    assert.ok((await concatParts(dir, 'd.tar')).equals(plainTar));
    for (const [i, was] of kept.entries()) assert.equal((await stat(join(dir, partName('d.tar', i + 1)))).mtimeMs, was.mtimeMs, `part ${i + 1} was written again`);
    // the config is put again (not counted); the two layers before the damage are reused, the rest rewritten
    assert.equal((JSON.parse(r.stdout) as SaveJson).resumed?.blobs, 2, r.stdout);
    await balerInProcessOk(['verify', 'd.baler.json'], dir);
  });

  it('a rerun of the other shape (with or without --split) names no partial it would re-verify: it removes that one and starts over', async () => {
    await interrupt(['-o', 'one.tar'], 3);
    const toSplit = await balerInProcessOk(save('--resume', '--json', '--split', PART, '-o', 'one.tar'), dir);
    assert.doesNotMatch(toSplit.stderr, /re-verifying/, toSplit.stderr);
    assert.equal((JSON.parse(toSplit.stdout) as SaveJson).resumed?.blobs, 0, toSplit.stdout);
    assert.ok((await concatParts(dir, 'one.tar')).equals(plainTar));

    await interrupt(['--split', PART, '-o', 'parts.tar'], 3);
    const toOne = await balerInProcessOk(save('--resume', '--json', '-o', 'parts.tar'), dir);
    assert.doesNotMatch(toOne.stderr, /re-verifying/, toOne.stderr);
    assert.equal((JSON.parse(toOne.stdout) as SaveJson).resumed?.blobs, 0, toOne.stdout);
    assert.ok((await readFile(join(dir, 'parts.tar'))).equals(plainTar));
    assert.deepEqual((await readdir(dir)).filter((n) => /^(one|parts)\.tar\.baler-partial/.test(n)), []);
  });

  it('split: a plain rerun (no --resume) removes the partial parts and starts over', async () => {
    await interrupt(['--split', PART, '-o', 'p.tar'], 3);
    await balerInProcessOk(save('--split', PART, '-o', 'p.tar'), dir);
    assert.deepEqual(await setShape(dir, 'p.baler.json'), await setShape(dir, 'clean.baler.json'));
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('p.tar.baler-partial')), []);
  });

  for (const [codec, ext] of [['gzip', 'tar.gz'], ['zstd', 'tar.zst']] as const) {
    it(`${codec}: an interrupted save continues after the verified members; the result equals an uninterrupted --resume save`, async () => {
      await balerInProcessOk(save('--resume', '-o', `clean.${ext}`), dir);
      const clean = await readFile(join(dir, `clean.${ext}`));
      await interrupt(['-o', `c.${ext}`], 3);
      const r = await balerInProcessOk(save('--resume', '--json', '-o', `c.${ext}`), dir);
      assert.match(r.stderr, new RegExp(`^baler: re-verifying the \\S+ an interrupted save left in c\\.${ext.replace('.', '\\.')}\\.baler-partial: \\d+ complete blobs? to re-hash and keep; anything after them is written again$`, 'm'));
      assert.ok(((JSON.parse(r.stdout) as SaveJson).resumed?.blobs ?? 0) >= 2, r.stdout);
      assert.ok((await readFile(join(dir, `c.${ext}`))).equals(clean), 'resumed archive differs from an uninterrupted --resume save');
      if (codec === 'gzip') assert.ok(gunzipSync(clean).equals(plainTar), 'the members decode to the plain archive');
      assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith(`c.${ext}`)), [`c.${ext}`]);
      await balerInProcessOk(['verify', `c.${ext}`], dir);
    });
  }

  it('gzip: a damaged member and everything after it are written again', async () => {
    await interrupt(['-o', 'g.tar.gz'], 4);
    const journal = (await readFile(join(dir, 'g.tar.gz.baler-partial.journal'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { outEnd: number });
    assert.ok(journal.length >= 3 && journal.every((e) => typeof e.outEnd === 'number'), 'the journal has compressed offsets');
    await flipByte(join(dir, 'g.tar.gz.baler-partial'), (journal[1] as { outEnd: number }).outEnd + 100);
    const r = await balerInProcessOk(save('--resume', '--json', '-o', 'g.tar.gz'), dir);
    assert.ok((await readFile(join(dir, 'g.tar.gz'))).equals(await readFile(join(dir, 'clean.tar.gz'))));
    assert.equal((JSON.parse(r.stdout) as SaveJson).resumed?.blobs, 1, r.stdout); // the config is put again, not counted
  });

  it('split and zstd together: parts of the compressed stream resume to the same set', async () => {
    await balerInProcessOk(save('--resume', '--split', PART, '-o', 'cleanz.tar.zst'), dir);
    await interrupt(['--split', PART, '-o', 'sz.tar.zst'], 3);
    const kept = await stat(join(dir, 'sz.tar.zst.baler-partial.001'));
    const r = await balerInProcessOk(save('--resume', '--json', '--split', PART, '-o', 'sz.tar.zst'), dir);
    assert.ok(((JSON.parse(r.stdout) as SaveJson).resumed?.blobs ?? 0) >= 1, `the kept blobs were reused\n${r.stdout}`);
    const first = await stat(join(dir, partName('sz.tar.zst', 1)));
    assert.equal(first.ino, kept.ino, 'the kept first part was renamed, not rewritten');
    const shape = await setShape(dir, 'sz.baler.json');
    assert.equal(shape.compression, 'zstd');
    assert.deepEqual(shape, await setShape(dir, 'cleanz.baler.json'));
    await balerInProcessOk(['verify', 'sz.baler.json'], dir);
  });

  it('a resumed split save whose JSON cannot be written leaves no set without its JSON, and the parts resume later', async () => {
    await interrupt(['--split', PART, '-o', 'j.tar'], 3);
    await mkdir(join(dir, 'j.baler.json')); // the set's JSON cannot be renamed over a directory
    const failed = await balerInProcess(save('--resume', '--split', PART, '-o', 'j.tar'), dir);
    assert.notEqual(failed.code, 0, failed.stderr);
    const names = await readdir(dir);
    assert.deepEqual(names.filter((n) => /^j\.tar\.\d{3}$/.test(n)), [], 'no part under its final name');
    assert.ok(names.includes('j.tar.baler-partial.001'), names.join(' '));
    await rm(join(dir, 'j.baler.json'), { recursive: true });
    const r = await balerInProcessOk(save('--resume', '--json', '--split', PART, '-o', 'j.tar'), dir);
    assert.ok(((JSON.parse(r.stdout) as SaveJson).resumed?.blobs ?? 0) >= 1, r.stdout);
    await balerInProcessOk(['verify', 'j.baler.json'], dir);
  });

  it('refuses --resume for stdout', async () => {
    const r = await balerInProcess(save('--resume', '-o', '-'), dir);
    assert.equal(r.code, ExitCode.usage, r.stderr);
    assert.match(r.stderr, /--resume keeps a partial file next to -o FILE; it cannot resume stdout/);
  });
});
