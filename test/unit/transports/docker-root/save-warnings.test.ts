/**
 * What a user sees when `baler save --from docker-root:` has to rebuild a layer that has no tar-split
 * (the image gets a new ID): a `baler: warning:` line on stderr, and the same text in --json `warnings`.
 * Also `ls --from docker-root:DIR` over the same root (images, and an empty container list).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, runBaler } from '../../../helpers/run-baler.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { readTar } from '../../../helpers/tiny-tar.js';
import { buildVfsRoot, type BuiltImage } from './store-fixture.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

let root = '';
let dir = '';
let built: BuiltImage;

before(async () => {
  dir = await tmp.make('baler-save-warn-');
  root = join(dir, 'docker');
  [built] = (await buildVfsRoot(root, [
    {
      names: ['offline:1'],
      created: '2024-01-02T03:04:05Z',
      layers: [
        { entries: [{ name: 'etc/', type: 'dir' }, { name: 'etc/motd', data: 'hi\n' }] },
        { entries: [{ name: 'etc/', type: 'dir' }, { name: 'etc/issue', data: 'rebuilt\n' }], noTarSplit: true },
      ],
    },
  ])) as [BuiltImage];
});

/** The ID baler's archive gives the image (manifest.json Config). */
async function savedId(archive: string): Promise<string> {
  const manifest = readTar(await readFile(archive)).find((e) => e.name === 'manifest.json');
  assert.ok(manifest, 'manifest.json in the archive');
  const [item] = JSON.parse(manifest.data.toString()) as { Config: string }[];
  return `sha256:${item!.Config.split('/').pop()}`;
}

test('a layer without tar-split: save warns on stderr that the image is re-identified, naming the new ID', async () => {
  const out = join(dir, 'plain.tar');
  const args = ['save', '--from', `docker-root:${root}`, '-o', out, 'offline:1'];
  const r = await runBaler(args);
  assert.equal(r.code, 0, describeRun(args, r));
  const id = await savedId(out);
  assert.notEqual(id, built.id, 'the rebuilt layer changes the image ID');
  assert.match(r.stderr, /baler: warning: .*tar-split\.json\.gz is missing.*rebuilt it from/);
  assert.ok(r.stderr.includes(`new config and image ID ${id} (was ${built.id})`), r.stderr);
});

test('with --json the same warnings are in the document and still on stderr', async () => {
  const out = join(dir, 'json.tar');
  const args = ['save', '--json', '--from', `docker-root:${root}`, '-o', out, 'offline:1'];
  const r = await runBaler(args);
  assert.equal(r.code, 0, describeRun(args, r));
  const doc = JSON.parse(r.stdout) as { warnings: string[]; images: { id: string }[] };
  const id = await savedId(out);
  assert.equal(doc.images[0]?.id, id);
  assert.ok(doc.warnings.some((w) => w.includes('tar-split.json.gz is missing')), JSON.stringify(doc.warnings));
  assert.ok(doc.warnings.some((w) => w.includes(`new config and image ID ${id} (was ${built.id})`)), JSON.stringify(doc.warnings));
  assert.match(r.stderr, /baler: warning: .*new config and image ID/);
});

test('ls --from docker-root lists the images of the data root and says it has no containers', async () => {
  const r = await runBaler(['ls', '--from', `docker-root:${root}`]);
  assert.equal(r.code, 0, describeRun(['ls'], r));
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(lines[1] ?? '', new RegExp(`^offline\\s+1\\s+${built.id.slice(7, 19)}\\s+.+ago\\s+\\d`));
  assert.ok(r.stdout.includes('\nNo containers\n'), r.stdout);
  const j = await runBaler(['ls', '--json', '--from', `docker-root:${root}`]);
  assert.equal(j.code, 0, describeRun(['ls', '--json'], j));
  const doc = JSON.parse(j.stdout) as { Source: string; Images: { Id: string; RepoTags: string[]; Created: string; Size: number }[]; Containers: unknown[] };
  assert.equal(doc.Source, `docker-root:${root}`);
  assert.deepEqual(doc.Images.map((i) => [i.Id, i.RepoTags, i.Created]), [[built.id, ['offline:1'], '2024-01-02T03:04:05Z']]);
  assert.ok((doc.Images[0]?.Size ?? 0) > 0);
  assert.deepEqual(doc.Containers, []);
});
