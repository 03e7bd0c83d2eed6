/**
 * `baler import DIR` keeps file capabilities and user.* xattrs as PAX SCHILY.xattr.* records in the
 * layer it writes, and `baler export` gives them back (issue #6).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTarEntries } from '../../../src/tar/read.js';
import { balerOk } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { isRoot, skipUnlessTools } from '../../helpers/tools.js';
import { tarFacts } from '../flatten/tar-facts.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

// cap_net_raw+ep as the kernel stores it (revision 2: magic 0x02000001 little-endian, permitted bit 13)
const CAP_NET_RAW_EP = Buffer.from('0100000200200000000000000000000000000000', 'hex').toString('latin1');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** PAX xattr records of every entry of the store's only image's only layer. */
async function layerXattrs(store: string): Promise<Map<string, Record<string, string>>> {
  const blob = (d: string): string => join(store, 'blobs', 'sha256', d.slice('sha256:'.length));
  const index = JSON.parse(await readFile(join(store, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(await readFile(blob(index.manifests[0]?.digest ?? ''), 'utf8')) as { layers: Array<{ digest: string }> };
  assert.equal(manifest.layers.length, 1);
  const out = new Map<string, Record<string, string>>();
  for await (const { header, body } of readTarEntries(createReadStream(blob(manifest.layers[0]?.digest ?? '')), 'layer')) {
    body.resume();
    const x = Object.entries(header.pax ?? {}).filter(([k]) => k.startsWith('SCHILY.xattr.'));
    if (x.length > 0) out.set(header.name, Object.fromEntries(x));
  }
  return out;
}

describe('baler import DIR: extended attributes', () => {
  let root = '';
  let store = '';
  before(async () => {
    const dir = await tmp.make('baler-h4-xattr-');
    root = join(dir, 'rootfs');
    store = join(dir, 'store');
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'data'));
    await writeFile(join(root, 'bin', 'ping'), 'ping\n');
    await writeFile(join(root, 'bin', 'plain'), 'plain\n');
    await writeFile(join(root, 'data', 'notes'), 'notes\n');
  });

  const skip = skipUnlessTools('setcap', 'setfattr', 'getfattr') || (isRoot() ? false : 'setcap needs root');
  test('security.capability and user.* become SCHILY.xattr records; export gives them back', { skip }, async () => {
    run('setcap', ['cap_net_raw+ep', join(root, 'bin', 'ping')]);
    run('setfattr', ['-n', 'user.origin', '-v', 'baler test', join(root, 'data', 'notes')]);
    run('setfattr', ['-n', 'user.dir', '-v', '0x00ff', join(root, 'data')]);

    await balerOk(['import', '-q', '--store', store, root, 'xattrs:1']);
    assert.deepEqual(
      [...(await layerXattrs(store))].sort(([a], [b]) => (a < b ? -1 : 1)),
      [
        ['bin/ping', { 'SCHILY.xattr.security.capability': CAP_NET_RAW_EP }],
        ['data', { 'SCHILY.xattr.user.dir': '\u0000\u00ff' }],
        ['data/notes', { 'SCHILY.xattr.user.origin': 'baler test' }],
      ],
    );

    const out = join(store, '..', 'out.tar');
    await balerOk(['export', '-q', '--store', store, '-o', out, 'xattrs:1']);
    const facts = await tarFacts(out);
    assert.equal(facts.files.get('bin/ping')?.xattrs, JSON.stringify({ 'SCHILY.xattr.security.capability': CAP_NET_RAW_EP }));
    assert.equal(facts.files.get('data/notes')?.xattrs, JSON.stringify({ 'SCHILY.xattr.user.origin': 'baler test' }));
    assert.equal(facts.files.get('bin/plain')?.xattrs, undefined);

    // GNU tar restores what baler stored
    const back = join(store, '..', 'back');
    await mkdir(back);
    run('tar', ['--xattrs', '--xattrs-include=*', '-xf', out, '-C', back]);
    const got = spawnSync('getfattr', ['-d', '-m', '-', '--absolute-names', join(back, 'data', 'notes')], { encoding: 'utf8' }).stdout;
    assert.match(got, /user\.origin="baler test"/);
    assert.match(spawnSync('getcap', [join(back, 'bin', 'ping')], { encoding: 'utf8' }).stdout, /cap_net_raw[=+]ep/);
  });
});
