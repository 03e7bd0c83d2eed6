import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { balerInProcessOk } from '../helpers/cli-in-process.js';
import { fixture } from '../helpers/paths.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { namesInIndex, storeState, tempLeftovers } from '../helpers/store-state.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** A pristine split set (save --split 300K of four fixture images) copied into a fresh dir per case. */
let pristine: string;
before(async () => {
  pristine = await tmp.make('baler-split-pristine-');
  await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--split', '300K', '-o', 'set.tar', 'imga:1', 'imgb:1', 'imgo:1', 'bbbase:1'], pristine);
});

async function copySet(): Promise<string> {
  const dir = await tmp.make('baler-split-case-');
  for (const n of await readdir(pristine)) await copyFile(join(pristine, n), join(dir, n));
  return dir;
}

/** load -i INPUT must fail with one `baler: PART: …` line and exit status, loading nothing. */
async function assertRejected(dir: string, input: string, exit: number, line: RegExp, extra: readonly string[] = []): Promise<void> {
  const store = join(dir, 'store');
  const args = ['load', '-i', input, '--store', store, ...extra];
  const r = await runBaler(args, { cwd: dir });
  const why = describeRun(args, r);
  assert.equal(r.code, exit, why);
  // progress lines of what was read before the damage was found may come first; one error line, last
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.filter((l) => l.startsWith('baler:')).length, 1, why);
  assert.match(lines[lines.length - 1] as string, line, why);
  const state = await storeState(store);
  assert.deepEqual(namesInIndex(state.index), [], `nothing may be loaded\n${why}`);
  assert.deepEqual(tempLeftovers(state.files), [], why);
}

describe('a damaged split set is refused, naming the part, and nothing is loaded', () => {
  it('one flipped byte in part 2: the part is named with both digests', async () => {
    const dir = await copySet();
    const part = join(dir, 'set.tar.002');
    const b = await readFile(part);
    b[1000] = (b[1000] as number) ^ 0xff;
    await writeFile(part, b);
    await assertRejected(dir, 'set.tar.001', ExitCode.integrity, /^baler: part 2 of \d+ \(set\.tar\.002\) is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/);
  });

  it('a missing part 3 (named before anything is read)', async () => {
    const dir = await copySet();
    await rm(join(dir, 'set.tar.003'));
    await assertRejected(dir, 'set.baler.json', ExitCode.notFound, /^baler: set\.tar\.003: missing \(part 3 of \d+\)$/);
  });

  it('a truncated last part', async () => {
    const dir = await copySet();
    const last = (await readdir(dir)).filter((n) => /^set\.tar\.\d{3}$/.test(n)).sort().pop() as string;
    await truncate(join(dir, last), 100);
    await assertRejected(dir, 'set.tar.001', ExitCode.badInput, new RegExp(`^baler: ${last.replace(/\./g, '\\.')}: truncated \\(expected \\d+ bytes, got 100\\)$`));
  });

  it('a part with bytes appended', async () => {
    const dir = await copySet();
    await writeFile(join(dir, 'set.tar.001'), Buffer.from('extra'), { flag: 'a' });
    await assertRejected(dir, 'set.tar.001', ExitCode.integrity, /^baler: set\.tar\.001: size mismatch \(expected 307200 bytes, got 307205\)$/);
  });

  it('a JSON that is not a split-set description', async () => {
    const dir = await copySet();
    await writeFile(join(dir, 'set.baler.json'), '{"kind": "baler-split-set", "version": 1, "parts": "no"}');
    await assertRejected(dir, 'set.baler.json', ExitCode.badInput, /^baler: set\.baler\.json: .*not a baler split-set description/);
  });
});

/** A tar member as its header says: where the header and the data start, and the data's size. */
interface Member {
  name: string;
  header: number;
  data: number;
  size: number;
}

/** The members of a plain ustar archive (what baler save writes), by walking its 512-byte headers. */
function membersOf(tar: Buffer): Member[] {
  const out: Member[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const h = tar.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = Number.parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    out.push({ name, header: at, data: at + 512, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('a byte damaged in the middle part breaks the archive before that part is hashed: still the part is named', () => {
  /** save --split 1000K of the fixture: 3 parts; part 2 holds the end of the big layer and the next tar headers. */
  let three: string;
  let parts: Array<{ name: string; size: number }>;
  let whole: Buffer;
  before(async () => {
    three = await tmp.make('baler-split-three-');
    await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--split', '1000K', '-o', 'set.tar', 'imga:1', 'imgb:1', 'imgo:1', 'bbbase:1'], three);
    parts = (JSON.parse(await readFile(join(three, 'set.baler.json'), 'utf8')) as { parts: Array<{ name: string; size: number }> }).parts;
    assert.equal(parts.length, 3, 'the fixture set must have a middle part');
    whole = Buffer.concat(await Promise.all(parts.map((p) => readFile(join(three, p.name)))));
  });

  /** The set copied to a fresh dir with the byte at whole-set offset `at` flipped. */
  async function damagedAt(at: number): Promise<string> {
    const dir = await tmp.make('baler-split-mid-');
    for (const n of await readdir(three)) await copyFile(join(three, n), join(dir, n));
    const start = (parts[0] as { size: number }).size;
    assert.ok(at >= start && at < start + (parts[1] as { size: number }).size, `offset ${at} is in the middle part`);
    const file = join(dir, 'set.tar.002');
    const b = await readFile(file);
    b[at - start] = (b[at - start] as number) ^ 0xff;
    await writeFile(file, b);
    return dir;
  }

  const partTwo = /^baler: part 2 of 3 \(set\.tar\.002\) is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/;

  it('inside a layer body: the layer digest fails first, the error names part 2', async () => {
    const start = (parts[0] as { size: number }).size;
    const end = start + (parts[1] as { size: number }).size;
    // the largest blob with data in part 2 (a layer, its digest mismatch comes before part 2 is complete)
    const layer = membersOf(whole)
      .filter((m) => m.name.startsWith('blobs/sha256/') && m.data < end && m.data + m.size > start + 4096)
      .sort((a, b) => b.size - a.size)[0] as Member;
    assert.ok(layer && layer.size > 100_000, 'a layer crosses into part 2');
    // -q: the small layers read beside it are copied (not committed) first, and would print their lines
    await assertRejected(await damagedAt(Math.max(layer.data, start) + 1234), 'set.tar.001', ExitCode.integrity, partTwo, ['-q']);
  });

  it('inside a tar header: the archive index fails first, the error names part 2', async () => {
    const start = (parts[0] as { size: number }).size;
    const end = start + (parts[1] as { size: number }).size;
    const header = membersOf(whole).find((m) => m.header >= start && m.header + 512 <= end) as Member;
    assert.ok(header, 'a tar header lies in part 2');
    // one byte of the member name: the header checksum no longer matches
    await assertRejected(await damagedAt(header.header + 20), 'set.baler.json', ExitCode.integrity, partTwo);
  });
});
