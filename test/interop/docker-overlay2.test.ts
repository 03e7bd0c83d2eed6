/**
 * The same round trip on an overlay2 daemon, which applies layers natively (opaque markers as xattrs, whiteouts as
 * char devices) and is stricter than vfs about hard links (formats.md §4.3 rule 6): what baler saves must load and
 * look right there too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { allTags, dockerImageFacts } from '../helpers/docker-facts.js';
import { withDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const dockerd = withDockerd('overlay2');
const tmp = new TempDirs();
after(() => tmp.removeAll());

test('overlay2: docker load of baler save keeps IDs and tags, and the containers see whiteouts applied', { skip: dockerd.skip }, async () => {
  await dockerd.dockerChecked(['load', '-i', fixture('docker20-multi.tar')]);
  const expected = await dockerImageFacts(dockerd);
  const dir = await tmp.make('baler-interop-overlay2-');
  const store = join(dir, 'store');
  const saved = join(dir, 'saved.tar');
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--store', store]);
  await balerOk(['save', '-o', saved, '--store', store, ...allTags(expected)]);
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', saved]);
  assert.deepEqual(await dockerImageFacts(dockerd), expected);
  for (const image of ['imga:1', 'imgo:1']) {
    const ls = await dockerd.dockerChecked(['run', '--rm', '--network', 'none', image, '/bin/busybox', 'ls', '-A', '/data']);
    assert.equal(ls.stdout, 'new\n', `${image}: /data holds only the recreated file`);
  }
  const motd = await dockerd.docker(['run', '--rm', '--network', 'none', 'imga:1', '/bin/busybox', 'cat', '/etc/motd']);
  assert.notEqual(motd.code, 0, 'etc/motd was deleted in imga');
  const links = await dockerd.dockerChecked(['run', '--rm', '--network', 'none', 'imga:1', '/bin/busybox', 'stat', '-c', '%i %h', '/hl/orig', '/hl/link']);
  const [a, b] = links.stdout.trim().split('\n');
  assert.equal(a, b, 'hl/orig and hl/link are one inode with two links');
  assert.match(a ?? '', / 2$/);
});
