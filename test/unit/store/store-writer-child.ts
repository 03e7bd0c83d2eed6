// Child process for the concurrency and crash tests: writes test images into a store and commits.
//   node --import tsx store-writer-child.ts STORE FIRST_VARIANT COUNT NAME_PREFIX
// COUNT 0 = loop forever (the crash test kills it). Prints "ready" once the store is open, then
// "committed N" after each commit.
import { parseImageName } from '../../../src/model/image-name.js';
import { openStore } from '../../../src/store/store.js';
import { fixtureBytes, putImage, testImage } from './fixture-images.js';

const [storePath, firstArg, countArg, prefix] = process.argv.slice(2);
if (!storePath || !firstArg || !countArg || !prefix) throw new Error('usage: STORE FIRST_VARIANT COUNT NAME_PREFIX');
const first = Number(firstArg);
const count = Number(countArg);
const store = await openStore(storePath);
fixtureBytes();
process.stdout.write('ready\n');
for (let v = first; count === 0 || v < first + count; v++) {
  const w = store.writer();
  await putImage(w, testImage(v), parseImageName(`${prefix}:${v}`));
  await w.commit();
  process.stdout.write(`committed ${v}\n`);
}
