/**
 * save --resume of a compressed archive ends a gzip member / zstd frame after every blob, so the file is
 * many members one after another. Real readers decode concatenated members as one stream: docker 20.10
 * load, skopeo and podman (containers/image) read it like any other compressed archive, with the
 * fixture's image IDs and tags.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { dockerImageFacts, type ImageFacts } from '../helpers/docker-facts.js';
import { withDockerd, type PrivateDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { withPodman } from '../helpers/podman.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk } from '../helpers/run-baler.js';
import { skipUnlessTools } from '../helpers/tools.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const IMAGES = ['imga:1', 'imgb:1', 'imgo:1', 'bbbase:1'];
const FROM = `docker-archive:${fixture('docker20-multi.tar')}`;

/** tag -> image ID and layer diff_ids, as a daemon shows them. */
function byTag(facts: readonly ImageFacts[]): Map<string, string> {
  return new Map(facts.flatMap((f) => f.tags.map((t): [string, string] => [t, `${f.id} ${f.layers.join(',')}`])));
}

// Inside a describe: the hooks then run in order (top-level before() hooks of Node 20 start at once).
describe('compressed save --resume output (one member per blob)', () => {
  const d20 = withDockerd('vfs');
  const d26 = withDockerd('vfs', { engine: 'docker26' });
  const pod = withPodman();
  let dir = '';
  /** What Docker 20.10 shows after loading the fixture itself. */
  let oracle = new Map<string, string>();
  const saved = async (ext: string): Promise<string> => {
    dir ||= await tmp.make('baler-interop-resume-z-');
    const out = join(dir, `set.${ext}`);
    if (!existsSync(out)) await balerOk(['save', '--from', FROM, '--resume', '-o', out, ...IMAGES]);
    return out;
  };
  const loadsLikeTheFixture = async (d: PrivateDockerd, ext: string): Promise<void> => {
    await d.reset();
    await d.dockerChecked(['load', '-i', await saved(ext)]);
    const got = byTag(await dockerImageFacts(d));
    for (const tag of IMAGES) assert.equal(got.get(tag), oracle.get(tag), `${ext} ${tag}: image ID and layers`);
  };

  it('is the plain archive in several gzip members', async () => {
    const out = await saved('tar.gz');
    const plain = join(dir, 'plain.tar');
    await balerOk(['save', '--from', FROM, '-o', plain, ...IMAGES]);
    const single = join(dir, 'single.tar.gz');
    await balerOk(['save', '--from', FROM, '-o', single, ...IMAGES]);
    const members = await readFile(out);
    assert.ok(gunzipSync(members).equals(await readFile(plain)), 'decodes to the plain archive');
    assert.ok(!members.equals(await readFile(single)), 'not one member like a plain .tar.gz save');
  });

  // Docker 20.10 reads no zstd archive at all (not even one from the zstd CLI): gzip only there
  it('docker 20.10 loads the gzip file with the fixture\'s image IDs and layers', { skip: d20.skip }, async () => {
    await d20.dockerChecked(['load', '-i', fixture('docker20-multi.tar')]);
    oracle = byTag(await dockerImageFacts(d20));
    assert.ok(oracle.get('imga:1'), 'the fixture has imga:1');
    await loadsLikeTheFixture(d20, 'tar.gz');
    await d20.stop();
  });

  it('docker 26 loads the zstd and gzip files with the same image IDs', { skip: d20.skip || d26.skip }, async () => {
    for (const ext of ['tar.zst', 'tar.gz']) await loadsLikeTheFixture(d26, ext);
  });

  // skopeo 1.9's docker-archive reader takes no gzip (not even GNU gzip's); its oci-archive reader does
  it('skopeo inspects and copies every image of the gzip and zstd files', { skip: skipUnlessTools('skopeo') }, async () => {
    for (const [ext, transport] of [['tar.gz', 'oci-archive'], ['tar.zst', 'oci-archive'], ['tar.zst', 'docker-archive']] as const) {
      const out = await saved(ext);
      for (const tag of IMAGES) {
        const inspect = JSON.parse((await runChecked('skopeo', ['inspect', `${transport}:${out}:${tag}`])).stdout) as { Layers: string[] };
        assert.ok(inspect.Layers.length > 0, `${transport} ${ext} ${tag}`);
      }
      await runChecked('skopeo', ['copy', '-q', `${transport}:${out}:imga:1`, `oci:${join(dir, `copy-${transport}-${ext}`)}:imga`]);
    }
  });

  // podman 4.3 reads a gzip docker-archive of several images through no transport (GNU gzip's neither);
  // one image is read as an oci-archive
  it('podman load reads the zstd file, and a gzip file of one image', { skip: pod.skip }, async () => {
    const r = await pod.podmanChecked(['load', '-i', await saved('tar.zst')]);
    for (const tag of IMAGES) assert.match(r.stdout, new RegExp(tag.replace('.', '\\.')), `zstd: ${r.stdout}`);
    const one = join(dir, 'one.tar.gz');
    await balerOk(['save', '--from', FROM, '--resume', '-o', one, 'imgo:1']);
    const id = JSON.parse((await runChecked('skopeo', ['inspect', '--config', '--raw', `oci-archive:${one}`])).stdout) as { rootfs: { diff_ids: string[] } };
    const loaded = await pod.podmanChecked(['load', '-i', one]);
    assert.match(loaded.stdout, /Loaded image/, loaded.stdout);
    const layers = JSON.parse((await pod.podmanChecked(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', loaded.stdout.trim().split(/\s+/).pop() ?? ''])).stdout) as string[];
    assert.deepEqual(layers, id.rootfs.diff_ids);
  });
});
