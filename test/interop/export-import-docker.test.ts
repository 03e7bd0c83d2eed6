/**
 * baler export/import/squash against a real Docker Engine (private dockerd, vfs and overlay2):
 *  - an image built by docker with whiteouts, opaque dirs, hard links, setuid bits, devices and FIFOs
 *    flattens to exactly what `docker export` of a container of it holds (minus Docker's runtime files);
 *  - a busybox rootfs imported by baler loads and runs (`echo ok`);
 *  - a hand-made image with a cross-layer hard link (vfs accepts it) flattens like docker exports it;
 *  - a squashed image loads and runs.
 */
import { strict as assert } from 'node:assert';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { withDockerd, type StorageDriver } from '../helpers/dockerd.js';
import { dockerArchiveParts } from '../helpers/image-archives.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { writeTar } from '../helpers/tiny-tar.js';
import { DOCKER_EXPORT_EXTRAS, factLines, tarFacts } from '../unit/flatten/tar-facts.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** Docker's export lists parents of its runtime files (etc/, dev/) even when the image has none. */
function comparable(lines: string[], keep: Set<string>): string[] {
  return lines.filter((l) => {
    const path = l.slice(0, l.indexOf(' {'));
    return keep.has(path) || !['etc', 'dev'].includes(path);
  });
}

async function busyboxRoot(dir: string): Promise<string> {
  const root = join(dir, 'busybox-root');
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const tool of ['sh', 'ln', 'rm', 'mkdir', 'echo', 'chmod', 'mknod', 'mkfifo', 'cat', 'touch', 'mv']) await symlink('busybox', join(root, 'bin', tool));
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await mkdir(join(root, 'tmp'));
  return root;
}

const DOCKERFILE = `FROM busy:1
RUN mkdir -p /data/keep /data/drop /opq/sub && echo a > /data/keep/a && echo b > /data/drop/b && echo c > /opq/sub/c && echo o > /opq/o \\
 && echo orig > /data/orig && ln /data/orig /data/link && echo su > /usr-su && chmod 4755 /usr-su && chmod 1777 /tmp \\
 && mknod /data/null2 c 1 3 && mkfifo /data/fifo && ln -s ../data/keep/a /data/sym && echo 1 > /data/gone
RUN rm -rf /data/drop /data/gone && rm -rf /opq && mkdir -p /opq/sub && echo new > /opq/sub/new \\
 && echo replaced > /data/orig.new && mv /data/orig.new /data/orig && echo twice > /data/keep/a && rm /etc/passwd
RUN ln /data/keep/a /data/keep/a-link && mkdir -p "/dir with spaces/ünï" && echo x > "/dir with spaces/ünï/f" && chmod 2750 "/dir with spaces"
`;

for (const driver of ['vfs', 'overlay2'] as StorageDriver[]) {
  describe(`with dockerd (${driver})`, () => {
    const d = withDockerd(driver);
    let dir = '';
    let store = '';

    test('an imported busybox rootfs loads and runs', { skip: d.skip, timeout: 300_000 }, async () => {
      dir = await tmp.make(`baler-h6-${driver}-`);
      store = join(dir, 'store');
      const root = await busyboxRoot(dir);
      await balerOk(['import', '--store', store, '-m', 'busybox base', '-c', 'CMD ["/bin/sh"]', root, 'busy:1']);
      const archive = join(dir, 'busy.tar');
      await balerOk(['save', '--store', store, '-o', archive, 'busy:1']);
      await d.dockerChecked(['load', '-i', archive]);
      const run = await d.dockerChecked(['run', '--rm', '--network', 'none', 'busy:1', '/bin/sh', '-c', 'echo ok']);
      assert.equal(run.stdout.trim(), 'ok');
      const hist = await d.dockerChecked(['history', '--no-trunc', '--format', '{{.Comment}}', 'busy:1']);
      assert.match(hist.stdout, /busybox base/);
      const h = await balerOk(['history', '--store', store, 'busy:1']);
      assert.match(h.stdout, /busybox base/);
    });

    test('a docker-built image with whiteouts, opaque dirs and hard links flattens like docker export', { skip: d.skip, timeout: 600_000 }, async () => {
      assert.ok(dir, 'the import test must run first');
      const ctx = join(dir, 'build');
      await mkdir(ctx);
      await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
      await d.dockerChecked(['build', '-q', '-t', 'flat:1', ctx]);
      const saved = join(dir, 'flat-saved.tar');
      await d.dockerChecked(['save', '-o', saved, 'flat:1']);
      const cid = (await d.dockerChecked(['create', 'flat:1', '/bin/sh'])).stdout.trim();
      const dockerOut = join(dir, 'flat-docker-export.tar');
      await d.dockerChecked(['export', '-o', dockerOut, cid]);
      await d.dockerChecked(['rm', cid]);

      const ours = join(dir, 'flat-baler-export.tar');
      await balerOk(['export', '-o', ours, `docker-archive:${saved}:flat:1`]);
      // owners compare by uid:gid: docker export looks user names up on the host, while baler's
      // directory import records numeric owners only (reproducible on any host, like OpenVZ templates)
      const oursFacts = await tarFacts(ours, { numericOwners: true });
      const dockerFacts = await tarFacts(dockerOut, { numericOwners: true });
      assert.deepEqual(factLines(oursFacts), comparable(factLines(dockerFacts, DOCKER_EXPORT_EXTRAS), new Set(oursFacts.files.keys())));
      // the interesting cases are really in there
      assert.equal(oursFacts.files.get('data/orig')?.content, dockerFacts.files.get('data/orig')?.content);
      assert.ok(oursFacts.files.has('opq/sub/new') && !oursFacts.files.has('opq/sub/c') && !oursFacts.files.has('opq/o'));
      assert.ok(!oursFacts.files.has('data/drop') && !oursFacts.files.has('etc/passwd'));
      assert.equal(oursFacts.files.get('usr-su')?.mode, '4755');
      // overlay2's diff keeps the L3 `ln` as a link pair; vfs's naive diff stores only the new name
      if (driver === 'overlay2') assert.ok(oursFacts.hardlinks.length >= 1, 'same-layer hard links are kept as links');

      // squash: one layer, runs, same tree
      await balerOk(['load', '--store', store, '-i', saved]);
      await balerOk(['squash', '--store', store, 'flat:1', 'flat:squashed']);
      const squashedOut = join(dir, 'flat-squashed.tar');
      await balerOk(['export', '--store', store, '-o', squashedOut, 'flat:squashed']);
      assert.deepEqual(factLines(await tarFacts(squashedOut, { numericOwners: true })), factLines(oursFacts));
      // names the layers do carry (docker build records root/root) come out as docker exports them
      const named = await tarFacts(ours);
      const dockerNamed = await tarFacts(dockerOut);
      for (const [p, f] of named.files) if (!f.owner.endsWith(':')) assert.equal(f.owner, dockerNamed.files.get(p)?.owner, p);
      const squashedArchive = join(dir, 'flat-squashed-archive.tar');
      await balerOk(['save', '--store', store, '-o', squashedArchive, 'flat:squashed']);
      await d.dockerChecked(['load', '-i', squashedArchive]);
      const run = await d.dockerChecked(['run', '--rm', '--network', 'none', 'flat:squashed', '/bin/sh', '-c', 'cat /data/keep/a']);
      assert.equal(run.stdout.trim(), 'twice');
      const layers = await d.dockerChecked(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', 'flat:squashed']);
      assert.equal(layers.stdout.trim(), '1');
    });

    test('a cross-layer hard link whose target is replaced later', { skip: d.skip || (driver === 'overlay2' ? 'overlay2 rejects cross-layer hard links (formats.md §4.3 rule 6)' : false), timeout: 300_000 }, async () => {
      assert.ok(dir, 'the import test must run first');
      const l1 = writeTar([{ name: 'x', type: 'dir' }, { name: 'x/orig', data: 'first\n' }, { name: 'x/other', data: 'other\n' }]);
      const l2 = writeTar([{ name: 'x', type: 'dir' }, { name: 'x/link', type: 'hardlink', linkname: 'x/orig' }, { name: 'y', type: 'dir' }, { name: 'y/l2', type: 'hardlink', linkname: 'x/other' }]);
      const l3 = writeTar([{ name: 'x', type: 'dir' }, { name: 'x/orig', data: 'second\n' }, { name: 'x/.wh.other', data: '' }]);
      const archive = join(dir, 'xlink.tar');
      await writeFile(archive, writeTar(dockerArchiveParts('xlink:1', [l1, l2, l3]).entries));
      await d.dockerChecked(['load', '-i', archive]);
      const cid = (await d.dockerChecked(['create', 'xlink:1', '/x'])).stdout.trim();
      const dockerOut = join(dir, 'xlink-docker.tar');
      await d.dockerChecked(['export', '-o', dockerOut, cid]);
      await d.dockerChecked(['rm', cid]);
      const ours = join(dir, 'xlink-baler.tar');
      await balerOk(['export', '-o', ours, `docker-archive:${archive}`]);
      const oursFacts = await tarFacts(ours);
      assert.deepEqual(factLines(oursFacts), comparable(factLines(await tarFacts(dockerOut), DOCKER_EXPORT_EXTRAS), new Set(oursFacts.files.keys())));
      assert.notEqual(oursFacts.files.get('x/link')?.content, oursFacts.files.get('x/orig')?.content);
      assert.ok(oursFacts.files.has('y/l2'));
    });
  });
}
