/**
 * Extended attributes of directory-built tars (layers rebuilt without tar-split, commits, container
 * exports): `security.capability` becomes SCHILY.xattr.security.capability like Docker writes it, and an
 * overlay opaque mark becomes `.wh..wh..opq`, read with getfattr, or GNU tar when getfattr is missing,
 * and with neither the user is warned.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { writeDirTar, type DirTarRequest } from '../../../../src/transports/docker-root/dir-tar.js';
import { dockerCapability, readLayerXattrs } from '../../../../src/transports/docker-root/layer-xattrs.js';
import { runChecked } from '../../../helpers/run-process.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { findTool, isRoot } from '../../../helpers/tools.js';
import { factLines, tarFacts } from '../../flatten/tar-facts.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const tools = { setcap: findTool('setcap'), setfattr: findTool('setfattr'), getfattr: findTool('getfattr'), tar: findTool('tar') };
const skip = !isRoot() ? 'needs root (trusted.* xattrs)' : Object.entries(tools).find(([, p]) => !p)?.[0] ? `not installed: ${Object.entries(tools).filter(([, p]) => !p).map(([n]) => n).join(', ')}` : false;

async function tarBytes(req: DirTarRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writeDirTar(req, new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
  return Buffer.concat(chunks);
}

/** Runs `fn` with PATH holding only the named tools (linked into a temp dir). */
async function withOnlyTools<T>(names: string[], fn: () => Promise<T>): Promise<T> {
  const bin = await tmp.make('baler-path-');
  for (const n of names) await symlink(tools[n as keyof typeof tools] as string, join(bin, n));
  const saved = process.env.PATH;
  process.env.PATH = bin;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

test('capabilities and opaque marks are read with getfattr, and the same with GNU tar when getfattr is missing', { skip }, async () => {
  const dir = await tmp.make();
  await mkdir(join(dir, 'opq'));
  await writeFile(join(dir, 'opq', 'new'), 'n');
  await copyFile(tools.setcap as string, join(dir, 'caf\u00e9-capped'));
  await runChecked(tools.setcap as string, ['cap_net_raw+ep', join(dir, 'caf\u00e9-capped')]);
  await runChecked(tools.setfattr as string, ['-n', 'trusted.overlay.opaque', '-v', 'y', join(dir, 'opq')]);
  await symlink('/etc/shadow', join(dir, 'shadowlink'));

  const viaGetfattr = await readLayerXattrs(dir);
  assert.equal(viaGetfattr?.tool, 'getfattr');
  const viaTar = await withOnlyTools(['tar'], () => readLayerXattrs(dir));
  assert.equal(viaTar?.tool, 'tar');
  assert.deepEqual(viaTar?.attrs, viaGetfattr?.attrs);
  const key = Buffer.from('caf\u00e9-capped').toString('latin1');
  assert.equal(Buffer.from(viaGetfattr?.attrs.get(key)?.['security.capability'] ?? '', 'latin1').length, 20);

  const warnings: string[] = [];
  const req: DirTarRequest = { dir, mode: 'overlay-diff', what: 't', onWarning: (_c, m) => warnings.push(m) };
  const withGetfattr = await tarFacts(await tarBytes(req));
  const withTar = await withOnlyTools(['tar'], async () => tarFacts(await tarBytes(req)));
  assert.deepEqual(warnings, []);
  assert.deepEqual(factLines(withTar), factLines(withGetfattr));
  assert.match(withGetfattr.files.get('caf\u00e9-capped')?.xattrs ?? '', /security\.capability/);
  assert.ok(withGetfattr.files.has('opq/.wh..wh..opq'), 'opaque marker');
  assert.equal(withGetfattr.files.get('shadowlink')?.link, '/etc/shadow');
  // what GNU tar itself archives for the file (an independent reader of the same xattr)
  const gnu = await tarFacts((await runChecked('tar', ['--xattrs', '--xattrs-include=security.capability', '-C', dir, '-cf', '-', 'caf\u00e9-capped'], {})).stdoutBytes);
  assert.equal(withGetfattr.files.get('caf\u00e9-capped')?.xattrs, gnu.files.get('caf\u00e9-capped')?.xattrs);
});

test('with neither getfattr nor tar the tar is still written and the user is told what is lost', { skip }, async () => {
  const dir = await tmp.make();
  await writeFile(join(dir, 'f'), 'x');
  const warnings: string[] = [];
  const facts = await withOnlyTools([], async () => tarFacts(await tarBytes({ dir, mode: 'overlay-diff', what: 'layer L', onWarning: (_c, m) => warnings.push(m) })));
  assert.ok(facts.files.has('f'));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^layer L: neither getfattr \(attr package\) nor GNU tar is installed, so opaque directories .* and file capabilities under .* are not carried$/);
});

test('a revision-3 capability is stored as revision 2, as Docker does', () => {
  const v3 = Buffer.alloc(24);
  v3.writeUInt32LE(0x03000001, 0);
  v3[4] = 0x20;
  const v2 = Buffer.from(dockerCapability(v3.toString('latin1')), 'latin1');
  assert.equal(v2.length, 20);
  assert.equal(v2.readUInt32LE(0), 0x02000001);
  assert.equal(v2[4], 0x20);
  const plain = Buffer.alloc(20);
  plain.writeUInt32LE(0x02000001, 0);
  assert.equal(dockerCapability(plain.toString('latin1')), plain.toString('latin1'));
});
