import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256Of, type Digest } from '../../../src/model/digest.js';
import { VerifiedDiffIds, verifiedDiffIdsFor } from '../../../src/pipeline/verified-diff-ids.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const X = sha256Of('compressed bytes');
const Y = sha256Of('their content');
const Z = sha256Of('other content');
const entryFile = (dir: string, d: Digest): string => join(dir, 'diffid-by-digest', 'sha256', d.slice(7));

test('a remembered pair is known for that decoder and diff_id only', async () => {
  const dir = await tmp.make('baler-diffids-');
  const cache = new VerifiedDiffIds(dir);
  assert.equal(await cache.knows(X, 'gzip', Y), false, 'empty cache');
  await cache.remember(X, 'gzip', Y);
  assert.equal(await cache.knows(X, 'gzip', Y), true);
  assert.equal(await cache.knows(X, 'gzip', Z), false, 'another diff_id');
  assert.equal(await cache.knows(X, 'zstd', Y), false, 'another decoder');
  assert.equal(await cache.knows(Y, 'gzip', Y), false, 'another blob');
  // another process (a new instance) reads the same key and trusts the entry
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), true);
  const key = join(dir, 'diffid-by-digest', 'key');
  assert.equal((await stat(key)).mode & 0o777, 0o600);
  // nothing but the key and the entry is left (no temp files)
  assert.deepEqual((await readdir(join(dir, 'diffid-by-digest', 'sha256'))).sort(), [X.slice(7)]);
});

test('an entry that lies is not trusted: no MAC, a MAC under another key, a torn or edited entry', async () => {
  const dir = await tmp.make('baler-diffids-');
  const cache = new VerifiedDiffIds(dir);
  await cache.remember(Y, 'gzip', Z); // creates the key
  const path = entryFile(dir, X);
  await mkdir(join(path, '..'), { recursive: true });

  // written by hand, without the key
  await writeFile(path, `v1 gzip ${X} ${Y} ${'0'.repeat(64)}\n`);
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), false, 'made-up MAC');
  // copied from a cache with another key
  const foreign = createHmac('sha256', Buffer.alloc(32, 7)).update(`v1 gzip ${X} ${Y}`).digest('hex');
  await writeFile(path, `v1 gzip ${X} ${Y} ${foreign}\n`);
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), false, 'MAC under a foreign key');

  // a true entry edited to claim another diff_id, or cut short
  await cache.remember(X, 'gzip', Y);
  const good = await readFile(path, 'utf8');
  await writeFile(path, good.replace(` ${Y} `, ` ${Z} `));
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Z), false, 'edited diff_id');
  await writeFile(path, good.slice(0, 100));
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), false, 'torn entry');
  await writeFile(path, '');
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), false, 'empty entry');
  await writeFile(path, good);
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), true, 'the true entry again');
});

test('a key others may read switches the cache off', async () => {
  const dir = await tmp.make('baler-diffids-');
  await new VerifiedDiffIds(dir).remember(X, 'gzip', Y);
  assert.equal(await new VerifiedDiffIds(dir).knows(X, 'gzip', Y), true);
  await chmod(join(dir, 'diffid-by-digest', 'key'), 0o644);
  const loose = new VerifiedDiffIds(dir);
  assert.equal(await loose.knows(X, 'gzip', Y), false);
  await loose.remember(Z, 'gzip', Y);
  assert.equal(await loose.knows(Z, 'gzip', Y), false, 'nor does it record pairs');
});

test('a cache dir that cannot be written costs nothing but the cache', async () => {
  const dir = await tmp.make('baler-diffids-');
  const file = join(dir, 'not-a-dir');
  await writeFile(file, 'x');
  const cache = new VerifiedDiffIds(file);
  await cache.remember(X, 'gzip', Y); // does not throw
  assert.equal(await cache.knows(X, 'gzip', Y), false);
});

test('where the cache lives: BALER_CACHE_DIR, XDG_CACHE_HOME, ~/.cache; BALER_NO_CACHE turns it off', () => {
  assert.equal(verifiedDiffIdsFor({ BALER_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })?.dir, '/c');
  assert.equal(verifiedDiffIdsFor({ XDG_CACHE_HOME: '/x', HOME: '/h' })?.dir, '/x/baler');
  assert.equal(verifiedDiffIdsFor({ HOME: '/h' })?.dir, '/h/.cache/baler');
  assert.equal(verifiedDiffIdsFor({ BALER_NO_CACHE: '1', HOME: '/h' }), undefined);
  assert.equal(verifiedDiffIdsFor({ BALER_NO_CACHE: '0', HOME: '/h' })?.dir, '/h/.cache/baler');
});
