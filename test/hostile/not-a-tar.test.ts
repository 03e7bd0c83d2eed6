import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const problem = /not an? .*(archive|tar|image)|unrecogni[sz]ed|unknown|invalid|no (image|manifest|index)|format/i;

test('load -i of a text file is rejected as bad input', async () => {
  const file = await writeInput(tmp, 'notes.tar', 'these are my notes, not a tar archive\n'.repeat(40));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('load -i of random bytes is rejected as bad input', async () => {
  // Seeded-looking but random: whatever the bytes, they are not a tar; a 0x1f 0x8b start would be a gzip test, so avoid it.
  const bytes = randomBytes(4096);
  bytes[0] = 0x42;
  bytes[1] = 0x00;
  const file = await writeInput(tmp, 'random.bin', bytes);
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem });
});

test('load -i of a tar without manifest.json or index.json is rejected as bad input', async () => {
  const { writeTar } = await import('../helpers/tiny-tar.js');
  const file = await writeInput(tmp, 'plain-files.tar', writeTar([{ name: 'hello.txt', data: 'hi\n' }]));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /manifest\.json|index\.json|not an? .*(image|archive)|unrecogni[sz]ed|unknown|no image/i });
});
