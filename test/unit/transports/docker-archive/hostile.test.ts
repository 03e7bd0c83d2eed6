import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { BalerError, type ErrorCode } from '../../../../src/errors.js';
import { sha256Of } from '../../../../src/model/digest.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { configFor, DOCKER20_SAVE, layerTar, rehashAll, writeTar, type Member } from './archive-builder.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-hostile-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Opens, lists and reads every blob; the first error must be a one-line BalerError naming the archive. */
async function failure(file: string): Promise<BalerError> {
  try {
    await using src = await DockerArchiveSource.open(dockerArchiveTransport.parse(`docker-archive:${file}`));
    await rehashAll(src);
  } catch (err) {
    assert.ok(err instanceof BalerError, `not a BalerError: ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `more than one line: ${err.message}`);
    assert.ok(err.message.includes(file), `does not name the archive: ${err.message}`);
    return err;
  }
  assert.fail(`${file} was accepted`);
}

async function expectFailure(file: string, code: ErrorCode, text: RegExp): Promise<void> {
  const err = await failure(file);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, text);
}

/** A well-formed one-image archive, with `patch` applied to the manifest.json item and extra members. */
async function archive(name: string, patch: (item: Record<string, unknown>) => void, extra: Member[] = []): Promise<string> {
  const layer = await layerTar({ f: 'x' });
  const cfg = configFor([sha256Of(layer)]);
  const item: Record<string, unknown> = { Config: 'c.json', RepoTags: ['imga:1'], Layers: ['l/layer.tar'] };
  patch(item);
  const file = join(dir, name);
  await writeTar(file, [{ name: 'l/layer.tar', body: layer }, { name: 'c.json', body: cfg }, ...extra, { name: 'manifest.json', body: JSON.stringify([item]) }]);
  return file;
}

describe('hostile docker-archives give one-line coded errors', () => {
  test('a layer path escaping the archive', async () => {
    const f = await archive('escape.tar', (i) => (i.Layers = ['../../etc/passwd']));
    await expectFailure(f, 'E_PATH_ESCAPE', /\.\.\/\.\.\/etc\/passwd/);
  });

  test('a config path escaping the archive', async () => {
    const f = await archive('escape-config.tar', (i) => (i.Config = 'a/../../c.json'));
    await expectFailure(f, 'E_PATH_ESCAPE', /c\.json/);
  });

  test('a symlinked layer pointing outside the archive', async () => {
    const f = await archive('escape-link.tar', (i) => (i.Layers = ['evil/layer.tar']), [{ name: 'evil/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' }]);
    await expectFailure(f, 'E_PATH_ESCAPE', /evil\/layer\.tar/);
  });

  test('a symlink loop', async () => {
    const f = await archive('loop.tar', (i) => (i.Layers = ['a/layer.tar']), [
      { name: 'a/layer.tar', type: 'symlink', linkname: '../b/layer.tar' },
      { name: 'b/layer.tar', type: 'symlink', linkname: '../a/layer.tar' },
    ]);
    await expectFailure(f, 'E_FORMAT', /link/);
  });

  test('a missing layer member', async () => {
    const f = await archive('missing.tar', (i) => (i.Layers = ['nothere/layer.tar']));
    await expectFailure(f, 'E_NOT_FOUND', /nothere\/layer\.tar/);
  });

  test('a missing config member', async () => {
    const f = await archive('missing-config.tar', (i) => (i.Config = 'gone.json'));
    await expectFailure(f, 'E_NOT_FOUND', /gone\.json/);
  });

  test('layer count differs from diff_ids', async () => {
    const f = await archive('count.tar', (i) => (i.Layers = ['l/layer.tar', 'l/layer.tar']));
    await expectFailure(f, 'E_FORMAT', /layers length mismatch/);
  });

  test('a RepoTags entry that is not a tagged reference', async () => {
    const f = await archive('badtag.tar', (i) => (i.RepoTags = ['Upper/Case:1']));
    await expectFailure(f, 'E_FORMAT', /Upper\/Case:1/);
    const g = await archive('notag.tar', (i) => (i.RepoTags = ['imga']));
    await expectFailure(g, 'E_FORMAT', /"imga"/);
  });

  test('manifest.json that is not JSON', async () => {
    const f = join(dir, 'badjson.tar');
    await writeTar(f, [{ name: 'manifest.json', body: '[{"Config": ' }]);
    await expectFailure(f, 'E_FORMAT', /manifest\.json: invalid JSON/);
  });

  test('a config that is not an image config', async () => {
    const f = join(dir, 'badconfig.tar');
    await writeTar(f, [
      { name: 'c.json', body: '{"architecture":"amd64","os":"linux"}' },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: [] }]) },
    ]);
    await expectFailure(f, 'E_FORMAT', /RootFS/);
  });

  test('an empty file', async () => {
    const f = join(dir, 'empty.tar');
    writeFileSync(f, '');
    await expectFailure(f, 'E_FORMAT', /empty/);
  });

  test('a file that is not a tar', async () => {
    const f = join(dir, 'text.tar');
    writeFileSync(f, 'hello, this is not a tar archive at all\n'.repeat(40));
    const err = await failure(f);
    assert.ok(err.code === 'E_FORMAT' || err.code === 'E_TRUNCATED', err.message);
  });

  test('a truncated gzip wrapper', async () => {
    const f = join(dir, 'cut.tar.gz');
    const gz = gzipSync(readFileSync(DOCKER20_SAVE));
    writeFileSync(f, gz.subarray(0, Math.floor(gz.length / 2)));
    await expectFailure(f, 'E_TRUNCATED', /gzip/);
  });

  test('an oci-archive opened as docker-archive says what it is', async () => {
    const f = join(dir, 'oci-only.tar');
    await writeTar(f, [
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', body: '{"schemaVersion":2,"manifests":[]}' },
    ]);
    await expectFailure(f, 'E_FORMAT', /not a docker-archive.*oci-archive/);
  });

  test('a missing file', async () => {
    await expectFailure(join(dir, 'nope.tar'), 'E_NOT_FOUND', /no such file/);
  });
});
