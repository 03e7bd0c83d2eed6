import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { openArchiveFile } from '../../../src/transports/archive-file.js';
import { DOCKER20_SAVE, readStream, writeTar } from './docker-archive/archive-builder.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-archive-file-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openArchiveFile', () => {
  test('kind() from the members present', async () => {
    const oci = join(dir, 'oci.tar');
    await writeTar(oci, [
      { name: './oci-layout', body: '{}' },
      { name: './index.json', body: '{}' },
    ]);
    const other = join(dir, 'rootfs.tar');
    await writeTar(other, [{ name: 'etc/', type: 'dir' }, { name: 'etc/hostname', body: 'x' }]);
    const kinds = [];
    for (const f of [DOCKER20_SAVE, oci, other]) {
      await using a = await openArchiveFile(f);
      kinds.push(a.kind());
    }
    assert.deepEqual(kinds, ['docker-archive', 'oci-archive', 'unknown-tar']);
  });

  test('a plain tar is used in place; links resolve within the archive; bad links are refused', async () => {
    const f = join(dir, 'links.tar');
    await writeTar(f, [
      { name: 'real/layer.tar', body: 'layer bytes' },
      { name: 'sym/layer.tar', type: 'symlink', linkname: '../real/layer.tar' },
      { name: 'abs/layer.tar', type: 'symlink', linkname: '/real/layer.tar' },
      { name: 'hard/layer.tar', type: 'hardlink', linkname: 'real/layer.tar' },
      { name: 'dir/', type: 'dir' },
    ]);
    await using a = await openArchiveFile(f);
    assert.equal(a.file, f);
    assert.equal(a.compression, 'none');
    for (const p of ['sym/layer.tar', './abs/layer.tar', 'hard/layer.tar', 'x/../real/layer.tar']) {
      assert.equal((await readStream(a.open(a.resolve(p, 'test')))).toString(), 'layer bytes', p);
    }
    assert.equal(a.find('nothing', 'test'), undefined);
    assert.throws(() => a.resolve('dir', 'test'), (err: unknown) => err instanceof BalerError && err.code === 'E_FORMAT' && /dir/.test(err.message));
    assert.throws(() => a.resolve('../x', 'test'), (err: unknown) => err instanceof BalerError && err.code === 'E_PATH_ESCAPE' && err.message.startsWith(f));
  });

  test('a pipe (non-seekable) is spooled once to a temp file that close() removes', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `gzip -c < '${DOCKER20_SAVE}' > '${fifo}'`], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    const a = await openArchiveFile(fifo);
    await exited;
    assert.equal(a.compression, 'gzip');
    assert.notEqual(a.file, fifo);
    assert.deepEqual(readFileSync(a.file), readFileSync(DOCKER20_SAVE));
    assert.equal(a.kind(), 'docker-archive');
    const spool = a.file;
    await a.close();
    assert.equal(existsSync(dirname(spool)), false);
  });

  test('a directory or a missing path is a clear error', async () => {
    await assert.rejects(openArchiveFile(dir), (err: unknown) => err instanceof BalerError && err.code === 'E_USAGE' && /directory/.test(err.message));
    await assert.rejects(openArchiveFile(join(dir, 'missing.tar')), (err: unknown) => err instanceof BalerError && err.code === 'E_NOT_FOUND');
  });
});
