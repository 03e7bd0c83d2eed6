import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { balerInProcessOk } from '../helpers/cli-in-process.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { fixture } from '../helpers/paths.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar, writeTar, type TinyEntry } from '../helpers/tiny-tar.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

let entries: TinyEntry[] = [];

before(async () => {
  // a real delta: imga:1 against a store holding bbbase:1
  const dir = await tmp.make('baler-delta-hostile-');
  const store = join(dir, 'store');
  await balerInProcessOk(['load', '--store', store, '-i', fixture('docker20-multi.tar'), 'bbbase:1'], dir);
  await balerInProcessOk(['inventory', '--store', store, '-o', 'have.json'], dir);
  await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--have', 'have.json', '-o', 'delta.tar', 'imga:1'], dir);
  entries = readTar(await readFile(join(dir, 'delta.tar'))).map((e) => ({ name: e.name, type: e.type === 'dir' ? 'dir' : 'file', data: e.data }));
});

function withDeltaFile(data: string): Buffer {
  return writeTar(entries.map((e) => (e.name === 'baler-delta.json' ? { ...e, data } : e)));
}

test('a baler-delta.json that is not JSON: exit 4, naming the file', async () => {
  const file = await writeInput(tmp, 'bad-delta.tar', withDeltaFile('{"kind": "baler-delta", '));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /baler-delta\.json: invalid JSON/ });
});

test('a baler-delta.json of a future version: exit 4, saying so', async () => {
  const file = await writeInput(tmp, 'future-delta.tar', withDeltaFile(JSON.stringify({ kind: 'baler-delta', version: 9, base: {}, expected: [] })));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /delta version 9 is not supported/ });
});

test('a delta whose left-out layer is not at the destination: exit 3, nothing written', async () => {
  const file = await writeInput(tmp, 'delta.tar', writeTar(entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.notFound, problem: /1 layer blob it leaves out is not in store:.*sha256:[0-9a-f]{64} \(imga:1\)/ });
});
