/**
 * An output path that is a device or a FIFO (`-o /dev/null`, `-o /dev/tape`, a named pipe) is written INTO,
 * never replaced: baler writes archives to a temp name and renames it over the target, and a rename over
 * /dev/null turns the machine's null device into a regular file (an export did exactly that). The tests use
 * a private null device made with mknod and a FIFO in a temp dir, never the real /dev/null.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { fixture } from '../helpers/paths.js';

const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
const NAME = 'fixture/layers:3';
const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('output to a device or FIFO', () => {
  let dir = '';
  let store = '';
  let nullDevice = '';

  before(async () => {
    dir = await tmp.make('baler-device-output-');
    store = join(dir, 'store');
    await balerOk(['load', '-q', '-i', FIXTURE, '--store', store]);
    nullDevice = join(dir, 'null');
    execFileSync('mknod', ['-m', '666', nullDevice, 'c', '1', '3']);
  });

  async function stillTheDevice(): Promise<void> {
    const st = await stat(nullDevice);
    assert.ok(st.isCharacterDevice(), `${nullDevice} is still a character device`);
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('baler-tmp')), [], 'no temp file left beside it');
  }

  for (const [verb, args] of [
    ['export', ['export', '-q', '--store', '{store}', '-o', '{out}', NAME]],
    ['export --compress zstd', ['export', '-q', '--store', '{store}', '--compress', 'zstd', '-o', '{out}', NAME]],
    ['save', ['save', '-q', '--store', '{store}', '-o', '{out}', NAME]],
  ] as const) {
    test(`${verb} -o a null device: exit 0, the device is still a device`, async () => {
      const argv = args.map((a) => a.replace('{store}', store).replace('{out}', nullDevice));
      const r = await runBaler(argv);
      assert.equal(r.code, ExitCode.ok, describeRun(argv, r));
      await stillTheDevice();
    });
  }

  test('export -o a FIFO: the reader gets the same tar as a regular file, the FIFO stays a FIFO', async () => {
    const regular = join(dir, 'rootfs.tar');
    await balerOk(['export', '-q', '--store', store, '-o', regular, NAME]);
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const parts: Buffer[] = [];
    reader.stdout.on('data', (c: Buffer) => parts.push(c));
    const closed = new Promise<number | null>((resolve) => reader.on('close', resolve));
    const argv = ['export', '-q', '--store', store, '-o', fifo, NAME];
    const r = await runBaler(argv);
    assert.equal(r.code, ExitCode.ok, describeRun(argv, r));
    // a FIFO replaced by a file leaves the reader waiting for a writer forever: give up after 10 s
    const timer = setTimeout(() => reader.kill(), 10_000);
    const code = await closed;
    clearTimeout(timer);
    assert.equal(code, 0, 'the reader saw the end of the tar');
    assert.ok(Buffer.concat(parts).equals(await readFile(regular)), 'same bytes through the FIFO');
    assert.ok((await stat(fifo)).isFIFO());
  });

  test('a save to a FIFO nobody reads reports a mistake found before writing (a missing --have file) instead of hanging', async () => {
    const fifo = join(dir, 'unread-pipe');
    execFileSync('mkfifo', [fifo]);
    const argv = ['save', '--store', store, '--have', join(dir, 'no-such-have.json'), '-o', fifo, NAME];
    const r = await runBaler(argv, { timeoutMs: 30_000 });
    assert.equal(r.code, ExitCode.notFound, describeRun(argv, r));
    assert.match(r.stderr, /^baler: .*no-such-have\.json: no such file or directory\n$/);
    assert.ok((await stat(fifo)).isFIFO());
  });

  test('inventory -o a device is refused with one line and exit 7, the device untouched', async () => {
    const argv = ['inventory', '--store', store, '-o', nullDevice];
    const r = await runBaler(argv);
    assert.equal(r.code, ExitCode.conflict, describeRun(argv, r));
    assert.match(r.stderr, /^baler: .*null: is a device, FIFO or socket, not a regular file; baler will not replace it\n$/);
    await stillTheDevice();
  });
});
