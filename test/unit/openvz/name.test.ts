import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { parseTemplateName } from '../../../src/transports/openvz/name.js';

describe('OpenVZ template names (formats.md §7)', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['debian-7.0-x86-minimal.tar.gz', 'debian:7.0-minimal', 'linux/386'],
    ['centos-7-x86_64.tar.xz', 'centos:7', 'linux/amd64'],
    ['/var/lib/vz/template/cache/debian-10-standard_10.7-1_amd64.tar.gz', 'debian:10-standard', 'linux/amd64'],
    ['ubuntu-14.04-x86_64-minimal.tar.gz', 'ubuntu:14.04-minimal', 'linux/amd64'],
    ['centos-5-i386-default-5.2-20090117.tar.gz', 'centos:5-default-5.2-20090117', 'linux/386'],
    ['fedora-core-5-i686.tgz', 'fedora-core:5', 'linux/386'],
    ['alpine-3.18-aarch64.tar.zst', 'alpine:3.18', 'linux/arm64/v8'],
    ['ubuntu-20.04-minimal.tar.bz2', 'ubuntu:20.04-minimal', undefined],
  ];
  for (const [file, image, platform] of cases) {
    test(`${file} -> ${image} ${platform ?? '(no arch)'}`, () => {
      const t = parseTemplateName(file);
      assert.ok(t);
      assert.equal(t.image, image);
      assert.equal(t.platform ? [t.platform.os, t.platform.architecture, t.platform.variant].filter(Boolean).join('/') : undefined, platform);
    });
  }

  test('Proxmox fields', () => {
    const t = parseTemplateName('debian-10-standard_10.7-1_amd64.tar.gz');
    assert.equal(t?.packageVersion, '10.7-1');
    assert.equal(t?.ostemplate, 'debian-10-standard_10.7-1_amd64');
    assert.equal(t?.flavor, 'standard');
  });

  test('names that are not templates', () => {
    for (const f of ['rootfs.tar', 'busybox.tar.gz', 'image.zip', 'x86_64.tar.gz', '7-x86.tar']) assert.equal(parseTemplateName(f), undefined, f);
  });
});
