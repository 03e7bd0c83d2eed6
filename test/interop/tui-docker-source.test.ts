/**
 * The TUI's Docker daemon source over a real Docker Engine: offered when the socket answers, lists
 * the daemon's images, and an export from it (with per-layer progress) gives the same tree as
 * flattening the docker-archive the image was loaded from.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CopyEvent } from '../../src/pipeline/events.js';
import { createTuiServices } from '../../src/tui/services.js';
import { withDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { factLines, tarFacts } from '../unit/flatten/tar-facts.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('TUI source: the Docker daemon', () => {
  const d = withDockerd('vfs');
  test('lists the daemon\'s images and exports one with a row per layer', { skip: d.skip, timeout: 300_000 }, async () => {
    await d.dockerChecked(['load', '-q', '-i', FIXTURE]);
    const dir = await tmp.make('baler-tui-daemon-');
    const services = createTuiServices({ storePath: join(dir, 'store'), cwd: dir, env: { DOCKER_HOST: d.host } });
    const choice = services.sourceChoices().find((c) => c.id === 'docker');
    assert.equal(choice?.available, true);
    const rows = await services.listImages({ kind: 'docker' });
    assert.ok(rows.some((r) => r.names.includes('fixture/layers:3')), JSON.stringify(rows.map((r) => r.names)));
    const events: CopyEvent[] = [];
    await services.copy({ kind: 'export', source: { kind: 'docker' }, image: 'fixture/layers:3', output: 'daemon.tar', archive: 'auto' }, (e) => events.push(e), new AbortController().signal);
    const verified = new Set(events.flatMap((e) => (e.kind === 'blob' && e.state === 'verified' ? [e.digest] : [])));
    assert.equal(verified.size, 3);
    const reference = join(dir, 'archive.tar');
    await balerOk(['export', '-q', '-o', reference, `docker-archive:${FIXTURE}`]);
    assert.deepEqual(factLines(await tarFacts(join(dir, 'daemon.tar'))), factLines(await tarFacts(reference)));
  });
});
