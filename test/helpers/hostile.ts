import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeRun, runBaler } from './run-baler.js';
import { namesInIndex, storeState, tempLeftovers } from './store-state.js';
import { listFilesRecursive, type TempDirs } from './temp-dirs.js';

export interface Rejection {
  /** Accepted exit statuses (src/errors.ts ExitCode). */
  exit: number | readonly number[];
  /** What the one stderr line must say about the problem (the file name is checked separately). */
  problem: RegExp;
}

/** Writes `data` to a fresh temp dir as `name` and returns its path. */
export async function writeInput(tmp: TempDirs, name: string, data: Uint8Array | string): Promise<string> {
  const path = join(await tmp.make('baler-hostile-in-'), name);
  await writeFile(path, data);
  return path;
}

/**
 * Runs `baler load -i FILE --store STORE` (STORE: a fresh dir unless given) and asserts what a user must
 * see for bad input: the expected exit status, exactly one stderr line `baler: …` naming the file and the
 * problem, no stack trace and no "Internal error"; and that nothing was published or left behind: the
 * store's index (names) is unchanged, no temp files remain in it, and BALER_TMPDIR is empty again.
 */
export async function assertLoadRejected(tmp: TempDirs, file: string, want: Rejection, store?: string, how: { stdin?: boolean } = {}): Promise<string> {
  const storeDir = store ?? join(await tmp.make('baler-hostile-store-'), 'store');
  const balerTmp = await tmp.make('baler-hostile-tmp-');
  const before = await storeState(storeDir);
  const args = ['load', '-i', how.stdin ? '-' : file, '--store', storeDir];
  const r = await runBaler(args, { env: { BALER_TMPDIR: balerTmp }, timeoutMs: 120_000, ...(how.stdin ? { input: { file } } : {}) });
  const why = describeRun(args, r);

  const exits = typeof want.exit === 'number' ? [want.exit] : want.exit;
  assert.ok(exits.includes(r.code), `exit ${r.code}, want ${exits.join(' or ')}\n${why}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `stderr must be exactly one line\n${why}`);
  const line = lines[0] as string;
  assert.match(line, /^baler: /, why);
  assert.doesNotMatch(line, /Internal error/i, why);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace printed\n${why}`);
  if (how.stdin) assert.match(line, /stdin|standard input|(^baler: |\s)-[:\s]/, `stderr does not name stdin\n${why}`);
  else assert.ok(line.includes(basename(file)), `stderr does not name the file ${basename(file)}\n${why}`);
  assert.match(line, want.problem, `stderr does not name the problem\n${why}`);

  const after = await storeState(storeDir);
  assert.deepEqual(namesInIndex(after.index), namesInIndex(before.index), `names changed in ${storeDir}/index.json\n${why}`);
  if (before.index !== undefined) assert.equal(after.index, before.index, `index.json changed\n${why}`);
  assert.deepEqual(tempLeftovers(after.files), [], `temp files left in the store\n${why}`);
  // blobs written for images that were not committed are taken back; a store that was not there is not made
  assert.deepEqual(after.files, before.files, `files of ${storeDir} changed\n${why}`);
  assert.deepEqual(await listFilesRecursive(balerTmp), [], `files left in BALER_TMPDIR\n${why}`);
  return line;
}
