/**
 * `baler export` of containers against a real Docker Engine 20.10 (overlay2 and vfs). A container is given
 * every kind of change (files added, changed, chmod/chown'd, deleted — overlay2 char 0/0 whiteouts —, a
 * directory deleted and re-created — trusted.overlay.opaque —, hard links, a fifo, setuid, a non-ASCII
 * name, a file with a capability copied in with `docker cp`). While the daemon runs, `docker export` is
 * taken and `baler export --from docker` (the Engine API) must match it; `baler ls --from docker` lists
 * images and containers. Then the daemon is STOPPED and `baler export --from docker-root:DIR` must give
 * the same names, types, modes, owners (ids and names), contents, link targets, devices and xattrs as
 * `docker export`; `--from docker` then falls back to the data root and says so.
 */
import assert from 'node:assert/strict';
import { copyFile, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readLayerXattrs } from '../../src/transports/docker-root/layer-xattrs.js';
import { withDockerd, type StorageDriver } from '../helpers/dockerd.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { runChecked } from '../helpers/run-process.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { findTool } from '../helpers/tools.js';
import { factLines, tarFacts } from '../unit/flatten/tar-facts.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const busybox = findTool('busybox');
const setcap = findTool('setcap');
const missing = !busybox ? 'busybox is not installed' : !setcap ? 'setcap (libcap2-bin) is not installed' : false;

const DOCKERFILE = `FROM bb:1
RUN mkdir -p /data/sub /opq/deep && echo a > /data/a.txt && echo b > /data/sub/b.txt && echo o > /opq/deep/old && echo keep > /keep.txt && echo h > /h1 && ln /h1 /h2
RUN rm /data/a.txt && echo img > /img.txt && chmod 4755 /img.txt
`;

/** Every kind of change a container can make to its image's files. */
const CHANGES = [
  'rm /keep.txt /h2',
  'rm -rf /opq && mkdir -p /opq/deep && echo new > /opq/deep/new',
  'echo changed > /data/sub/b.txt',
  'chmod 600 /etc/passwd',
  'chown 1234:5678 /img.txt',
  'mkdir -p /added/dir && echo add > /added/dir/f && chown 1234:5678 /added/dir/f && chmod 2750 /added/dir',
  'echo x > /added/l1 && ln /added/l1 /added/l2',
  'ln -s /etc/shadow /added/shadowlink && ln -s ../data /added/rel',
  'mkfifo /added/fifo',
  'echo s > /added/suid && chmod 4711 /added/suid',
  `echo c > "/added/caf$(printf '\\303\\251')"`,
].join(' && ');

for (const driver of ['overlay2', 'vfs'] as StorageDriver[]) {
  describe(`container export on ${driver}`, { skip: missing }, () => {
    const d = withDockerd(driver);
    let dir = '';
    let dockerExport = '';

    before(async () => {
      if (d.skip) return;
      dir = await tmp.make(`baler-cexport-${driver}-`);
      const rootfs = join(dir, 'rootfs');
      await mkdir(join(rootfs, 'bin'), { recursive: true });
      await mkdir(join(rootfs, 'etc'));
      await mkdir(join(rootfs, 'tmp'));
      await copyFile(busybox as string, join(rootfs, 'bin', 'busybox'));
      await runChecked('ln', ['-s', 'busybox', join(rootfs, 'bin', 'sh')]);
      await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
      await copyFile(busybox as string, join(rootfs, 'bin', 'capped'));
      await runChecked(setcap as string, ['cap_net_raw+ep', join(rootfs, 'bin', 'capped')]);
      const baseTar = join(dir, 'bb.tar');
      await runChecked('tar', ['--xattrs', '--xattrs-include=security.capability', '-C', rootfs, '-cf', baseTar, '.']);
      await d.dockerChecked(['import', baseTar, 'bb:1']);
      const ctx = join(dir, 'ctx');
      await mkdir(ctx);
      await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
      await d.dockerChecked(['build', '-q', '-t', 'feat:1', ctx]);
      await d.dockerChecked(['run', '--name', 'c2', '--network', 'none', 'feat:1', '/bin/sh', '-c', CHANGES]);
      // a file with a capability in the read-write layer (busybox cp cannot keep xattrs; docker cp does)
      const capDir = join(dir, 'cap');
      await mkdir(capDir);
      await copyFile(busybox as string, join(capDir, 'rw-capped'));
      await runChecked(setcap as string, ['cap_net_admin+ep', join(capDir, 'rw-capped')]);
      await d.dockerChecked(['cp', join(capDir, 'rw-capped'), 'c2:/added/rw-capped']);
      // an image with a container's name: export must pick the container, NAME:TAG the image
      await d.dockerChecked(['tag', 'bb:1', 'c2:latest']);
      dockerExport = join(dir, 'docker-export.tar');
      await d.dockerChecked(['export', '-o', dockerExport, 'c2']);
    }, { timeout: 300_000 });

    test('docker export itself carries the cases under test', { skip: d.skip }, async () => {
      const facts = await tarFacts(dockerExport);
      assert.ok(facts.files.get('bin/capped')?.xattrs?.includes('security.capability'), 'image-layer capability');
      assert.ok(facts.files.get('added/rw-capped')?.xattrs?.includes('security.capability'), 'read-write-layer capability');
      assert.equal(facts.files.get('img.txt')?.owner, '1234:5678::');
      assert.ok(facts.files.has('opq/deep/new') && !facts.files.has('opq/deep/old') && !facts.files.has('keep.txt') && !facts.files.has('h2'));
      assert.ok(facts.files.has('.dockerenv'), 'the init layer');
    });

    test('baler export --from docker (daemon API) matches docker export', { skip: d.skip, timeout: 120_000 }, async () => {
      const out = join(dir, 'api.tar');
      const args = ['export', '--from', 'docker', '-o', out, 'c2'];
      const r = await runBaler(args, { env: { DOCKER_HOST: d.host } });
      assert.equal(r.code, 0, describeRun(args, r));
      assert.match(r.stderr, /^Exported container c2 from docker daemon at unix:\/\//);
      assert.deepEqual(factLines(await tarFacts(out)), factLines(await tarFacts(dockerExport)));
      const image = join(dir, 'api-image.tar');
      const img = await runBaler(['export', '--from', 'docker', '-o', image, 'feat:1'], { env: { DOCKER_HOST: d.host } });
      assert.equal(img.code, 0, describeRun(['export', '--from', 'docker', 'feat:1'], img));
      const imgFacts = await tarFacts(image);
      assert.ok(imgFacts.files.has('keep.txt') && !imgFacts.files.has('.dockerenv'), 'an image name exports the image');
    });

    test('baler export --from docker with --include/--exclude keeps what matches, and a kept link to a left-out file gets its bytes', { skip: d.skip, timeout: 120_000 }, async () => {
      const out = join(dir, 'api-filtered.tar');
      const args = ['export', '--from', 'docker', '--include', 'added/**', '--exclude', 'added/l1', '--exclude', 'added/fifo', '-o', out, 'c2'];
      const r = await runBaler(args, { env: { DOCKER_HOST: d.host } });
      assert.equal(r.code, 0, describeRun(args, r));
      const mine = await tarFacts(out);
      const theirs = await tarFacts(dockerExport);
      const expected = [...theirs.files.keys()].filter((p) => (p === 'added' || p.startsWith('added/')) && p !== 'added/l1' && p !== 'added/fifo').sort();
      assert.deepEqual([...mine.files.keys()].sort(), expected);
      // l2 was a hard link to l1 in the container; with l1 left out it must be the file itself
      assert.deepEqual(mine.files.get('added/l2'), theirs.files.get('added/l2'));
      assert.ok(!mine.hardlinks.includes('added/l2'), 'added/l2 is written as a regular file, not a dangling link');
      for (const p of expected) assert.deepEqual(mine.files.get(p), theirs.files.get(p), p);
    });

    test('baler ls --from docker lists the daemon\'s images and containers', { skip: d.skip, timeout: 120_000 }, async () => {
      const r = await runBaler(['ls', '--json', '--from', 'docker'], { env: { DOCKER_HOST: d.host } });
      assert.equal(r.code, 0, describeRun(['ls', '--from', 'docker'], r));
      const doc = JSON.parse(r.stdout) as { Source: string; Images: { RepoTags: string[] }[]; Containers: { Name: string; Image: string; State: string; Status: string }[] };
      assert.equal(doc.Source, `docker daemon at ${d.host}`);
      assert.deepEqual(doc.Images.flatMap((i) => i.RepoTags).sort(), ['bb:1', 'c2:latest', 'feat:1']);
      assert.deepEqual(doc.Containers.map((c) => [c.Name, c.Image, c.State]), [['c2', 'feat:1', 'exited']]);
      assert.match(doc.Containers[0]?.Status ?? '', /^Exited \(0\)/);
      // the data root of a live daemon can still be read offline, with a word that the API is the safer way
      const offline = await runBaler(['ls', '--json', '--from', `docker-root:${d.dataRoot}`], { env: { DOCKER_HOST: d.host, BALER_DOCKER_ROOT: d.dataRoot } });
      assert.equal(offline.code, 0, describeRun(['ls', '--from', 'docker-root:'], offline));
      assert.match(offline.stderr, /^baler: warning: \S+ belongs to the running docker daemon at unix:\/\/\S+; it is read offline as asked, but --from docker \(its API\) sees a consistent state while the daemon works\n$/);
      assert.deepEqual((JSON.parse(offline.stdout) as typeof doc).Images.flatMap((i) => i.RepoTags).sort(), ['bb:1', 'c2:latest', 'feat:1']);
      const ps = await runBaler(['ps', '--from', 'docker'], { env: { DOCKER_HOST: d.host } });
      assert.equal(ps.code, 0, describeRun(['ps', '--from', 'docker'], ps));
      assert.match(ps.stdout, /^CONTAINER ID\s+IMAGE\s+CREATED\s+STATUS\s+NAMES\n[0-9a-f]{12}\s+feat:1\s+.+ago\s+Exited \(0\) .+ago\s+c2\n$/);
    });

    test('with the daemon stopped, baler export --from docker-root matches docker export exactly', { skip: d.skip, timeout: 300_000 }, async () => {
      await d.stop();
      const out = join(dir, 'offline.tar');
      const args = ['export', '--from', `docker-root:${d.dataRoot}`, '-o', out, 'c2'];
      const r = await runBaler(args);
      assert.equal(r.code, 0, describeRun(args, r));
      assert.doesNotMatch(r.stderr, /warning/);
      if (driver === 'overlay2') {
        // the read-write layer really holds overlay whiteouts (char 0/0) and an opaque directory
        const [cid] = await readdir(join(d.dataRoot, 'containers')); // c2 is the only container
        const mountId = (await readFile(join(d.dataRoot, 'image', 'overlay2', 'layerdb', 'mounts', cid as string, 'mount-id'), 'utf8')).trim();
        const upper = join(d.dataRoot, 'overlay2', mountId, 'diff');
        const wh = await lstat(join(upper, 'keep.txt'));
        assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'keep.txt is a 0/0 whiteout in the upper dir');
        assert.equal((await readLayerXattrs(upper))?.attrs.get('opq')?.['trusted.overlay.opaque'], 'y');
      }
      const mine = await tarFacts(out);
      const theirs = await tarFacts(dockerExport);
      assert.deepEqual(factLines(mine), factLines(theirs));
      assert.deepEqual([...mine.files.keys()].sort(), [...theirs.files.keys()].sort());
      // the raw names too: directories end in "/" in both, so `tar -tvf` lists them alike
      const names = async (tar: string): Promise<string[]> => (await runChecked('tar', ['-tf', tar])).stdout.split('\n').filter(Boolean).sort();
      assert.deepEqual(await names(out), await names(dockerExport));
    });

    test('--from docker with the daemon down reads its data root offline and says so', { skip: d.skip, timeout: 300_000 }, async () => {
      const out = join(dir, 'fallback.tar');
      const args = ['export', '--from', 'docker', '-o', out, 'c2'];
      const r = await runBaler(args, { env: { DOCKER_HOST: d.host, BALER_DOCKER_ROOT: d.dataRoot } });
      assert.equal(r.code, 0, describeRun(args, r));
      const said = /^baler: warning: docker daemon at unix:\/\/\S+ is not answering, so \S+ is read offline instead \(docker-root:\S+\)$/gm;
      assert.equal(r.stderr.match(said)?.length, 1, r.stderr);
      assert.deepEqual(factLines(await tarFacts(out)), factLines(await tarFacts(dockerExport)));
      for (const other of [['export', '--from', 'docker', '-o', join(dir, 'fallback-image.tar'), 'feat:1'], ['save', '--from', 'docker', '-o', join(dir, 'fallback-save.tar'), 'feat:1']]) {
        const o = await runBaler(other, { env: { DOCKER_HOST: d.host, BALER_DOCKER_ROOT: d.dataRoot } });
        assert.equal(o.code, 0, describeRun(other, o));
        assert.equal(o.stderr.match(said)?.length, 1, `${other[0]} says once which reader it used:\n${o.stderr}`);
      }
      const ls = await runBaler(['ls', '--from', 'docker'], { env: { DOCKER_HOST: d.host, BALER_DOCKER_ROOT: d.dataRoot } });
      assert.equal(ls.code, 0, describeRun(['ls', '--from', 'docker'], ls));
      assert.match(ls.stderr, /is not answering/);
      assert.match(ls.stdout, /^CONTAINER ID\s+IMAGE\s+CREATED\s+STATUS\s+NAMES\n[0-9a-f]{12}\s+feat:1\s+.+ago\s+Exited \(0\)\s+c2$/m);
      assert.match(ls.stdout, /^c2\s+latest\s+[0-9a-f]{12}\s/m);
    });

    test('a name shared by a container and an image: the container wins, NAME:TAG picks the image', { skip: d.skip, timeout: 300_000 }, async () => {
      const image = join(dir, 'image.tar');
      const args = ['export', '--from', `docker-root:${d.dataRoot}`, '-o', image, 'c2:latest'];
      const r = await runBaler(args);
      assert.equal(r.code, 0, describeRun(args, r));
      const facts = await tarFacts(image);
      assert.ok(!facts.files.has('.dockerenv') && !facts.files.has('added'), 'the image bb:1, not the container');
      assert.ok(facts.files.has('bin/capped'));
      const spec = join(dir, 'spec.tar');
      const viaSpec = ['export', '-o', spec, `docker-root:${d.dataRoot}:c2`];
      const s = await runBaler(viaSpec);
      assert.equal(s.code, 0, describeRun(viaSpec, s));
      assert.ok((await tarFacts(spec)).files.has('.dockerenv'), 'docker-root:DIR:NAME picks the container too');
    });
  });
}
