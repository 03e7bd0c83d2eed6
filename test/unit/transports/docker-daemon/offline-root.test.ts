/**
 * `--from docker` with the daemon down falls back to reading its data root offline; a root of the
 * containerd image store has nothing there to read, and the error says where the images are instead.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { dockerDaemonRefAt } from '../../../../src/transports/docker-daemon/transport.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('a stopped daemon whose data root uses the containerd image store is one line naming containerd\'s content store', async () => {
  const root = await tmp.make('baler-daemon-root-');
  const content = join(root, 'containerd', 'daemon', 'io.containerd.content.v1.content');
  await mkdir(content, { recursive: true });
  const socket = join(root, 'docker.sock'); // nothing listens there
  await assert.rejects(dockerDaemonRefAt(socket, 'imga:1', root).openSource(), (e: unknown) => {
    assert.ok(e instanceof BalerError && e.code === 'E_IO', String(e));
    assert.equal(e.message, `docker daemon at unix://${socket} is not answering, and its data root ${root} cannot be read offline instead: its images are in containerd's content store (${content}); start the daemon`);
    return true;
  });
});

test('a stopped daemon with no data root at all keeps the plain "is the daemon running?" error', async () => {
  const root = await tmp.make('baler-daemon-root-');
  const socket = join(root, 'docker.sock');
  await assert.rejects(dockerDaemonRefAt(socket, undefined, join(root, 'none')).openSource(), (e: unknown) =>
    e instanceof BalerError && e.code === 'E_IO' && e.message.includes('is the daemon running?'),
  );
});
