import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { assertLoadRejected, writeInput } from '../helpers/hostile.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { ociArchiveParts, writeTar } from '../helpers/image-archives.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

test('an OCI layer with an unknown media type is rejected as unsupported, naming the type', async () => {
  const parts = ociArchiveParts('weird:1', undefined, 'application/vnd.example.mystery.layer.v1');
  const file = await writeInput(tmp, 'unknown-media-type.oci.tar', writeTar(parts.entries));
  await assertLoadRejected(tmp, file, { exit: ExitCode.badInput, problem: /vnd\.example\.mystery|media ?type|unsupported/i });
});
