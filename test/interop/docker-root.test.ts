/**
 * docker-root against a real Docker Engine 20.10 (vfs and overlay2): images are built with whiteouts,
 * opaque dirs, hard links, long and non-ASCII names, setuid, a fifo and a symlink to /etc/shadow; the
 * daemon's own `docker save`/`docker export` are taken while it runs; then the daemon is STOPPED and
 * baler reads its data root offline and must reproduce the same image IDs and layer bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Descriptor } from '../../src/model/descriptor.js';
import { familiarName } from '../../src/model/image-name.js';
import { listContainers } from '../../src/transports/docker-root/containers.js';
import { writeContainerExport } from '../../src/transports/docker-root/container-export.js';
import { dockerRootTransport } from '../../src/transports/docker-root/transport.js';
import { withDockerd } from '../helpers/dockerd.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar, writeTar, type ReadEntry } from '../helpers/tiny-tar.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { findTool } from '../helpers/tools.js';

const busybox = findTool('busybox');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const DOCKERFILE = `FROM bb:1
RUN /bin/busybox sh -c 'mkdir -p /data/sub /opq && echo a > /data/a.txt && echo b > /data/sub/b.txt && echo o > /opq/old.txt && echo keep > /keep.txt'
RUN /bin/busybox sh -c 'rm /data/a.txt && rm -rf /opq && mkdir /opq && echo n > /opq/new.txt && echo hard > /h1 && ln /h1 /h2 && mkdir -p "/long/$(printf "%0150d" 0)" && echo x > "/long/$(printf "%0150d" 0)/file-$(printf "%0120d" 0)" && echo cafe > "/caf$(printf "\\xc3\\xa9")-$(printf "\\xc3\\xbc")ber.txt" && echo s > /suid && chmod 4755 /suid && mkfifo /fifo && ln -s /etc/shadow /shadowlink && printf x > "/tmp/raw-$(printf "\\xe9")"'
CMD ["/bin/sh"]
`;
const C2_SCRIPT = 'rm /keep.txt; echo z > /data/z; rm -rf /data/sub; mkdir /data/sub; echo nn > /data/sub/nn; rm -rf /opq; mkdir /opq; echo q > /opq/q';

async function bytesOf(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface SavedImage {
  id: string;
  tags: string[];
  layers: Buffer[];
}

/** Reads a legacy `docker save` archive with the independent test tar reader (symlinked layer.tar resolved). */
function readDockerSave(tar: Buffer): SavedImage[] {
  const entries = readTar(tar);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const resolve = (name: string): Buffer => {
    const e = byName.get(name);
    if (!e) throw new Error(`docker save archive lacks ${name}`);
    if (e.type === 'symlink') return resolve(join(name, '..', e.linkname));
    return e.data;
  };
  const manifest = JSON.parse(resolve('manifest.json').toString()) as { Config: string; RepoTags: string[] | null; Layers: string[] }[];
  return manifest.map((m) => ({ id: `sha256:${m.Config.replace(/\.json$/, '')}`, tags: m.RepoTags ?? [], layers: m.Layers.map(resolve) }));
}

/** One line per entry: name, type and what identifies its content (hard links compared by content too). */
function fileSet(entries: ReadEntry[]): string[] {
  const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, '').replace(/\/$/, ''), e]));
  return [...byName.entries()]
    .filter(([name]) => name !== '' && name !== '.')
    .map(([name, e]) => {
      const target = e.type === 'hardlink' ? byName.get(e.linkname.replace(/^\.\//, '')) : e;
      const what = e.type === 'symlink' ? `-> ${e.linkname}` : target?.type === 'file' ? sha(target.data) : (target?.type ?? 'missing');
      return `${name} ${e.type === 'hardlink' ? 'file' : e.type} ${what}`;
    })
    .sort();
}

for (const driver of ['vfs', 'overlay2'] as const) {
  describe(`docker-root on a real ${driver} data root`, { skip: busybox ? false : 'busybox is not installed' }, () => {
    const d = withDockerd(driver);
    const engine = { dir: '', dataRoot: '', saveTar: '', exportTar: '' };

    before(async () => {
      if (d.skip) return;
      engine.dir = await tmp.make(`baler-h8-${driver}-`);
      engine.dataRoot = d.dataRoot;
      const ctx = join(engine.dir, 'ctx');
      await mkdir(ctx, { recursive: true });
      const docker = (args: string[]): Promise<unknown> => d.dockerChecked(args, { cwd: ctx, timeoutMs: 120_000 });
      const rootfs = writeTar([
        { name: 'bin/', type: 'dir' },
        { name: 'bin/busybox', data: await readFile(busybox as string), mode: 0o755 },
        { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
        { name: 'tmp/', type: 'dir', mode: 0o1777 },
      ]);
      await writeFile(join(engine.dir, 'bb.tar'), rootfs);
      await docker(['import', join(engine.dir, 'bb.tar'), 'bb:1']);
      await writeFile(join(ctx, 'Dockerfile'), DOCKERFILE);
      await docker(['build', '-q', '-t', 'feat:1', '-t', 'feat:latest', '.']);
      await docker(['run', '--name', 'c2', '--network', 'none', 'feat:1', '/bin/busybox', 'sh', '-c', C2_SCRIPT]);
      await docker(['create', '--name', 'c1', '--network', 'none', 'feat:1']);
      engine.saveTar = join(engine.dir, 'save.tar');
      engine.exportTar = join(engine.dir, 'export-c2.tar');
      await docker(['save', '-o', engine.saveTar, 'feat:1', 'bb:1']);
      await docker(['export', '-o', engine.exportTar, 'c2']);
      await d.stop();
    }, { timeout: 300_000 });

    test('the stopped daemon\'s images have the same IDs and layer bytes as docker save', { skip: d.skip }, async () => {
      const saved = readDockerSave(await readFile(engine.saveTar));
      await using src = await dockerRootTransport.parse(`docker-root:${engine.dataRoot}`).openSource();
      const listed = await src.list();
      const got = new Map<string, { tags: string[]; layers: Descriptor[] }>();
      for (const e of listed) {
        const m = JSON.parse(Buffer.from(await src.fetchManifest(e.descriptor)).toString()) as { config: Descriptor; layers: Descriptor[] };
        got.set(m.config.digest, { tags: e.names.map(familiarName).sort(), layers: m.layers });
        assert.equal(sha(await bytesOf(await src.fetchBlob(m.config))), m.config.digest);
      }
      assert.deepEqual([...got.values()].map((g) => g.tags.join(',')).sort(), ['bb:1', 'feat:1,feat:latest']);
      for (const img of saved) {
        const mine = got.get(img.id);
        assert.ok(mine, `image ${img.id} (${img.tags.join(',')}) is listed with the same ID`);
        assert.deepEqual(mine.layers.map((l) => l.digest), img.layers.map(sha), `${img.tags.join(',')}: layer digests`);
        for (const [i, l] of mine.layers.entries()) {
          const tar = await bytesOf(await src.fetchBlob(l));
          assert.equal(tar.length, l.size);
          assert.ok(tar.equals(img.layers[i]!), `${img.tags.join(',')}: layer ${i} is byte-identical to docker save`);
        }
      }
      const feat = readTar(saved.find((s) => s.tags.includes('feat:1'))!.layers[2]!);
      const names = feat.map((e) => e.name);
      assert.ok(names.includes('shadowlink') && feat.find((e) => e.name === 'shadowlink')?.linkname === '/etc/shadow', 'fixture has the /etc/shadow link');
      assert.ok(names.some((n) => n.startsWith('long/') && n.length > 200), 'fixture has a long name');
      assert.ok(names.includes('caf\u00e9-\u00fcber.txt'), 'fixture has a non-ASCII name');
      assert.ok(names.some((n) => n.startsWith('tmp/raw-') && n.length === 'tmp/raw-'.length + 1), 'fixture has a name that is not UTF-8 (tar-split name_raw)');
    });

    test('baler save --from docker-root writes the same image IDs and layer digests as docker save', { skip: d.skip }, async () => {
      const out = join(engine.dir, 'baler-save.tar');
      const args = ['save', '--from', `docker-root:${engine.dataRoot}`, 'feat:1', 'bb:1', '-o', out];
      const r = await runBaler(args);
      assert.equal(r.code, 0, describeRun(args, r));
      const entries = readTar(await readFile(out));
      const file = (name: string): Buffer => {
        const e = entries.find((x) => x.name === name);
        assert.ok(e, `${name} in baler's archive`);
        return e.data;
      };
      const mine = (JSON.parse(file('manifest.json').toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[])
        .map((m) => ({ id: `sha256:${m.Config.split('/').pop()}`, tags: m.RepoTags.join(','), layers: m.Layers.map((l) => sha(file(l))) }))
        .sort((a, b) => a.tags.localeCompare(b.tags));
      const theirs = readDockerSave(await readFile(engine.saveTar))
        .map((m) => ({ id: m.id, tags: m.tags.join(','), layers: m.layers.map(sha) }))
        .sort((a, b) => a.tags.localeCompare(b.tags));
      assert.deepEqual(mine, theirs);
    });

    test('containers are listed with name, image and status (baler ps)', { skip: d.skip }, async () => {
      const cs = await listContainers(engine.dataRoot);
      const rows = cs.map((c) => `${c.name} ${c.imageRef} ${c.status}`).sort();
      assert.deepEqual(rows, ['c1 feat:1 Created', 'c2 feat:1 Exited (0)']);
      const r = await runBaler(['ps', '--from', `docker-root:${engine.dataRoot}`]);
      assert.equal(r.code, 0, describeRun(['ps'], r));
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[0] ?? '', /^CONTAINER ID\s+IMAGE\s+CREATED\s+STATUS\s+NAMES$/);
      assert.match(lines[1] ?? '', /^[0-9a-f]{12}\s+feat:1\s+.+ago\s+Created\s+c1$/, 'newest first');
      assert.match(lines[2] ?? '', /^[0-9a-f]{12}\s+feat:1\s+.+ago\s+Exited \(0\)\s+c2$/);
    });

    test('baler commit of a stopped container gives an image whose files are docker export minus the init layer', { skip: d.skip }, async () => {
      const store = join(engine.dir, 'store');
      const commit = ['commit', '--store', store, '--from', `docker-root:${engine.dataRoot}`, 'c2', 'c2img:1', '-m', 'offline'];
      const r = await runBaler(commit);
      assert.equal(r.code, 0, describeRun(commit, r));
      assert.match(r.stdout, /^sha256:[0-9a-f]{64}\nCommitted c2 as c2img:1\n$/);
      const out = join(engine.dir, 'c2img.tar');
      const exp = ['export', '--store', store, 'c2img:1', '-o', out];
      const e = await runBaler(exp);
      assert.equal(e.code, 0, describeRun(exp, e));
      // Docker's init layer (formats.md §4.1) is in a container's export but never in a commit
      const initLayer = /^(\.dockerenv|dev|dev\/.*|etc\/(hostname|hosts|mtab|resolv\.conf)|proc|sys) /;
      // a name that is not UTF-8 goes through the string-based tar reader of export: compared apart
      const rawName = /^tmp\/raw-/;
      const mine = fileSet(readTar(await readFile(out))).filter((l) => !rawName.test(l));
      const theirs = fileSet(readTar(await readFile(engine.exportTar))).filter((l) => !initLayer.test(l) && !rawName.test(l));
      assert.deepEqual(mine, theirs);

      // committed to stdout (docker-archive:-), stdout is the archive alone and the ID goes to stderr
      const piped = ['commit', '--store', store, '--from', `docker-root:${engine.dataRoot}`, '--into', 'docker-archive:-', 'c2', 'c2img:2'];
      const p = await runBaler(piped);
      assert.equal(p.code, 0, describeRun(piped, p));
      assert.match(p.stderr, /^sha256:[0-9a-f]{64}\nCommitted c2 as c2img:2\n$/);
      const archive = join(engine.dir, 'c2img-piped.tar');
      await writeFile(archive, p.stdoutBytes);
      const names = readTar(p.stdoutBytes).map((e) => e.name);
      assert.ok(names.includes('manifest.json'), names.join(' '));
      // nothing after the tar's end: its size is whole 512-byte blocks ending in the two zero blocks
      assert.equal(p.stdoutBytes.length % 512, 0);
      assert.ok(p.stdoutBytes.subarray(-1024).every((b) => b === 0));
      const v = await runBaler(['verify', '-q', archive]);
      assert.equal(v.code, 0, describeRun(['verify', archive], v));
    });

    test('a container exported offline has the same files as docker export', { skip: d.skip }, async () => {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      const warnings: string[] = [];
      const result = await writeContainerExport(engine.dataRoot, 'c2', sink, { onWarning: (_c, m) => warnings.push(m) });
      assert.equal(result.container.name, 'c2');
      assert.deepEqual(warnings, []);
      const mine = fileSet(readTar(Buffer.concat(chunks)));
      const theirs = fileSet(readTar(await readFile(engine.exportTar)));
      assert.deepEqual(mine.filter((l) => !theirs.includes(l)), [], 'entries baler has that docker export lacks');
      assert.deepEqual(theirs.filter((l) => !mine.includes(l)), [], 'entries docker export has that baler lacks');
      for (const gone of ['keep.txt', 'data/a.txt', 'data/sub/b.txt', 'opq/new.txt', 'opq/old.txt']) {
        assert.ok(!mine.some((l) => l.startsWith(`${gone} `)), `${gone} was deleted in the container or its image`);
      }
    });
  });
}
