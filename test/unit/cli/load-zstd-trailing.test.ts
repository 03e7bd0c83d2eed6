/**
 * A .tar.zst with bytes after its last frame: zero padding to a tape or `dd conv=sync` block, or other data.
 * Unlike `gzip -d` with gzip (load-padded-gzip.test.ts), `zstd -d` refuses both ("unsupported format"),
 * so baler refuses them too, in one line naming the file and saying what follows the zstd data, not that
 * the file is no image archive. Both zstd implementations say the same; nothing is loaded.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixture } from '../../helpers/paths.js';
import { describeRun, runBaler } from '../../helpers/run-baler.js';
import { runChecked, runProcess } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { skipUnlessTools } from '../../helpers/tools.js';

const ZST = fixture('docker20-multi.tar.zst');
/** The block dd pads to; a multiple of every read size baler uses (64 KiB pipes, 1 MiB file reads). */
const BLOCK = 1024 * 1024;
const tmp = new TempDirs();
after(() => tmp.removeAll());

const BACKENDS = [
  ['native', { BALER_ZSTD: '' }],
  ['portable', { BALER_ZSTD: 'portable' }],
] as const;

/** `baler load` of FILE (as -i FILE, or on stdin) into a new store; its exit, stderr and what `baler ls --json` shows. */
async function loadAndList(file: string, route: 'file' | 'stdin', env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; images: unknown }> {
  const store = join(await tmp.make('baler-zst-tail-'), 'store');
  const args = route === 'file' ? ['load', '-q', '--store', store, '-i', file] : ['load', '-q', '--store', store];
  const load = await runBaler(args, { env, ...(route === 'stdin' ? { input: { file } } : {}) });
  const ls = await runBaler(['ls', '--json', '--store', store], { env });
  assert.equal(ls.code, 0, describeRun(['ls'], ls));
  return { code: load.code, stderr: load.stderr, images: JSON.parse(ls.stdout) };
}

describe('a .tar.zst with bytes after its last frame', () => {
  const files = { padded: '', junk: '' };

  before(async () => {
    const dir = await tmp.make('baler-zst-tail-');
    files.padded = join(dir, 'padded.tar.zst');
    await runChecked('dd', [`if=${ZST}`, `of=${files.padded}`, `bs=${BLOCK}`, 'conv=sync', 'status=none']);
    assert.equal((await readFile(files.padded)).length, BLOCK);
    files.junk = join(dir, 'junk.tar.zst');
    await writeFile(files.junk, Buffer.concat([await readFile(ZST), Buffer.from('garbage\n')]));
  });

  test('zstd -d, the reference, refuses both', { skip: skipUnlessTools('zstd') }, async () => {
    for (const file of [files.padded, files.junk]) {
      const r = await runProcess('zstd', ['-dc', file]);
      assert.notEqual(r.code, 0, `zstd -d accepted ${file}`);
    }
  });

  for (const route of ['file', 'stdin'] as const) {
    test(`zero padding (dd conv=sync) is refused in one line saying so (${route === 'file' ? '-i FILE' : 'stdin'}), by both zstd implementations`, async () => {
      const what = route === 'file' ? files.padded : 'stdin';
      for (const [name, env] of BACKENDS) {
        const r = await loadAndList(files.padded, route, env);
        assert.equal(r.code, 4, `${name}: ${r.stderr}`);
        assert.equal(r.stderr, `baler: ${what}: zero padding after the last zstd frame (zstd -d refuses it too)\n`, name);
        assert.deepEqual(r.images, [], `${name}: nothing loaded`);
      }
    });
  }

  test('other data after the last frame is refused in one line saying so', async () => {
    const r = await loadAndList(files.junk, 'file', {});
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stderr, `baler: ${files.junk}: data that is not zstd after the last zstd frame (zstd -d refuses it too)\n`);
    assert.deepEqual(r.images, []);
  });
});
