import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { balerInProcess, balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { actOnChild } from './interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** The set's JSON without its part names (they follow -o). */
async function setShape(path: string): Promise<unknown> {
  const doc = JSON.parse(await readFile(path, 'utf8')) as { parts: Array<{ name: string }> };
  return { ...doc, parts: doc.parts.map(({ name: _name, ...rest }) => rest) };
}

async function journalLines(path: string): Promise<number> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

describe('save --resume of a split or compressed output, killed for real', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = await tmp.make();
    store = join(dir, 'store');
    // gzip-converting random layers is slow enough to be caught half-way
    const { entries } = dockerArchiveParts('slow:1', Array.from({ length: 8 }, (_, i) => writeTar([{ name: `f${i}.bin`, data: randomBytes(3 * 1024 * 1024) }])));
    await writeFile(join(dir, 'src.tar'), writeTar(entries));
    await balerInProcessOk(['load', '--store', store, '-i', 'src.tar'], dir);
    await balerInProcessOk(['save', '--store', store, '--resume', '--layers', 'gzip', '--split', '2M', '-o', 'clean.tar', 'slow:1'], dir);
  });

  const splitSave = (out: string, ...more: string[]): string[] => ['save', '--store', store, ...more, '--layers', 'gzip', '--split', '2M', '-o', out, 'slow:1'];

  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`${signal} after the first part: the rerun keeps that part untouched and ends with the same set`, async () => {
      const out = `${signal}.tar`;
      const second = join(dir, `${out}.baler-partial.002`);
      const journal = join(dir, `${out}.baler-partial.journal`);
      // the first layer (3 MB) is complete in the second part: the first part is all verified blobs
      const r = await actOnChild(splitSave(out, '--resume'), dir, async () => existsSync(second) && (await journalLines(journal)) >= 2, async (child) => {
        child.kill(signal);
      });
      assert.ok(r.acted, 'the save finished before it could be stopped');
      if (signal === 'SIGINT') {
        assert.equal(r.code, ExitCode.cancelled, r.stderr);
        assert.match(r.stderr, /kept SIGINT\.tar\.baler-partial\.001… and its journal; run the same save with --resume to continue/);
      }
      assert.ok(!existsSync(join(dir, `${out}.001`)) && !existsSync(join(dir, `${signal}.baler.json`)), 'nothing published');
      const first = await stat(join(dir, `${out}.baler-partial.001`));
      assert.equal(first.size, 2 * 1024 * 1024);

      // (--layers gzip converts each layer again, so none counts as reused; the kept bytes are not rewritten)
      await balerInProcessOk(splitSave(out, '--resume'), dir);
      assert.deepEqual(await setShape(join(dir, `${signal}.baler.json`)), await setShape(join(dir, 'clean.baler.json')));
      const now = await stat(join(dir, `${out}.001`));
      assert.equal(now.ino, first.ino, 'the kept first part was replaced');
      assert.equal(now.mtimeMs, first.mtimeMs, 'the kept first part was written again');
      assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith(`${out}.baler-partial`)), []);
      await balerInProcessOk(['verify', `${out}.001`], dir);
      await balerInProcessOk(['load', '--store', join(dir, `store-${signal}`), '-i', `${out}.001`], dir);
    });
  }

  it('the partial lock covers split saves: a second save (resumed or plain) exits 7 while the first runs', async () => {
    const r = await actOnChild(splitSave('l.tar', '--resume'), dir, async () => existsSync(join(dir, 'l.tar.baler-partial.001')), async (child) => {
      child.kill('SIGSTOP');
      try {
        for (const more of [['--resume'], []]) {
          const other = await balerInProcess(splitSave('l.tar', ...more), dir);
          assert.equal(other.code, ExitCode.conflict, other.stderr);
          assert.match(other.stderr, new RegExp(`another baler \\(pid ${child.pid}\\) is writing it`));
        }
      } finally {
        child.kill('SIGKILL');
      }
    });
    assert.ok(r.acted, 'the save finished before it could be stopped');
    await balerInProcessOk(splitSave('l.tar', '--resume'), dir);
    assert.deepEqual(await setShape(join(dir, 'l.baler.json')), await setShape(join(dir, 'clean.baler.json')));
  });

  it('a gzip save SIGKILLed mid-way resumes after its journaled members to the bytes of an uninterrupted one', async () => {
    const gz = (out: string): string[] => ['save', '--store', store, '--resume', '--layers', 'gzip', '-o', out, 'slow:1'];
    await balerInProcessOk(gz('clean.tar.gz'), dir);
    const journal = join(dir, 'k.tar.gz.baler-partial.journal');
    const r = await actOnChild(gz('k.tar.gz'), dir, async () => (await journalLines(journal)) >= 3, async (child) => {
      child.kill('SIGKILL');
    });
    assert.ok(r.acted, 'the save finished before it could be killed');
    assert.ok((await journalLines(journal)) < 9, 'killed before the last blob');
    await balerInProcessOk(gz('k.tar.gz'), dir);
    assert.ok((await readFile(join(dir, 'k.tar.gz'))).equals(await readFile(join(dir, 'clean.tar.gz'))), 'resumed archive differs');
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('k.tar.gz')), ['k.tar.gz']);
  });
});
