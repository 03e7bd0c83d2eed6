import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { familiarName } from '../../../src/model/image-name.js';
import { fsckLayout } from '../../../src/store/fsck.js';
import { openStore } from '../../../src/store/store.js';

const CHILD = resolve(import.meta.dirname, 'store-writer-child.ts');
const children = new Set<ChildProcess>();
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-store-conc-'));
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

function startWriter(store: string, first: number, count: number, prefix: string): { child: ChildProcess; done: Promise<number | null>; ready: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, store, String(first), String(count), prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((res) => (onReady = res));
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('ready\n')) onReady();
  });
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((res) => child.on('exit', (code) => {
    children.delete(child);
    res(code);
  }));
  return { child, done, ready: Promise.race([ready, done.then(() => undefined)]), output: () => out };
}

describe('store under concurrency and crashes', () => {
  test('two processes committing different images at the same time both keep theirs', async () => {
    const store = join(root, 'concurrent');
    const a = startWriter(store, 100, 3, 'left');
    const b = startWriter(store, 200, 3, 'right');
    assert.equal(await a.done, 0, a.output());
    assert.equal(await b.done, 0, b.output());
    const s = await openStore(store);
    const names = (await s.images()).flatMap((i) => i.names.map(familiarName)).sort();
    assert.deepEqual(names, ['left:100', 'left:101', 'left:102', 'right:200', 'right:201', 'right:202']);
    assert.deepEqual((await s.fsck()).problems, []);
  });

  test('prune running over and over beside a writer never takes a blob the writer needs', async () => {
    const store = join(root, 'prune-race');
    const s = await openStore(store);
    const w = startWriter(store, 300, 8, 'race');
    let exited = false;
    void w.done.then(() => (exited = true));
    let prunes = 0;
    while (!exited) {
      await s.prune({ dryRun: false });
      prunes++;
    }
    assert.equal(await w.done, 0, w.output());
    assert.ok(prunes > 1);
    const names = (await s.images()).flatMap((i) => i.names.map(familiarName)).sort();
    assert.deepEqual(names, [300, 301, 302, 303, 304, 305, 306, 307].map((v) => `race:${v}`));
    assert.deepEqual((await s.fsck()).problems, []);
  });

  test('SIGKILL at random points never leaves a store fsck complains about', async () => {
    const store = join(root, 'crash');
    let first = 0;
    for (let round = 0; round < 6; round++) {
      const w = startWriter(store, first, 0, 'crash');
      // once it is writing, let it get somewhere (a few commits at most), then kill it wherever it is
      await w.ready;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 600)));
      w.child.kill('SIGKILL');
      await w.done;
      const committed = [...w.output().matchAll(/committed (\d+)/g)].map((m) => Number(m[1]));
      first = (committed.length ? Math.max(...committed) : first) + 1;
      // killed before it created the store: nothing to check yet (creation is one rename)
      if (!existsSync(store)) continue;
      JSON.parse(await readFile(join(store, 'index.json'), 'utf8'));
      const report = await fsckLayout(store);
      assert.deepEqual(report.problems, [], `round ${round}`);
      const s = await openStore(store);
      for (const v of committed) assert.ok((await s.images()).some((i) => i.names.some((n) => n.tag === String(v))), `image crash:${v} committed before the kill is listed`);
    }
    assert.ok(first > 1, 'the writer committed something between kills');
    const s = await openStore(store);
    const pruned = await s.prune({ dryRun: false });
    assert.ok(pruned.temps.every((t) => t.name.startsWith('blobs/sha256/.baler-tmp-') || t.name.startsWith('.index.json')));
    assert.deepEqual((await s.fsck()).problems, []);
  });
});
