/** @jsxRuntime automatic */
/** @jsxImportSource react */
/**
 * The real TuiServices (src/tui/services.ts) over real transports: which Docker sources are offered,
 * and an export run through the real pipeline whose events drive the real reducer and Progress screen.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { CopyEvent } from '../../src/pipeline/events.js';
import { ThemeContext, makeTheme } from '../../src/tui/components/theme.js';
import { ProgressLog, ProgressScreen } from '../../src/tui/screens/ProgressScreen.js';
import { createTuiServices } from '../../src/tui/services.js';
import { initialState, reduce } from '../../src/tui/state/machine.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { fixture } from '../helpers/paths.js';
import { LIE, TRUE_DIFF_ID, sharedGzipLayout } from '../helpers/shared-gzip-layout.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const tmp = new TempDirs();
after(() => tmp.removeAll());
afterEach(() => cleanup());

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

describe('real TUI services', () => {
  it('lists a store that does not exist yet as empty, without making it', async () => {
    const dir = await tmp.make('baler-tui-nostore-');
    const storePath = join(dir, 'new', 'store');
    const services = createTuiServices({ storePath, cwd: dir, env: {} });
    assert.deepEqual(await services.listImages({ kind: 'store' }), []);
    assert.ok(!existsSync(join(dir, 'new')), 'no store was made');
  });

  it('offers the Docker daemon only when its socket is there, and says why otherwise', async () => {
    const dir = await tmp.make('baler-tui-sock-');
    const sock = join(dir, 'docker.sock');
    const services = (env: NodeJS.ProcessEnv) => createTuiServices({ storePath: join(dir, 'store'), cwd: dir, env });
    const daemon = (env: NodeJS.ProcessEnv) => services(env).sourceChoices().find((c) => c.id === 'docker');
    assert.deepEqual(daemon({ DOCKER_HOST: `unix://${sock}` }), { id: 'docker', label: 'Docker daemon', available: false, note: `no daemon socket at ${sock}; set DOCKER_HOST=unix:///PATH` });
    const server = await listen(sock);
    try {
      assert.deepEqual(daemon({ DOCKER_HOST: `unix://${sock}` }), { id: 'docker', label: 'Docker daemon', available: true, note: sock });
    } finally {
      server.close();
    }
    assert.match(daemon({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })?.note ?? '', /only unix:\/\/ sockets are supported/);
    assert.equal(daemon({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })?.available, false);
  });

  it('a save keeps a compressed layer without inflating it, as baler save does; a load checks its diff_id', async () => {
    const dir = await tmp.make('baler-tui-diffid-');
    const layout = await sharedGzipLayout(join(dir, 'lie'), [{ name: 'lie:1', claimed: LIE }]);
    const services = createTuiServices({ storePath: join(dir, 'store'), cwd: dir, env: { BALER_NO_CACHE: '1' } });
    const source = { kind: 'path', path: layout } as const;
    const saved = await services.copy(
      { kind: 'save', source, images: ['lie:1'], output: 'out', format: 'oci-dir', compression: 'keep', archive: 'auto' },
      () => undefined,
      new AbortController().signal,
    );
    assert.equal(saved.images, 1);
    await assert.rejects(
      services.copy({ kind: 'load', source, images: ['lie:1'] }, () => undefined, new AbortController().signal),
      (err: unknown) => String((err as { cause?: unknown }).cause ?? err).includes(`expected ${LIE}, got ${TRUE_DIFF_ID}`) || String(err).includes(`expected ${LIE}`),
    );
  });

  it('an export reports one row per layer: read twice, then verified, shown on the Progress screen', async () => {
    const dir = await tmp.make('baler-tui-export-');
    const services = createTuiServices({ storePath: join(dir, 'store'), cwd: dir, env: {} });
    const events: CopyEvent[] = [];
    const outcome = await services.copy(
      { kind: 'export', source: { kind: 'path', path: FIXTURE }, image: 'fixture/layers:3', output: 'rootfs.tar', archive: 'auto' },
      (e) => events.push(e),
      new AbortController().signal,
    );
    assert.equal(outcome.location, join(dir, 'rootfs.tar'));
    const plan = events.find((e) => e.kind === 'plan');
    assert.ok(plan && plan.kind === 'plan');
    assert.equal(plan.blobs, 3);
    const blobs = events.filter((e): e is Extract<CopyEvent, { kind: 'blob' }> => e.kind === 'blob');
    const digests = [...new Set(blobs.map((b) => b.digest))];
    assert.equal(digests.length, 3);
    for (const d of digests) {
      const mine = blobs.filter((b) => b.digest === d);
      assert.ok(mine.some((b) => b.state === 'hashing' && b.done > 0), `${d} read in pass 1`);
      const last = mine.at(-1);
      assert.equal(last?.state, 'verified');
      assert.equal(last?.done, last?.total);
    }
    // pass 2 reads the layers whose files survive: the top layer of this fixture adds files
    assert.ok(blobs.some((b) => b.state === 'copying' && b.done > 0));
    assert.equal(plan.totalBytes, blobs.filter((b) => b.state === 'verified').reduce((n, b) => n + (b.total ?? 0), 0));
    assert.ok(events.at(-1)?.kind === 'image-done');

    let s = reduce(initialState(services.sourceChoices(), services.actions), { type: 'copy/start', at: 0 });
    s = reduce(s, { type: 'copy/events', events, at: 1000 });
    const r = render(
      <ThemeContext.Provider value={makeTheme(false)}>
        <ProgressLog state={s} title="export fixture/layers:3" />
        <ProgressScreen state={s} width={100} height={30} />
      </ThemeContext.Provider>,
    );
    const frame = r.lastFrame() ?? '';
    assert.equal(frame.split('\n').filter((l) => /✓ layer +[0-9a-f]{12} +verified/.test(l)).length, 3, frame);
    assert.match(frame, /blobs 3\/3/);
    assert.doesNotMatch(frame, /reports no per-blob progress/);
  });
});
