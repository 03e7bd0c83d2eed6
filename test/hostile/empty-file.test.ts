import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('load -i of an empty file is rejected as bad input, naming the file', async () => {
  const file = await writeInput(tmp, 'empty.tar', '');
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /empty|not an? .*(archive|tar|image)|unrecogni[sz]ed|unknown|no (image|manifest|index)|truncat/i });
});
