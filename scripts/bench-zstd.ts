/**
 * `node --import tsx scripts/bench-zstd.ts [--mb N] [--level L]` — not a test. Compresses and decompresses
 * ~N MB (default 200) of semi-compressible data — the first N MB of a tar of /usr/lib — through:
 *   native    zstd-napi (libzstd, multithreaded compression), what baler uses
 *   portable  zstd-codec (wasm), baler's fallback (BALER_ZSTD=portable)
 *   zstd -T0  the zstd program, for reference
 * and prints MB/s of uncompressed bytes. The numbers feed the why-comment in src/codecs/zstd.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compressor, decompressor } from '../src/codecs/index.js';

interface Options {
  mb: number;
  level: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { mb: 200, level: 3 };
  for (let i = 0; i < argv.length; i++) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--mb' && v > 0) (o.mb = v), i++;
    else if (argv[i] === '--level' && Number.isInteger(v)) (o.level = v), i++;
  }
  return o;
}

/** A sink that only counts, so the measurement is the codec, not the disk. */
function counter(): Writable & { bytes: number } {
  const w = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      w.bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  w.bytes = 0;
  return w;
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function makeInput(file: string, mb: number): void {
  // the tar is cut at N MB: it is only sample bytes, not an archive anyone reads
  const r = spawnSync('sh', ['-c', `tar -cf - --sort=name /usr/lib 2>/dev/null | head -c ${mb * 1024 * 1024} > '${file}'`]);
  if (r.status !== 0) throw new Error(`could not build the input: ${String(r.stderr)}`);
}

async function runTool(args: string[], input: string, output: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('zstd', args, { stdio: ['pipe', 'pipe', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`zstd ${args.join(' ')} exited ${code}`))));
    createReadStream(input).pipe(child.stdin);
    (child.stdout as Readable).pipe(createWriteStream(output));
  });
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'baler-bench-zstd-'));
  try {
    const input = join(dir, 'input.tar');
    makeInput(input, o.mb);
    const size = statSync(input).size;
    const mb = size / 1024 / 1024;
    console.log(`input: ${mb.toFixed(0)} MB of /usr/lib as tar; level ${o.level}; ${availableParallelism()} CPUs`);
    const rows: string[][] = [];
    for (const backend of ['native', 'portable'] as const) {
      if (backend === 'portable') process.env.BALER_ZSTD = 'portable';
      else delete process.env.BALER_ZSTD;
      const packed = join(dir, `${backend}.zst`);
      const c = await timed(() => pipeline(createReadStream(input, { highWaterMark: 1024 * 1024 }), compressor('zstd', o.level), createWriteStream(packed)));
      const sink = counter();
      const d = await timed(() => pipeline(createReadStream(packed, { highWaterMark: 1024 * 1024 }), decompressor('zstd', packed), sink));
      if (sink.bytes !== size) throw new Error(`${backend}: round trip gave ${sink.bytes} bytes, expected ${size}`);
      rows.push([backend, (mb / c).toFixed(1), (mb / d).toFixed(1), (size / statSync(packed).size).toFixed(2)]);
    }
    delete process.env.BALER_ZSTD;
    const packed = join(dir, 'tool.zst');
    const c = await timed(() => runTool(['-T0', `-${o.level}`, '-c', '-q'], input, packed));
    const d = await timed(() => runTool(['-dc', '-q'], packed, join(dir, 'tool.out')));
    rows.push(['zstd -T0', (mb / c).toFixed(1), (mb / d).toFixed(1), (size / statSync(packed).size).toFixed(2)]);
    console.log(['impl', 'compress MB/s', 'decompress MB/s', 'ratio'].map((h) => h.padEnd(16)).join(''));
    for (const r of rows) console.log(r.map((v) => v.padEnd(16)).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
