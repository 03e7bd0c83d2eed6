/**
 * The rest of issue #6's surface as a user meets it: every input compression of import (by magic
 * bytes), --change substitution end to end, export's compression from the -o suffix and --level limits.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { balerOk, describeRun, runBaler } from '../../helpers/run-baler.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';
import { skipUnlessTools } from '../../helpers/tools.js';
import { fixture, repoRoot } from '../../helpers/paths.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const tmp = new TempDirs();
after(() => tmp.removeAll());

let dir = '';
let store = '';
before(async () => {
  dir = await tmp.make('baler-h6-opts-');
  store = join(dir, 'store');
});

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const TAR = writeTar([
  { name: './', type: 'dir' },
  { name: './etc/', type: 'dir' },
  { name: './etc/os-release', data: 'ID=test\n' },
]);

async function inspect(name: string): Promise<{ RootFS: { Layers: string[] }; Config: Record<string, unknown> }> {
  const v = JSON.parse((await balerOk(['inspect', '--json', '--store', store, name])).stdout) as unknown;
  return (Array.isArray(v) ? v[0] : v) as { RootFS: { Layers: string[] }; Config: Record<string, unknown> };
}

describe('baler import: every compression, found by magic bytes', () => {
  const tools: Array<[string, string, string[]]> = [
    ['xz', 'rootfs.tar.xz', ['xz', '-c']],
    ['bzip2', 'rootfs.tar.bz2', ['bzip2', '-c']],
    ['zstd', 'rootfs.tar.zst', ['zstd', '-q', '-c']],
  ];
  for (const [tool, name, cmd] of tools) {
    test(`${name}: the layer is the decompressed tar, byte for byte`, { skip: skipUnlessTools(tool) }, async () => {
      const r = spawnSync(cmd[0] as string, cmd.slice(1), { input: TAR });
      assert.equal(r.status, 0);
      // a misleading suffix on purpose: the magic bytes decide
      const file = join(dir, `${name}.bin`);
      await writeFile(file, r.stdout);
      await balerOk(['import', '-q', '--store', store, file, `comp:${tool}`]);
      assert.deepEqual((await inspect(`comp:${tool}`)).RootFS.Layers, [sha(TAR)]);
    });
  }

  test('--change values substitute $VAR from earlier ENV lines, as docker import does', async () => {
    const file = join(dir, 'plain.tar.gz');
    await writeFile(file, gzipSync(TAR));
    await balerOk(['import', '-q', '--store', store, '-c', 'ENV APP=/srv/app PORT=8080', '-c', 'WORKDIR $APP', '-c', 'EXPOSE ${PORT}', '-c', 'ENV LOG=\\$APP/log', '-c', 'CMD run $PORT', file, 'subst:1']);
    const c = (await inspect('subst:1')).Config;
    assert.equal(c.WorkingDir, '/srv/app');
    assert.deepEqual(c.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(c.Env, ['APP=/srv/app', 'PORT=8080', 'LOG=$APP/log']);
    assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'run $PORT']);
    const args = ['import', '--store', store, '-c', 'WORKDIR ${APP', file, 'subst:2'];
    const bad = await runBaler(args);
    assert.equal(bad.code, 2, describeRun(args, bad));
    assert.match(bad.stderr, /--change "WORKDIR \$\{APP": missing '}'/);
  });
});

describe('baler export: compression from the -o suffix, --level limits', () => {
  const magic: Array<[string, number[]]> = [
    ['root.tgz', [0x1f, 0x8b]],
    ['root.tar.gz', [0x1f, 0x8b]],
    ['root.tar.zst', [0x28, 0xb5, 0x2f, 0xfd]],
  ];
  for (const [name, bytes] of magic) {
    test(`-o ${name}`, async () => {
      const out = join(dir, name);
      await balerOk(['export', '-q', '-o', out, `docker-archive:${FIXTURE}`]);
      assert.deepEqual([...(await readFile(out)).subarray(0, bytes.length)], bytes);
    });
  }

  test('levels outside the codec\'s range, or without compression, are usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--compress', 'zstd', '--level', '20'], /--level: expected a whole number from 1 to 19, got "20"/],
      [['--compress', 'gzip', '--level', '0'], /--level: expected a whole number from 1 to 9, got "0"/],
      [['--level', '5'], /--level needs --compress gzip or zstd/],
    ];
    for (const [flags, msg] of cases) {
      const args = ['export', '-o', join(dir, 'never.tar'), ...flags, `docker-archive:${FIXTURE}`];
      const r = await runBaler(args);
      assert.equal(r.code, 2, describeRun(args, r));
      assert.match(r.stderr, msg);
    }
    await balerOk(['export', '-q', '-o', join(dir, 'fast.tar.zst'), '--level', '1', `docker-archive:${FIXTURE}`]);
  });

  test('without -o, a terminal on stdout is refused (script(1) gives the CLI a pty)', { skip: skipUnlessTools('script') }, async () => {
    const command = ['node', '--import', 'tsx', 'src/cli/main.ts', 'export', `docker-archive:${FIXTURE}`].join(' ');
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // the CLI must run as a user starts it, not as a test-runner child
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, encoding: 'utf8', env });
    assert.equal(r.status, 2, r.stdout);
    assert.match(r.stdout, /export: refusing to write a tar archive to a terminal; use -o FILE or redirect stdout/);
  });
});
