import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTag } from '../../src/io/owner.js';
import { fixture } from '../helpers/paths.js';
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

async function run(args: readonly string[], at = store): Promise<{ code: number; stdout: string; stderr: string; why: string }> {
  const r = await runBaler(args, { cwd: work, env: { BALER_STORE: at } });
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
    ['fsck'],
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

/**
 * What the making or the removal of a store leaves while under way, or when killed halfway (the removal
 * by a failed first load, transports/oci-layout/sink.ts): readers see no store, as a writer would make
 * one there; a store whose removal stopped after its blobs dir went is an empty store.
 */
describe('verbs that read what is left of a store being made or removed', () => {
  const EMPTY_INDEX = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}';
  const remains: Record<string, (dir: string) => Promise<void>> = {
    'an empty directory': async (dir) => {
      await mkdir(dir, { recursive: true });
    },
    'index.json and the lock dir': async (dir) => {
      await mkdir(join(dir, 'index.json.lock'), { recursive: true });
      await writeFile(join(dir, 'index.json'), EMPTY_INDEX);
    },
    'the lock dir alone': async (dir) => {
      await mkdir(join(dir, 'index.json.lock'), { recursive: true });
    },
    'blobs/ alone': async (dir) => {
      await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    },
  };
  for (const [what, make] of Object.entries(remains)) {
    it(`${what}: ls and prune show an empty store, inspect and fsck say there is none, nothing changes`, async () => {
      const dir = join(await tmp.make('baler-store-remains-'), 'store');
      await make(dir);
      const before = (await readdir(dir, { recursive: true })).sort();
      const ls = await run(['ls', '--json'], dir);
      assert.equal(ls.code, 0, ls.why);
      assert.deepEqual(JSON.parse(ls.stdout), []);
      const prune = await run(['prune'], dir);
      assert.equal(prune.code, 0, prune.why);
      assert.equal(prune.stdout, 'Total reclaimed space: 0B (0 files)\n', prune.why);
      for (const args of [['inspect', 'imga:1'], ['fsck']]) {
        const r = await run(args, dir);
        assert.equal(r.code, 3, r.why);
        assert.equal(r.stderr, `baler: no image store at ${dir}\n`, r.why);
      }
      assert.deepEqual((await readdir(dir, { recursive: true })).sort(), before, 'nothing made or removed');
    });
  }

  it('a store whose blobs dir is gone (a removal killed after its first step): prune reclaims nothing', async () => {
    const dir = join(await tmp.make('baler-store-remains-'), 'store');
    await mkdir(join(dir, 'index.json.lock'), { recursive: true });
    await writeFile(join(dir, 'index.json'), EMPTY_INDEX);
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const killedAgo = new Date(Date.now() - 60_000); // the killed remover's lock, gone stale
    await utimes(join(dir, 'index.json.lock'), killedAgo, killedAgo);
    const r = await run(['prune'], dir);
    assert.equal(r.code, 0, r.why);
    assert.equal(r.stdout, 'Total reclaimed space: 0B (0 files)\n', r.why);
  });

  it('an index.json listing an image without oci-layout is damage, not remains: reported, exit 4', async () => {
    const dir = join(await tmp.make('baler-store-remains-'), 'store');
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const entry = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 };
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
    const r = await run(['ls'], dir);
    assert.equal(r.code, 4, r.why);
    assert.equal(r.stderr, `baler: ${dir}: not an OCI image layout (no oci-layout file)\n`, r.why);
  });

  it('blobs without oci-layout or index.json are damage, not remains: every reader says so, exit 4, blobs stay', async () => {
    const work2 = await tmp.make('baler-store-remains-');
    const loaded = join(work2, 'store1');
    const load = await run(['load', '-i', fixture('fixture-3layers.docker20-save.tar')], loaded);
    assert.equal(load.code, 0, load.why);
    const dir = join(work2, 'store2');
    await cp(loaded, dir, { recursive: true });
    await rm(join(dir, 'oci-layout'));
    await rm(join(dir, 'index.json'));
    const blobs = (await readdir(join(dir, 'blobs', 'sha256'))).sort();
    assert.ok(blobs.length > 0);
    for (const args of [['ls'], ['fsck'], ['prune'], ['rm', 'fixture/layers:3'], ['inspect', 'fixture/layers:3']]) {
      const r = await run(args, dir);
      assert.equal(r.code, 4, r.why);
      assert.equal(r.stderr, `baler: ${dir}: not an OCI image layout (no oci-layout file)\n`, r.why);
    }
    assert.deepEqual((await readdir(join(dir, 'blobs', 'sha256'))).sort(), blobs, 'no blob removed');
  });

  it('blobs beside a killed writer\'s lease, with no layout files (it was making the store again): remains, healed by the next load', async () => {
    const work2 = await tmp.make('baler-store-remains-');
    const loaded = join(work2, 'store1');
    const load1 = await run(['load', '-i', fixture('fixture-3layers.docker20-save.tar')], loaded);
    assert.equal(load1.code, 0, load1.why);
    const dir = join(work2, 'store2');
    await cp(loaded, dir, { recursive: true });
    await rm(join(dir, 'oci-layout'));
    await rm(join(dir, 'index.json'));
    const deadPid = 2 ** 22 + 12346; // above pid_max, so never alive
    const lease = `.baler-tmp-${deadPid}-${ownerTag()}0badcafe.lease`;
    await writeFile(join(dir, 'blobs', 'sha256', lease), '');
    const ls = await run(['ls', '--json'], dir);
    assert.equal(ls.code, 0, ls.why);
    assert.deepEqual(JSON.parse(ls.stdout), []);
    const load = await run(['load', '-i', fixture('fixture-3layers.docker20-save.tar')], dir);
    assert.equal(load.code, 0, load.why);
    const after = await run(['ls', '--json'], dir);
    assert.equal(JSON.parse(after.stdout).length, 1, after.why);
    const fsck = await run(['fsck'], dir);
    assert.equal(fsck.code, 0, fsck.why);
  });

  it('a temp index.json a killed writer left while writing it back: still remains, and the next load removes it', async () => {
    const dir = join(await tmp.make('baler-store-remains-'), 'store');
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await mkdir(join(dir, 'index.json.lock'));
    const deadPid = 2 ** 22 + 12345; // above pid_max, so never alive
    const temp = `.index.json.baler-tmp-${deadPid}-${ownerTag()}0badcafe`;
    await writeFile(join(dir, temp), EMPTY_INDEX.slice(0, 20));
    const ls = await run(['ls', '--json'], dir);
    assert.equal(ls.code, 0, ls.why);
    assert.deepEqual(JSON.parse(ls.stdout), []);
    const fsck = await run(['fsck'], dir);
    assert.equal(fsck.code, 3, fsck.why);
    assert.equal(fsck.stderr, `baler: no image store at ${dir}\n`, fsck.why);
    const load = await run(['load', '-i', fixture('fixture-3layers.docker20-save.tar')], dir);
    assert.equal(load.code, 0, load.why);
    assert.ok(!existsSync(join(dir, temp)), 'the dead writer\'s temp index.json is removed');
    const after = await run(['ls', '--json'], dir);
    assert.equal(after.code, 0, after.why);
    assert.equal(JSON.parse(after.stdout).length, 1, after.why);
  });
});
