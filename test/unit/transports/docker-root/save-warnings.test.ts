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
import { runChecked } from '../../../helpers/run-process.js';
import { readTar } from '../../../helpers/tiny-tar.js';
import { findTool, isRoot } from '../../../helpers/tools.js';
import { tarFacts } from '../../flatten/tar-facts.js';
import { buildVfsRoot, type BuiltImage } from './store-fixture.js';

const setcap = findTool('setcap');
const capSkip = !isRoot() ? 'needs root to set a file capability' : !setcap ? 'setcap (libcap2-bin) is not installed' : false;
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
    { names: ['other:1', 'other:2'], layers: [{ entries: [{ name: 'srv/', type: 'dir' }, { name: 'srv/data', data: 'x\n' }] }] },
  ])) as [BuiltImage, BuiltImage];
  // a file capability in the layer that has to be rebuilt from its directory
  if (!capSkip) await runChecked(setcap as string, ['cap_net_raw+ep', join(built.layerDirs[1]!, 'etc', 'issue')]);
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

test('the rebuilt layer keeps the file capability as SCHILY.xattr.security.capability, like Docker', { skip: capSkip }, async () => {
  const out = join(dir, 'caps.tar');
  const args = ['save', '-q', '--from', `docker-root:${root}`, '-o', out, 'offline:1'];
  const r = await runBaler(args);
  assert.equal(r.code, 0, describeRun(args, r));
  const entries = readTar(await readFile(out));
  const [item] = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString()) as { Layers: string[] }[];
  const layer = entries.find((e) => e.name === item!.Layers[1]);
  assert.ok(layer, 'the rebuilt layer is in the archive');
  const facts = await tarFacts(layer.data);
  assert.match(facts.files.get('etc/issue')?.xattrs ?? '', /"SCHILY\.xattr\.security\.capability"/);
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

test('save of other images never touches the damaged one (only the images asked for are resolved)', async () => {
  for (const want of [['other:1'], ['other']]) {
    const out = join(dir, `other-${want.join('').replace(':', '-')}.tar`);
    const args = ['save', '--from', `docker-root:${root}`, '-o', out, ...want];
    const r = await runBaler(args);
    assert.equal(r.code, 0, describeRun(args, r));
    assert.doesNotMatch(r.stderr, /warning/, 'offline:1 (a layer without tar-split) was not resolved');
    const manifest = readTar(await readFile(out)).find((e) => e.name === 'manifest.json');
    const tags = (JSON.parse(manifest!.data.toString()) as { RepoTags: string[] }[]).flatMap((m) => m.RepoTags).sort();
    assert.deepEqual(tags, want[0] === 'other' ? ['other:1', 'other:2'] : ['other:1'], 'a repository without a tag means all its tags');
  }
});

test('ls --from docker-root lists the images of the data root and says it has no containers', async () => {
  const r = await runBaler(['ls', '--from', `docker-root:${root}`]);
  assert.equal(r.code, 0, describeRun(['ls'], r));
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.ok(lines.some((l) => new RegExp(`^offline\\s+1\\s+${built.id.slice(7, 19)}\\s+.+ago\\s+\\d`).test(l)), r.stdout);
  assert.ok(r.stdout.includes('\nNo containers\n'), r.stdout);
  const j = await runBaler(['ls', '--json', '--from', `docker-root:${root}`]);
  assert.equal(j.code, 0, describeRun(['ls', '--json'], j));
  const doc = JSON.parse(j.stdout) as { Source: string; Images: { Id: string; RepoTags: string[]; Created: string; Size: number }[]; Containers: unknown[] };
  assert.equal(doc.Source, `docker-root:${root}`);
  const offline = doc.Images.find((i) => i.Id === built.id);
  assert.deepEqual(offline && [offline.RepoTags, offline.Created], [['offline:1'], '2024-01-02T03:04:05Z']);
  assert.ok((offline?.Size ?? 0) > 0);
  assert.deepEqual(doc.Images.map((i) => i.RepoTags.join(',')).sort(), ['offline:1', 'other:1,other:2']);
  assert.deepEqual(doc.Containers, []);
});
