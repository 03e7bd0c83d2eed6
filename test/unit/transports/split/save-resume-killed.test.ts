import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { repoRoot } from '../../../helpers/paths.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** Starts `baler ARGS` as a child (like runBaler) and SIGKILLs it once `ready()` holds; false if it ended first. */
async function killWhen(args: readonly string[], cwd: string, ready: () => Promise<boolean>): Promise<boolean> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_TEST_CONTEXT;
  delete env.BALER_STORE;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args], { cwd, env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  try {
    while (!done) {
      if (await ready()) {
        child.kill('SIGKILL');
        await exited;
        return true;
      }
      await sleep(5);
    }
    return false;
  } finally {
    if (!done) child.kill('SIGKILL');
  }
}

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
  const killed = await killWhen(['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 'k.tar', 'slow:1'], dir, async () => (await lines()) >= 3);
  assert.ok(killed, 'the save finished before it could be killed');
  assert.ok(!existsSync(join(dir, 'k.tar')));
  assert.ok((await lines()) < 9, 'killed before the last blob');

  await balerInProcessOk(['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 'k.tar', 'slow:1'], dir);
  assert.ok((await readFile(join(dir, 'k.tar'))).equals(await readFile(join(dir, 'clean.tar'))), 'resumed archive differs from a clean save');
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('k.tar')), ['k.tar']);
});
