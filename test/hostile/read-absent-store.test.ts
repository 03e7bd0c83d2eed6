import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

/**
 * A store path that does not exist (a typo in --store, nothing loaded yet): verbs that read the store
 * make nothing there. ls, prune and inventory show it as an empty store; a verb that needs an image from it says
 * in one line that there is no store there (exit 3, "not found").
 */
const tmp = new TempDirs();
after(() => tmp.removeAll());

let work: string;
let store: string;
before(async () => {
  work = await tmp.make('baler-absent-store-');
  store = join(work, 'no', 'such', 'store');
});

async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string; why: string }> {
  const r = await runBaler(args, { cwd: work, env: { BALER_STORE: store } });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr, why: describeRun(args, r) };
}

describe('verbs that read a store that does not exist', () => {
  it('ls prints an empty list, and with --json an empty array', async () => {
    const r = await run(['ls']);
    assert.equal(r.code, 0, r.why);
    assert.match(r.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s*\n$/, r.why);
    assert.equal(r.stderr, '', r.why);
    const j = await run(['ls', '--json', '--store', store]);
    assert.equal(j.code, 0, j.why);
    assert.deepEqual(JSON.parse(j.stdout), []);
    assert.ok(!existsSync(store), 'no store was made');
    assert.ok(!existsSync(join(work, 'no')), 'nor its parent');
  });

  it('prune reclaims nothing', async () => {
    const r = await run(['prune']);
    assert.equal(r.code, 0, r.why);
    assert.equal(r.stdout, 'Total reclaimed space: 0B (0 files)\n', r.why);
    assert.ok(!existsSync(store), 'no store was made');
  });

  const needsImage: readonly (readonly string[])[] = [
    ['inspect', 'imga:1'],
    ['history', 'imga:1'],
    ['tag', 'imga:1', 'imgb:1'],
    ['rm', 'imga:1'],
    ['save', '-o', 'out.tar', 'imga:1'],
    ['export', '-o', 'out.tar', 'imga:1'],
  ];
  for (const args of needsImage) {
    it(`${args.join(' ')}: one line, exit 3, nothing made`, async () => {
      const r = await run(args.map((a) => a.replace('STORE', store)));
      assert.equal(r.code, 3, r.why);
      assert.equal(r.stderr, `baler: no image store at ${store}\n`, r.why);
      assert.ok(!existsSync(store), 'no store was made');
      assert.ok(!existsSync(join(work, 'out.tar')) && !existsSync(join(work, 'have.json')), 'no output was made');
    });
  }

  it('inventory lists nothing, with a warning, and makes no store', async () => {
    const r = await run(['inventory', '-o', 'have.json']);
    assert.equal(r.code, 0, r.why);
    assert.equal(r.stderr, `baler: warning: no image store at ${store} yet: the inventory lists nothing (a delta against it carries every layer)\nInventory of store:${store}: 0 image(s), 0 layer(s) written to have.json\n`, r.why);
    const have = JSON.parse(readFileSync(join(work, 'have.json'), 'utf8')) as { kind: string; blobs: unknown[]; layers: unknown[]; images: unknown[] };
    assert.deepEqual([have.kind, have.blobs, have.layers, have.images], ['baler-inventory', [], [], []]);
    assert.ok(!existsSync(store), 'no store was made');
  });

  it('verify store:PATH reports it as its failure, exit 3, nothing made', async () => {
    const r = await run(['verify', `store:${store}`]);
    assert.equal(r.code, 3, r.why);
    assert.equal(r.stdout, `store:${store}: FAILED: no image store at ${store}\n`, r.why);
    assert.ok(!existsSync(store), 'no store was made');
  });
});
