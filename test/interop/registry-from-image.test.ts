/**
 * IMAGE arguments against `--from registry://HOST/REPO`, as docker and skopeo users write them: `TAG`,
 * `:TAG`, `@sha256:…`, `HOST/REPO:TAG` and `registry://HOST/REPO:TAG` all name that repository's image
 * (save, export, load -i); `--from registry://HOST` takes `REPO:TAG`; `--from registry://HOST/REPO:TAG`
 * alone is that image. Checked against what skopeo reports of a real docker-registry 2.8; bad or
 * conflicting arguments are one line and exit 2, with nothing left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { sha256Hex } from '../helpers/image-archives.js';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';
import { skipUnlessTools } from '../helpers/tools.js';

const reg = withRegistry();
const skip = reg.skip || skipUnlessTools('skopeo');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const REPO = 'team/app';

interface Pushed {
  /** Manifest digest skopeo reports for REPO:TAG. */
  digest: string;
  /** Config digest (the image ID): sha256 of the config skopeo reads. */
  config: string;
}

/** Two different images under two tags, pushed by skopeo once, and what skopeo then reports of each. */
let pushing: Promise<Map<string, Pushed>> | undefined;
function pushed(): Promise<Map<string, Pushed>> {
  pushing ??= (async () => {
    const facts = new Map<string, Pushed>();
    for (const [image, tag] of [['imgb:1', '1.0'], ['imga:1', '2.0']] as const) {
      const ref = `docker://${reg.host}/${REPO}:${tag}`;
      await runChecked('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${fixture('docker20-multi.tar')}:${image}`, ref]);
      const digest = (await runChecked('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', ref])).stdout.trim();
      const config = (await runChecked('skopeo', ['inspect', '--tls-verify=false', '--config', '--raw', ref])).stdout;
      facts.set(tag, { digest, config: `sha256:${sha256Hex(config)}` });
    }
    return facts;
  })();
  return pushing;
}

/** The archive's one image: manifest digest (index.json), config digest and names (manifest.json), checked against the blobs. */
function archiveImage(file: string): { digest: string; config: string; tags: string[] } {
  const entries = readTar(readFileSync(file));
  const read = (name: string): Buffer => {
    const e = entries.find((x) => x.name === name);
    assert.ok(e, `${file} holds ${name}`);
    return e.data;
  };
  const index = JSON.parse(read('index.json').toString()) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(read('manifest.json').toString()) as Array<{ Config: string; RepoTags: string[] | null }>;
  assert.equal(index.manifests.length, 1, 'one image');
  assert.equal(manifest.length, 1, 'one image');
  const digest = index.manifests[0]!.digest;
  assert.equal(`sha256:${sha256Hex(read(`blobs/sha256/${digest.slice(7)}`))}`, digest, 'the manifest blob has its digest');
  const config = `sha256:${sha256Hex(read(manifest[0]!.Config))}`;
  return { digest, config, tags: manifest[0]!.RepoTags ?? [] };
}

/** A usage error: exit 2, exactly one line on stderr, nothing at `out`. */
async function usageError(args: readonly string[], out: string, line: RegExp): Promise<void> {
  const r = await runBaler(args);
  assert.equal(r.code, ExitCode.usage, describeRun(args, r));
  assert.match(r.stderr, /^baler: [^\n]+\n$/, describeRun(args, r));
  assert.match(r.stderr, line, describeRun(args, r));
  assert.equal(existsSync(out), false, `${out} is not left behind`);
}

test('save --from registry://HOST/REPO takes TAG, :TAG, @sha256:…, HOST/REPO:TAG and registry://…: the image skopeo reports', { skip }, async () => {
  const dir = await tmp.make('baler-from-image-');
  const one = (await pushed()).get('1.0')!;
  const name = `${reg.host}/${REPO}:1.0`;
  const cases: Array<[string, string[]]> = [
    ['1.0', [name]],
    [':1.0', [name]],
    [`@${one.digest}`, []],
    [name, [name]],
    [`registry://${name}`, [name]],
    [`${REPO}:1.0`, [name]],
  ];
  for (const [i, [image, tags]] of cases.entries()) {
    const out = join(dir, `case-${i}.tar`);
    await balerOk(['save', '-q', '--from', `registry://${reg.host}/${REPO}`, '-o', out, image]);
    assert.deepEqual(archiveImage(out), { digest: one.digest, config: one.config, tags }, image);
  }
  // the other tag is another image: the argument picks, not the listing order
  const two = join(dir, 'two.tar');
  await balerOk(['save', '-q', '--from', `registry://${reg.host}/${REPO}`, '-o', two, '2.0']);
  assert.deepEqual(archiveImage(two), { ...(await pushed()).get('2.0')!, tags: [`${reg.host}/${REPO}:2.0`] });

  // a registry:// argument without --from reads the same way its other arguments
  const positional = join(dir, 'positional.tar');
  await balerOk(['save', '-q', '-o', positional, `registry://${reg.host}/${REPO}`, ':1.0']);
  assert.deepEqual(archiveImage(positional), { ...one, tags: [name] });
});

test('--from registry://HOST takes REPO:TAG; --from registry://HOST/REPO:TAG alone is that image', { skip }, async () => {
  const dir = await tmp.make('baler-from-host-');
  const one = (await pushed()).get('1.0')!;
  const name = `${reg.host}/${REPO}:1.0`;
  const hostOnly = join(dir, 'host-only.tar');
  await balerOk(['save', '-q', '--from', `registry://${reg.host}`, '-o', hostOnly, `${REPO}:1.0`]);
  assert.deepEqual(archiveImage(hostOnly), { ...one, tags: [name] });
  const byDigest = join(dir, 'host-only-digest.tar');
  await balerOk(['save', '-q', '--from', `registry://${reg.host}`, '-o', byDigest, `${REPO}@${one.digest}`]);
  assert.deepEqual(archiveImage(byDigest), { ...one, tags: [] });

  const alone = join(dir, 'alone.tar');
  await balerOk(['save', '-q', '--from', `registry://${name}`, '-o', alone]);
  assert.deepEqual(archiveImage(alone), { ...one, tags: [name] });
  // naming its own tag again is the same image
  const again = join(dir, 'again.tar');
  await balerOk(['save', '-q', '--from', `registry://${name}`, '-o', again, '1.0']);
  assert.deepEqual(archiveImage(again), { ...one, tags: [name] });

  // inventory --from takes the same references: a tag, a digest
  for (const from of [`registry://${name}`, `registry://${reg.host}/${REPO}@${one.digest}`]) {
    const inv = JSON.parse((await balerOk(['inventory', '--from', from])).stdout) as { images: Array<{ id: string; manifest: string }> };
    assert.deepEqual(inv.images.map((i) => [i.id, i.manifest]), [[one.config, one.digest]], from);
  }
});

test('export --from registry://HOST/REPO TAG and load -i registry://HOST/REPO :TAG read that tag', { skip }, async () => {
  const dir = await tmp.make('baler-from-export-');
  const facts = await pushed();
  const expected = join(dir, 'expected.tar');
  await balerOk(['export', '-q', '-o', expected, `docker-archive:${fixture('docker20-multi.tar')}:imgb:1`]);
  const files = (file: string): string[] => readTar(readFileSync(file)).map((e) => e.name);
  for (const [i, args] of [['--from', `registry://${reg.host}/${REPO}`, '1.0'], ['--from', `registry://${reg.host}/${REPO}`, `@${facts.get('1.0')!.digest}`], ['--from', `registry://${reg.host}/${REPO}:1.0`]].entries()) {
    const out = join(dir, `export-${i}.tar`);
    await balerOk(['export', '-q', '-o', out, ...args]);
    assert.deepEqual(files(out), files(expected), args.join(' '));
  }

  const store = join(dir, 'store');
  await balerOk(['load', '-q', '-i', `registry://${reg.host}/${REPO}`, '--store', store, ':2.0']);
  const ls = JSON.parse((await balerOk(['ls', '--json', '--store', store])).stdout) as Array<{ Id: string }>;
  assert.deepEqual(ls.map((i) => i.Id), [facts.get('2.0')!.config]);
});

test('malformed, foreign or conflicting IMAGE arguments are one line and exit 2', { skip }, async () => {
  const dir = await tmp.make('baler-from-bad-');
  const out = join(dir, 'never.tar');
  const repo = `registry://${reg.host}/${REPO}`;
  const how = new RegExp(`write TAG, :TAG, @sha256:DIGEST or ${reg.host.replace(/\./g, '\\.')}/team/app:TAG\\n$`);
  await usageError(['save', '--from', repo, '-o', out, ':bad tag'], out, /^baler: ":bad tag": bad tag "bad tag"; /);
  await usageError(['save', '--from', repo, '-o', out, ':'], out, how);
  await usageError(['save', '--from', repo, '-o', out, '@sha256:1234'], out, /bad digest/);
  await usageError(['save', '--from', repo, '-o', out, 'other/app:1.0'], out, new RegExp(`^baler: "other/app:1\\.0": not in ${repo.replace(/\./g, '\\.')}; `));
  await usageError(['save', '--from', repo, '-o', out, 'registry.example.com/team/app:1.0'], out, /not on 127\.0\.0\.1:[0-9]+/);
  await usageError(['save', '--from', `${repo}:1.0`, '-o', out, ':2.0'], out, /names one image already; give the repository without a tag or digest/);
  await usageError(['save', '--from', `registry://${reg.host}`, '-o', out, ':1.0'], out, /names no repository; write REPO:TAG, REPO@sha256:DIGEST or /);
  await usageError(['save', '--from', `registry://${reg.host}`, '-o', out], out, /name a repository to read/);
  await usageError(['export', '--from', repo, '-o', out, 'app:1.0'], out, /not in /);
  // two different images under the repository's tags: export needs one of them
  await pushed();
  await usageError(['export', '--from', repo, '-o', out], out, new RegExp(`holds 2 images; name exactly one \\(e\\.g\\. ${repo.replace(/\./g, '\\.')}:TAG\\)\\n$`));
  await usageError(['inventory', '--from', `registry://${reg.host}`, '-o', out], out, /name a repository to read/);
  // without a registry source, IMAGE is still required
  await usageError(['save', '-o', out], out, /^baler: save: missing IMAGE; see 'baler save --help'\n$/);
});
