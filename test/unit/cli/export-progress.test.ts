/**
 * What `baler export` shows while it reads layers: plain lines per finished read without a terminal,
 * a redrawn line plus permanent lines on one, nothing with -q, and only the JSON report with --json.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ExportProgressLines } from '../../../src/cli/render/export-progress-lines.js';
import type { CopyEvent } from '../../../src/pipeline/events.js';
import { exportImage } from '../../../src/pipeline/export.js';
import { parseTransportRef } from '../../../src/transports/registry.js';
import { dockerArchiveParts, sha256Hex } from '../../helpers/image-archives.js';
import { fixture } from '../../helpers/paths.js';
import { balerOk, describeRun, runBaler } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const SOURCE = `docker-archive:${FIXTURE}`;

const tmp = new TempDirs();
after(() => tmp.removeAll());
let dir = '';
before(async () => {
  dir = await tmp.make('baler-h4-export-progress-');
});

/** The fixture's layers as the 12-hex ids the progress lines name (sha256 of each layer tar), base first. */
function layerIds(): string[] {
  const member = (name: string): Buffer => execFileSync('tar', ['-xOf', FIXTURE, name], { maxBuffer: 64 * 1024 * 1024 });
  const [manifest] = JSON.parse(member('manifest.json').toString()) as Array<{ Layers: string[] }>;
  const layers = manifest?.Layers ?? [];
  assert.equal(layers.length, 3);
  return layers.map((l) => createHash('sha256').update(member(l)).digest('hex').slice(0, 12));
}

/** A 100-column terminal that records what was written to it. */
function fakeTerminal(): Writable & { isTTY: true; columns: number; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return Object.assign(w, { isTTY: true as const, columns: 100, text: () => text });
}

describe('baler export progress', () => {
  test('not a terminal: one "Scanned"/"Copied" line per layer read, then the summary', async () => {
    const args = ['export', '-o', join(dir, 'a.tar'), SOURCE];
    const r = await runBaler(args);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.doesNotMatch(r.stderr, /\x1b/);
    const lines = r.stderr.trimEnd().split('\n');
    const ids = layerIds();
    const reads = lines.slice(0, -1).map((l) => l.replace(/\(.*\)$/, '(…)'));
    // every layer is scanned; pass 2 reads the layers whose files survive (all three here)
    assert.deepEqual(reads, [...ids.map((id) => `Scanned layer ${id} (…)`), ...ids.map((id) => `Copied layer ${id} (…)`)]);
    for (const l of lines.slice(0, -1)) assert.match(l, /\(\d[\d.]*[kMG]?B in \d[\d.]*m?s(, [\d.]+[kMG]?B\/s)?\)$/);
    assert.match(lines.at(-1) ?? '', /^Exported fixture\/layers:3 \(3 layers/);
  });

  test('from the store: pass 1 reads headers only, so each layer shows one copy that reaches its size', async () => {
    const store = join(dir, 'store-progress');
    await balerOk(['load', '-q', '-i', FIXTURE, '--store', store]);
    const tty = fakeTerminal();
    let t = 0;
    const progress = new ExportProgressLines(tty, { now: () => (t += 50) });
    const source = await parseTransportRef('store', { storePath: store, cwd: dir }).openSource();
    try {
      await exportImage({ source, image: 'fixture/layers:3', to: { kind: 'file', path: join(dir, 's.tar') }, compression: 'none', onEvent: progress.handle });
    } finally {
      await source[Symbol.asyncDispose]();
    }
    progress.finish();
    const text = tty.text();
    const screen = text.split('\n').map((l) => l.split('\r\x1b[2K').at(-1) ?? '');
    const finished = screen.slice(1).filter((l) => l !== '');
    assert.deepEqual(finished.map((l) => l.replace(/\s+\S+B in .*$/, '')), layerIds().map((id) => `${id}  copied`));
    // no live line shows more done than the read's size
    const unit: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
    const bytes = (n: string, u: string): number => Number(n) * (unit[u] ?? NaN);
    for (const m of text.matchAll(/copying {2}([\d.]+)(B|kB|MB|GB) \/ ([\d.]+)(B|kB|MB|GB)/g)) {
      assert.ok(bytes(m[1] as string, m[2] as string) <= bytes(m[3] as string, m[4] as string) * 1.01, m[0]);
    }
  });

  test('from the store, a layer big enough to be hashed on a worker: its copy is counted up to its size', async () => {
    const layer = writeTar([{ name: 'big.bin', data: randomBytes(6 * 1024 * 1024) }]);
    const archive = join(dir, 'big.tar');
    await writeFile(archive, writeTar(dockerArchiveParts('progress/big:1', [layer]).entries));
    const store = join(dir, 'store-big');
    await balerOk(['load', '-q', '-i', archive, '--store', store]);
    const digest = `sha256:${sha256Hex(layer)}`;
    const events: CopyEvent[] = [];
    const source = await parseTransportRef('store', { storePath: store, cwd: dir }).openSource();
    try {
      await exportImage({ source, image: 'progress/big:1', to: { kind: 'file', path: join(dir, 'big-out.tar') }, compression: 'none', onEvent: (e) => events.push(e) });
    } finally {
      await source[Symbol.asyncDispose]();
    }
    const copying = events.filter((e) => e.kind === 'blob' && e.digest === digest && e.state === 'copying');
    const last = copying.at(-1);
    assert.ok(copying.length > 2 && last?.kind === 'blob', `counted reads of ${digest}: ${copying.length}`);
    assert.equal(last.done, last.total);
    assert.ok((last.total ?? 0) >= 6 * 1024 * 1024, `total ${last.total}`);
  });

  test('-q prints nothing; --json prints only the report', async () => {
    const quiet = await balerOk(['export', '-q', '-o', join(dir, 'q.tar'), SOURCE]);
    assert.equal(quiet.stderr, '');
    const json = await balerOk(['export', '--json', '-o', join(dir, 'j.tar'), SOURCE]);
    assert.equal(json.stderr, '');
    const report = JSON.parse(json.stdout) as { layers: number; image: string };
    assert.equal(report.layers, 3);
  });

  test('on a terminal: the read in flight is redrawn in place and every read leaves one line', async () => {
    const tty = fakeTerminal();
    let t = 0;
    const progress = new ExportProgressLines(tty, { now: () => (t += 50) });
    const source = await parseTransportRef(SOURCE, { storePath: join(dir, 'store'), cwd: dir }).openSource();
    try {
      await exportImage({ source, to: { kind: 'file', path: join(dir, 't.tar') }, compression: 'none', onEvent: progress.handle });
    } finally {
      await source[Symbol.asyncDispose]();
    }
    progress.finish();
    const ids = layerIds();
    // what stays on screen: each \r\x1b[2K erases the live line before what replaces it
    const text = tty.text();
    const screen = text.split('\n').map((l) => l.split('\r\x1b[2K').at(-1) ?? '');
    assert.match(screen[0] ?? '', /^Exporting fixture\/layers:3: 3 layers, \S+B$/);
    const finished = screen.slice(1).filter((l) => l !== '');
    assert.deepEqual(
      finished.map((l) => l.replace(/\s+\S+B in .*$/, '')),
      [...ids.map((id) => `${id}  scanned`), ...ids.map((id) => `${id}  copied`)],
    );
    // the live line showed bytes of the read in flight and a speed
    assert.match(text, /\r\x1b\[2K[0-9a-f]{12} {2}(scanning|copying ) {2}\S+B \/ \S+B {3}\S+B\/s/);
    assert.ok(text.endsWith('\r\x1b[2K') || text.endsWith('\n'), 'the live line is cleared at the end');
  });
});
