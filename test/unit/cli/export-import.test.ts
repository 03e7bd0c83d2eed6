/**
 * baler export / import / squash as a user runs them (real CLI process, real fixture bytes).
 * The reference for flattening is Docker's own `docker export` of fixture-3layers (formats.md §4.1).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { describeRun, runBaler, balerOk } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';
import { dockerArchiveParts } from '../../helpers/image-archives.js';
import { DOCKER_EXPORT_EXTRAS, factLines, tarFacts } from '../flatten/tar-facts.js';
import { isRoot, skipUnlessTools } from '../../helpers/tools.js';
import { fixture } from '../../helpers/paths.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const DOCKER_EXPORT = fixture('fixture-3layers.docker-export-overlay2.tar');

const tmp = new TempDirs();
after(() => tmp.removeAll());

let dir = '';
let store = '';
before(async () => {
  dir = await tmp.make('baler-h6-cli-');
  store = join(dir, 'store');
});

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function inspect(name: string): Promise<Record<string, unknown>> {
  const r = await balerOk(['inspect', '--json', '--store', store, name]);
  const v = JSON.parse(r.stdout) as unknown;
  return (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
}

/** Docker's export lists parents of its runtime files (etc/, dev/) even when the image has none. */
function dockerView(lines: string[], ours: Set<string>): string[] {
  return lines.filter((l) => {
    const path = l.slice(0, l.indexOf(' {'));
    return ours.has(path) || !['etc', 'dev'].includes(path);
  });
}

describe('baler export', () => {
  test('flattening fixture-3layers gives exactly what docker export gave (minus its runtime files)', async () => {
    const out = join(dir, 'fx.tar');
    const r = await balerOk(['export', '-o', out, `docker-archive:${FIXTURE}`]);
    assert.match(r.stderr, /Exported fixture\/layers:3 \(3 layers/);
    const ours = await tarFacts(out);
    const docker = await tarFacts(DOCKER_EXPORT);
    const ourLines = factLines(ours);
    assert.deepEqual(ourLines, dockerView(factLines(docker, DOCKER_EXPORT_EXTRAS), new Set(ours.files.keys())));
    // whiteouts never appear; the link whose original name was replaced keeps the old bytes
    assert.ok(!ours.order.some((p) => p.split('/').some((c) => c.startsWith('.wh.'))));
    assert.equal(ours.files.get('hl/link')?.content, docker.files.get('hl/link')?.content);
    // parents come before their children
    const seen = new Set<string>();
    for (const p of ours.order) {
      const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      assert.ok(parent === '' || seen.has(parent), `${p} before its parent`);
      seen.add(p);
    }
  });

  test('gzip from the -o suffix and zstd to stdout hold the same tree', async () => {
    const gz = join(dir, 'fx.tar.gz');
    await balerOk(['export', '-o', gz, `docker-archive:${FIXTURE}`]);
    const plain = factLines(await tarFacts(join(dir, 'fx.tar')));
    assert.deepEqual(factLines(await tarFacts(gunzipSync(await readFile(gz)))), plain);
    const zst = await runBaler(['export', '--compress', 'zstd', '--level', '3', `docker-archive:${FIXTURE}`]);
    assert.equal(zst.code, 0, describeRun(['export'], zst));
    assert.deepEqual([...zst.stdoutBytes.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
    const { decompressAuto } = await import('../../../src/codecs/index.js');
    const { stream } = await decompressAuto(Readable.from([zst.stdoutBytes]), 'stdout');
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    assert.deepEqual(factLines(await tarFacts(Buffer.concat(chunks))), plain);
  });

  test('--include and --exclude select paths and keep the parents', async () => {
    const out = join(dir, 'sel.tar');
    await balerOk(['export', '-o', out, '--include', 'e/**', '--include', 'hl', '--exclude', 'hl/orig', `docker-archive:${FIXTURE}`]);
    const names = [...(await tarFacts(out)).files.keys()].sort();
    const all = [...(await tarFacts(join(dir, 'fx.tar'))).files.keys()];
    const want = all.filter((p) => p === 'e' || p.startsWith('e/') || p === 'hl' || p === 'hl/link').sort();
    assert.equal(want.length, 5);
    assert.deepEqual(names, want);
  });

  test('a layer entry that climbs out of the root is refused, naming layer and entry, and nothing is written', async () => {
    for (const bad of ['../escape.txt', '/abs.txt']) {
      const layer = writeTar([{ name: 'ok.txt', data: 'ok\n' }, { name: bad, data: 'x\n' }]);
      const archive = join(dir, `bad-${bad.length}.tar`);
      await writeFile(archive, writeTar(dockerArchiveParts('bad:1', [layer]).entries));
      const out = join(dir, `bad-${bad.length}-out.tar`);
      const args = ['export', '-o', out, `docker-archive:${archive}`];
      const r = await runBaler(args);
      assert.equal(r.code, 4, describeRun(args, r));
      assert.match(r.stderr.trim(), new RegExp(`^baler: layer 1/1 \\(\\w{12}\\) of bad:1: entry "${bad.replace(/[./]/g, '\\$&')}"`));
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith(`bad-${bad.length}-out`)), []);
    }
  });

  test('refuses to write a tar to a terminal-less misuse: --json with stdout output', async () => {
    const r = await runBaler(['export', '--json', `docker-archive:${FIXTURE}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--json needs -o FILE/);
  });
});

describe('baler import', () => {
  test('a gzip tarball keeps its decompressed bytes verbatim; history shows the message', async () => {
    const tarBytes = writeTar([
      { name: './', type: 'dir' },
      { name: './etc', type: 'dir' },
      { name: './etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' },
      { name: './bin/sh-link', type: 'symlink', linkname: '/outside/of/root' },
    ]);
    const input = join(dir, 'root.tgz');
    await writeFile(input, gzipSync(tarBytes));
    const r = await balerOk(['import', '--store', store, '-m', 'my message', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV A=1 B="2 3"', '--platform', 'linux/arm64', input, 'imp:1']);
    const id = r.stdout.trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    const info = await inspect('imp:1');
    assert.equal(info.Id, id);
    assert.deepEqual((info.RootFS as { Layers: string[] }).Layers, [sha(tarBytes)]);
    assert.equal(info.Architecture, 'arm64');
    assert.equal(info.Variant, 'v8');
    assert.deepEqual((info.Config as { Cmd: string[]; Env: string[] }).Cmd, ['/bin/sh']);
    assert.deepEqual((info.Config as { Env: string[] }).Env, ['A=1', 'B=2 3']);
    const h = await balerOk(['history', '--store', store, 'imp:1']);
    assert.match(h.stdout, /my message/);
    // round trip: the symlink pointing outside is kept as a symlink
    const out = join(dir, 'imp.tar');
    await balerOk(['export', '--store', store, '-o', out, 'imp:1']);
    const facts = await tarFacts(out);
    assert.equal(facts.files.get('bin/sh-link')?.link, '/outside/of/root');
    assert.equal(facts.files.get('etc/passwd')?.type, 'file');
  });

  test('absolute names are cleaned (new diff_id), "../" names are refused and the store is untouched', async () => {
    const abs = join(dir, 'abs.tar');
    await writeFile(abs, writeTar([{ name: '/etc', type: 'dir' }, { name: '/etc/x', data: 'x\n' }]));
    const r = await balerOk(['import', '--store', store, abs, 'abs:1']);
    assert.match(r.stderr, /names cleaned/);
    const out = join(dir, 'abs-out.tar');
    await balerOk(['export', '--store', store, '-o', out, 'abs:1']);
    assert.deepEqual([...(await tarFacts(out)).files.keys()].sort(), ['etc', 'etc/x']);

    const before = await readFile(join(store, 'index.json'), 'utf8');
    const evil = join(dir, 'evil.tar');
    await writeFile(evil, writeTar([{ name: 'ok', data: 'ok' }, { name: 'a/../../etc/passwd', data: 'x' }]));
    const args = ['import', '--store', store, evil, 'evil:1'];
    const bad = await runBaler(args);
    assert.equal(bad.code, 4, describeRun(args, bad));
    assert.match(bad.stderr, /evil\.tar: entry "a\/\.\.\/\.\.\/etc\/passwd"/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.equal(await readFile(join(store, 'index.json'), 'utf8'), before);
  });

  test('truncated gzip, unknown compression and an unknown --change fail with one line and store nothing', async () => {
    const before = await readFile(join(store, 'index.json'), 'utf8');
    const gz = gzipSync(writeTar([{ name: 'f', data: 'x'.repeat(5000) }]));
    const big = writeTar([{ name: 'f', data: createHash('sha256').update('seed').digest('hex').repeat(4000) }]);
    const xz = spawnSync('xz', ['-c'], { input: big }).stdout as Buffer;
    const { compressor } = await import('../../../src/codecs/index.js');
    const zst = Buffer.concat(await Readable.from([big]).pipe(compressor('zstd')).toArray());
    const cases: Array<[string, Buffer | undefined, string[], number, RegExp]> = [
      ['trunc.tar.gz', gz.subarray(0, gz.length - 20), [], 4, /trunc\.tar\.gz/],
      ['trunc.tar.xz', xz.subarray(0, Math.floor(xz.length / 2)), [], 4, /trunc\.tar\.xz/],
      ['trunc.tar.zst', zst.subarray(0, Math.floor(zst.length / 2)), [], 4, /trunc\.tar\.zst/],
      ['noise.tar', Buffer.from('this is not an archive at all, sorry'.repeat(40)), [], 4, /noise\.tar/],
      ['ok.tar', writeTar([{ name: 'f', data: 'x' }]), ['-c', 'RUN echo hi'], 2, /`RUN` is not a valid change command/],
      ['missing.tar', undefined, [], 3, /missing\.tar: no such file/],
    ];
    for (const [name, data, extra, code, msg] of cases) {
      const file = join(dir, name);
      if (data) await writeFile(file, data);
      const args = ['import', '--store', store, ...extra, file, 'broken:1'];
      const r = await runBaler(args);
      assert.equal(r.code, code, describeRun(args, r));
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, describeRun(args, r));
    }
    assert.equal(await readFile(join(store, 'index.json'), 'utf8'), before);
  });

  test('a directory: sorted, hard links detected, symlinks not followed, modes kept', async () => {
    const root = join(dir, 'rootfs');
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    await writeFile(join(root, 'bin', 'tool'), 'tool\n');
    await chmod(join(root, 'bin', 'tool'), 0o4755);
    await link(join(root, 'bin', 'tool'), join(root, 'bin', 'tool2'));
    await symlink('/etc/shadow', join(root, 'bin', 'evil'));
    await symlink('../../../../', join(root, 'up'));
    const r = await balerOk(['import', '--store', store, root, 'dir:1']);
    assert.match(r.stdout, /^sha256:/);
    const out = join(dir, 'dir-out.tar');
    await balerOk(['export', '--store', store, '-o', out, 'dir:1']);
    const facts = await tarFacts(out);
    assert.deepEqual([...facts.files.keys()].sort(), ['bin', 'bin/evil', 'bin/tool', 'bin/tool2', 'tmp', 'up']);
    assert.equal(facts.files.get('tmp')?.mode, '1777');
    assert.equal(facts.files.get('bin/tool')?.mode, '4755');
    assert.equal(facts.files.get('bin/evil')?.link, '/etc/shadow');
    assert.deepEqual(facts.hardlinks, ['bin/tool2']);
  });

  // root reads everything, so as root baler runs as nobody (setpriv) in a directory nobody may use
  const asNobody = isRoot() ? (skipUnlessTools('setpriv') ? 'root reads everything and setpriv is missing' : 'nobody') : 'self';
  test('an unreadable directory is one error line and stores nothing', { skip: asNobody.includes(' ') ? asNobody : false }, async () => {
    const base = await tmp.make('baler-h6-locked-');
    const root = join(base, 'locked');
    const lockedStore = join(base, 'store');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(lockedStore);
    await chmod(join(root, 'sub'), 0);
    const args = ['import', '--store', lockedStore, root, 'locked:1'];
    let r: Awaited<ReturnType<typeof runBaler>>;
    if (asNobody === 'nobody') {
      await chmod(base, 0o755);
      await chown(lockedStore, 65534, 65534);
      r = await runBaler(args, { wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] });
    } else r = await runBaler(args);
    await chmod(join(root, 'sub'), 0o755);
    assert.equal(r.code, 6, describeRun(args, r));
    assert.match(r.stderr, /locked\/sub: permission denied/);
    assert.equal(r.stderr.trim().split('\n').length, 1, describeRun(args, r));
    const index = await readFile(join(lockedStore, 'index.json'), 'utf8').catch(() => '');
    assert.doesNotMatch(index, /locked/);
  });

  test('an OpenVZ template name gives the image name and platform', async () => {
    const file = join(dir, 'debian-7.0-x86-minimal.tar.gz');
    await writeFile(file, gzipSync(writeTar([{ name: './', type: 'dir' }, { name: './etc', type: 'dir' }])));
    await balerOk(['import', '--store', store, file]);
    const info = await inspect('debian:7.0-minimal');
    assert.equal(info.Architecture, '386');
    assert.equal(info.Os, 'linux');
  });

  test('stdin: a plain tar piped in gets "Imported from -"', async () => {
    const tarBytes = writeTar([{ name: 'x', data: 'x\n' }]);
    const r = await balerOk(['import', '--store', store, '-', 'piped:1'], { input: tarBytes });
    const h = await balerOk(['history', '--store', store, 'piped:1']);
    assert.match(h.stdout, /Imported from -/);
    const info = await inspect('piped:1');
    assert.equal(info.Id, r.stdout.trim());
    assert.deepEqual((info.RootFS as { Layers: string[] }).Layers, [sha(tarBytes)]);
  });

  test('-o writes a docker-archive instead of storing', async () => {
    const out = join(dir, 'imported-archive.tar');
    const input = join(dir, 'plain.tar');
    await writeFile(input, writeTar([{ name: 'hello', data: 'hi\n' }]));
    await balerOk(['import', '-o', out, input, 'arch:1']);
    const facts = await tarFacts(out);
    assert.ok(facts.files.has('manifest.json'));
  });
});

describe('baler squash', () => {
  test('one layer, same config, same tree, reclaimed bytes reported', async () => {
    await balerOk(['load', '--store', store, '-i', FIXTURE]);
    const r = await balerOk(['squash', '--store', store, 'fixture/layers:3', 'flat:1']);
    // deleted/overwritten: etc/hosts 20, a/gone.txt 5, a/keep.txt 5, d/sub/x.txt 2, d/y.txt 2, bin/tool 3 (hl/orig's old bytes live on in hl/link)
    assert.match(r.stderr, /reclaimed 37B \(37 bytes\)/);
    const before = await inspect('fixture/layers:3');
    const after = await inspect('flat:1');
    assert.equal((after.RootFS as { Layers: string[] }).Layers.length, 1);
    assert.deepEqual(after.Config, before.Config);
    const h = await balerOk(['history', '--store', store, 'flat:1']);
    assert.match(h.stdout, /squashed 3 layers/);
    const a = join(dir, 'sq-a.tar');
    const b = join(dir, 'sq-b.tar');
    await balerOk(['export', '--store', store, '-o', a, 'fixture/layers:3']);
    await balerOk(['export', '--store', store, '-o', b, 'flat:1']);
    assert.deepEqual(factLines(await tarFacts(b)), factLines(await tarFacts(a)));
    // the same image through an oci-archive (gzip layers) and an OCI layout directory
    const ociArchive = join(dir, 'fx-oci.tar');
    await balerOk(['save', '--store', store, '--format', 'oci', '--layers', 'gzip', '-o', ociArchive, 'fixture/layers:3']);
    const c = join(dir, 'sq-c.tar');
    await balerOk(['export', '-o', c, `oci-archive:${ociArchive}`]);
    assert.deepEqual(factLines(await tarFacts(c)), factLines(await tarFacts(a)));
    const layout = join(dir, 'fx-layout');
    await balerOk(['save', '--store', store, '--format', 'oci-dir', '-o', layout, 'fixture/layers:3']);
    const e = join(dir, 'sq-e.tar.gz');
    await balerOk(['export', '-o', e, `oci:${layout}`]);
    assert.deepEqual(factLines(await tarFacts(gunzipSync(await readFile(e)))), factLines(await tarFacts(a)));
  });
});
