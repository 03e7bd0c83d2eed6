import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { actOnChild } from './interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('a save SIGKILLed mid-way (no cleanup ran) resumes from its journal to the same bytes as a clean save', async () => {
  const dir = await tmp.make();
  const store = join(dir, 'store');
  // gzip-converting random layers is slow enough to be caught half-way
  const { entries } = dockerArchiveParts('slow:1', Array.from({ length: 8 }, (_, i) => writeTar([{ name: `f${i}.bin`, data: randomBytes(3 * 1024 * 1024) }])));
  await writeFile(join(dir, 'src.tar'), writeTar(entries));
  await balerInProcessOk(['load', '--store', store, '-i', 'src.tar'], dir);
  await balerInProcessOk(['save', '--store', store, '--layers', 'gzip', '-o', 'clean.tar', 'slow:1'], dir);

  const journal = join(dir, 'k.tar.baler-partial.journal');
  const lines = async (): Promise<number> => (await readFile(journal, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const killed = await actOnChild(['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 'k.tar', 'slow:1'], dir, async () => (await lines()) >= 3, async (child) => {
    child.kill('SIGKILL');
  });
  assert.ok(killed.acted, 'the save finished before it could be killed');
  assert.ok(!existsSync(join(dir, 'k.tar')));
  assert.ok((await lines()) < 9, 'killed before the last blob');

  await balerInProcessOk(['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 'k.tar', 'slow:1'], dir);
  assert.ok((await readFile(join(dir, 'k.tar'))).equals(await readFile(join(dir, 'clean.tar'))), 'resumed archive differs from a clean save');
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('k.tar')), ['k.tar']);
});
