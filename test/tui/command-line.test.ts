import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { equivalentArgv, equivalentCommand, shellQuote } from '../../src/cli/command-line.js';

describe('equivalent command lines', () => {
  it('quotes only what the shell would split or expand', () => {
    assert.equal(shellQuote('debian:12'), 'debian:12');
    assert.equal(shellQuote('docker.io/library/x@sha256:ab'), 'docker.io/library/x@sha256:ab');
    assert.equal(shellQuote('my file.tar'), "'my file.tar'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('$HOME'), "'$HOME'");
    assert.equal(shellQuote(''), "''");
  });

  it('save with defaults names just the output and images', () => {
    assert.equal(equivalentCommand({ verb: 'save', images: ['a:1', 'b:2'], output: 'out.tar', format: 'docker', compression: 'keep', archive: 'auto' }), 'baler save -o out.tar a:1 b:2');
  });

  it('save carries format, compression, platform and --store', () => {
    assert.deepEqual(
      equivalentArgv({ verb: 'save', images: ['a:1'], output: 'my out.tar', format: 'oci', compression: 'zstd', archive: 'gzip', platform: 'linux/arm64' }, { storeFlag: '/s' }),
      ['baler', 'save', '--store', '/s', '-o', 'my out.tar', '--format', 'oci', '--compress', 'gzip', '--layers', 'zstd', '--platform', 'linux/arm64', 'a:1'],
    );
  });

  it('an OCI layout directory is --format oci-dir', () => {
    assert.equal(equivalentCommand({ verb: 'save-oci-dir', images: ['a:1'], output: 'dir', compression: 'gzip' }), 'baler save -o dir --format oci-dir --layers gzip a:1');
  });

  it('load names the input archive', () => {
    assert.equal(equivalentCommand({ verb: 'load', input: '/tmp/x y.tar', images: ['a:1'] }), "baler load -i '/tmp/x y.tar' a:1");
  });
});

describe('equivalent export command', () => {
  it('names one image, the output and the whole-tar compression', () => {
    assert.equal(equivalentCommand({ verb: 'export', image: 'imga:1', output: 'root fs.tar', archive: 'zstd', platform: 'linux/arm64' }, { storeFlag: 's' }), "baler export --store s -o 'root fs.tar' --compress zstd --platform linux/arm64 imga:1");
    assert.equal(equivalentCommand({ verb: 'export', image: 'imga:1', output: 'r.tar.gz', archive: 'auto' }), 'baler export -o r.tar.gz imga:1');
  });

  it('an image of Docker is read --from docker or docker-root:DIR', () => {
    assert.equal(equivalentCommand({ verb: 'export', image: 'imga:1', output: 'r.tar', archive: 'auto', from: 'docker' }), 'baler export --from docker -o r.tar imga:1');
    assert.equal(equivalentCommand({ verb: 'export', image: 'imga:1', output: 'r.tar', archive: 'auto', from: 'docker-root:/var/lib/docker' }), 'baler export --from docker-root:/var/lib/docker -o r.tar imga:1');
  });
});
