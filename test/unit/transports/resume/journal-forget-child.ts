// Child process for the journal tests: makes a journal of COUNT entries and a progress line of a blob
// cut short, then forgets that blob (replacing the file) and closes it. With `meanwhile`, the blob's
// entry and two more complete while the file is being replaced.
// With `streaming`, one more entry completes on every turn of the event loop until the replacement is
// done or has failed (a failure is then not an error of the child).
//   node --import tsx journal-forget-child.ts JOURNAL COUNT [meanwhile|streaming]
import type { Digest } from '../../../../src/model/digest.js';
import { JournalFile } from '../../../../src/transports/resume/journal-file.js';

const [path, countArg, mode] = process.argv.slice(2);
if (!path || !countArg) throw new Error('usage: JOURNAL COUNT [meanwhile|streaming]');
const count = Number(countArg);
const digest = (i: number): Digest => `sha256:${i.toString(16).padStart(64, '0')}` as Digest;
const entry = (i: number) => ({ digest: digest(i), size: 1, mediaType: 'application/octet-stream', start: i * 1024, end: (i + 1) * 1024 });
const journal = await JournalFile.create(path, Array.from({ length: count }, (_, i) => entry(i)));
const cut = digest(count);
journal.progress({ digest: cut, size: 1 << 30, mediaType: 'application/octet-stream', start: count * 1024, have: 4 << 20, sha256: 'a'.repeat(64) }, count * 1024 + 1);
journal.flush(count * 1024 + 1);
const forgotten = journal.forget(cut);
if (mode === 'meanwhile') {
  // the replacement has started (it begins in a microtask)
  await new Promise(setImmediate);
  for (let i = count; i < count + 3; i++) journal.add(entry(i));
  journal.flush((count + 3) * 1024);
}
if (mode === 'streaming') {
  // entries keep completing on every turn of the loop until the replacement is done (or has failed)
  let settled = false;
  void forgotten.catch(() => undefined).then(() => (settled = true));
  for (let i = count; !settled; i++) {
    await new Promise(setImmediate);
    journal.add(entry(i));
    journal.flush((i + 1) * 1024);
  }
}
await forgotten.catch((err: unknown) => {
  if (mode !== 'streaming') throw err;
});
await journal.close();
