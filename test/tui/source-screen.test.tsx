import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { renderApp } from './render-app.js';
import { KEY } from './keys.js';

afterEach(() => cleanup());

describe('Source screen', () => {
  it('offers the store, a path, and shows Docker as not available yet', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    assert.match(app.frame(), /› Embedded store {2}\/tmp\/fake-store/);
    assert.match(app.frame(), /Archive or OCI layout path/);
    assert.match(app.frame(), /Docker store \(\/var\/lib\/docker\) {2}\(not available yet\)/);
  });

  it('an unavailable entry cannot be opened', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    await app.press('j', 'j', KEY.enter);
    await app.waitFor('› Docker store');
    assert.match(app.frame(), /Choose a source/);
    assert.equal(app.services.listed.length, 0);
  });

  it('types a path with tab completion and opens it', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    await app.press(KEY.down, KEY.enter);
    await app.waitFor('Path:');
    await app.press(...'/tmp/f', KEY.tab);
    await app.waitFor('Path: /tmp/fixtures/');
    assert.match(app.frame(), /\/tmp\/fixtures\/a\.tar/);
    assert.match(app.frame(), /\/tmp\/fixtures\/b\.tar/);
    await app.press('a', KEY.tab);
    await app.waitFor('Path: /tmp/fixtures/a.tar');
    await app.press(KEY.enter);
    await app.waitFor('Images in /tmp/fixtures/a.tar');
    assert.deepEqual(app.services.listed, [{ kind: 'path', path: '/tmp/fixtures/a.tar' }]);
  });

  it('a path that cannot be read comes back with the error', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    await app.press(KEY.down, KEY.enter, ...'/tmp/missing.tar', KEY.enter);
    await app.waitFor('✗ /tmp/missing.tar: no such file or directory');
    assert.match(app.frame(), /Choose a source/);
  });

  it('q quits with no commands to print', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    await app.press('q');
    assert.deepEqual(app.outcomes, [{ commands: [], interrupted: false }]);
  });
});

describe('Docker daemon source', () => {
  it('opens the daemon, offers save and export, and spells them with docker as the source', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    await app.press('j', 'j', 'j');
    await app.waitFor('› Docker daemon  /var/run/docker.sock');
    await app.press(KEY.enter);
    await app.waitFor('Images in docker');
    assert.deepEqual(app.services.listed, [{ kind: 'docker' }]);
    await app.press(KEY.enter);
    await app.waitFor('Action for 1 image: debian:12');
    assert.match(app.frame(), /baler save --from docker -o debian_12\.tar debian:12/);
    await app.press(KEY.right, KEY.right);
    await app.waitFor('‹export the flattened file system to a tar›');
    // the untyped default follows the verb, so the export never names the archive a save would write
    await app.waitFor(/baler export --from docker -o debian_12-rootfs\.tar debian:12/);
  });
});
