import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import type { Digest } from '../../../src/model/digest.js';
import { familiarName, parseImageName } from '../../../src/model/image-name.js';
import { resolveImage, type ResolvableImage } from '../../../src/store/resolve.js';

const d = (hex: string): Digest => `sha256:${hex.padEnd(64, '0')}` as Digest;
const images: ResolvableImage[] = [
  { digest: d('aa11'), id: d('abcd1'), names: [parseImageName('imga:1'), parseImageName('imga:latest')] },
  { digest: d('bb22'), id: d('abcd2'), names: [parseImageName('ghcr.io/team/tool:2')] },
  { digest: d('cc33'), id: d('ef01'), names: [] },
  { digest: d('dd44'), id: d('beef'), names: [parseImageName('beef:1')] },
];

function errorOf(fn: () => unknown): BalerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BalerError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

test('names resolve in familiar, tagged and full form', () => {
  assert.equal(resolveImage(images, 'imga').image.digest, d('aa11'));
  assert.equal(familiarName(resolveImage(images, 'imga').name!), 'imga:latest');
  assert.equal(resolveImage(images, 'imga:1').by, 'name');
  assert.equal(resolveImage(images, 'docker.io/library/imga:1').image.digest, d('aa11'));
  assert.equal(resolveImage(images, 'ghcr.io/team/tool:2').image.digest, d('bb22'));
  assert.equal(resolveImage(images, `imga@${d('aa11')}`).by, 'digest');
});

test('image IDs resolve in full, with or without sha256:, and by unique prefixes of 4+ hex digits', () => {
  assert.equal(resolveImage(images, d('ef01')).by, 'id');
  assert.equal(resolveImage(images, d('ef01').slice(7)).image.digest, d('cc33'));
  assert.equal(resolveImage(images, 'ef01').image.digest, d('cc33'));
  assert.equal(resolveImage(images, 'sha256:abcd2').image.digest, d('bb22'));
  assert.equal(resolveImage(images, d('bb22')).by, 'digest');
});

test('a manifest-digest prefix (the IMAGE ID of Docker\'s containerd image store) selects when no image-ID prefix does', () => {
  assert.equal(resolveImage(images, 'cc33').image.digest, d('cc33'));
  assert.equal(resolveImage(images, 'sha256:dd44').by, 'digest');
  assert.equal(resolveImage(images, 'beef').by, 'id', 'an image-ID prefix still comes first');
  assert.equal(errorOf(() => resolveImage(images, 'cc3')).code, 'E_NOT_FOUND', 'under 4 hex digits');
  const twins: ResolvableImage[] = [...images, { digest: d('cc331'), id: d('7777'), names: [] }];
  assert.equal(resolveImage(twins, 'cc330').image.digest, d('cc33'));
  assert.equal(errorOf(() => resolveImage(twins, 'cc33')).code, 'E_CONFLICT', 'two manifests start with cc33');
});

test('a name wins over an ID prefix that looks the same, like docker', () => {
  assert.equal(resolveImage(images, 'beef').by, 'id'); // "beef" is not a name (beef:1 is), so the prefix matches
  assert.equal(resolveImage(images, 'beef:1').by, 'name');
});

test('ambiguous prefixes are a conflict that lists the candidates; unknowns are not found', () => {
  const amb = errorOf(() => resolveImage(images, 'abcd'));
  assert.equal(amb.code, 'E_CONFLICT');
  assert.equal(amb.message, 'image ID prefix "abcd" is ambiguous: abcd10000000 (imga:1), abcd20000000 (ghcr.io/team/tool:2)');
  const short = errorOf(() => resolveImage(images, 'ef0'));
  assert.equal(short.code, 'E_NOT_FOUND');
  assert.equal(short.message, 'no such image: ef0');
  assert.equal(errorOf(() => resolveImage(images, 'imgb:1')).message, 'no such image: imgb:1');
  assert.equal(errorOf(() => resolveImage(images, d('9999'))).code, 'E_NOT_FOUND');
});

test('one config behind two manifests (gzip and zstd copies) is ambiguous by ID, never picked silently', () => {
  const twins: ResolvableImage[] = [
    { digest: d('1111'), id: d('cafe'), names: [parseImageName('one:1')] },
    { digest: d('2222'), id: d('cafe'), names: [parseImageName('two:2')] },
  ];
  const full = errorOf(() => resolveImage(twins, d('cafe')));
  assert.equal(full.code, 'E_CONFLICT');
  assert.equal(full.message, `image ID "${d('cafe')}" is ambiguous: cafe00000000 (one:1, manifest ${d('1111')}), cafe00000000 (two:2, manifest ${d('2222')})`);
  assert.equal(errorOf(() => resolveImage(twins, 'cafe')).code, 'E_CONFLICT');
  assert.equal(resolveImage(twins, d('2222')).image.names[0] && familiarName(resolveImage(twins, d('2222')).image.names[0]!), 'two:2');
  assert.equal(resolveImage(twins, 'two:2').image.digest, d('2222'));
});
