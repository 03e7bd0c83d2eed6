import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup } from 'ink-testing-library';
import { renderApp } from './render-app.js';
import { KEY } from './keys.js';
import { FakeServices, imageRow } from './fake-services.js';

afterEach(() => cleanup());

describe('Action screen', () => {
  it('enter on an unselected list takes the image under the cursor', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Action for 1 image: debian:12');
    assert.match(app.frame(), /Output file +debian_12\.tar/);
    assert.match(app.frame(), /baler save -o debian_12\.tar debian:12/);
  });

  it('changing format, compression, output and platform updates the equivalent command', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.space, KEY.down, KEY.space, KEY.enter);
    await app.waitFor('Action for 2 images');
    await app.press(KEY.down, KEY.right); // format: oci
    await app.waitFor('‹oci›');
    await app.press(KEY.down, KEY.right, KEY.right); // layers: zstd
    await app.waitFor('‹zstd›');
    await app.press(KEY.down, KEY.right, KEY.right); // compress the archive: gzip
    await app.waitFor('‹gzip›');
    await app.press(KEY.down, KEY.enter, ...Array(10).fill(KEY.backspace), ...'both.tar', KEY.enter);
    await app.press(KEY.down, KEY.enter, ...'linux/amd64', KEY.enter);
    // The command wraps at the 100-column test terminal.
    await app.waitFor(/baler save -o both\.tar --format oci --compress gzip --layers zstd --platform linux\/amd64 debian:12\s+debian:11/);
  });

  it('Start hands the pipeline the same thing the command says', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Action for 1 image');
    await app.press('j', 'j', 'j', 'j', 'j', 'j', KEY.enter);
    await app.waitFor('ctrl-c cancels');
    assert.equal(app.services.copies.length, 1);
    assert.deepEqual(app.services.copies[0]!.request, { kind: 'save', source: { kind: 'store' }, images: ['debian:12'], output: 'debian_12.tar', format: 'docker', compression: 'keep', archive: 'auto' });
  });

  it('an empty output path is refused on the screen, not by the pipeline', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Action for 1 image');
    await app.press('j', 'j', 'j', 'j', KEY.enter, ...Array(20).fill(KEY.backspace), KEY.enter, 's');
    await app.waitFor('✗ type an output path');
    assert.equal(app.services.copies.length, 0);
  });

  it('an archive source offers loading into the store', async () => {
    const app = renderApp();
    await app.waitFor('Choose a source');
    await app.press(KEY.down, KEY.enter, ...'/tmp/fixtures/a.tar', KEY.enter);
    await app.waitFor('debian:12');
    await app.press(KEY.enter);
    await app.waitFor('load into the store');
    assert.match(app.frame(), /baler load -i \/tmp\/fixtures\/a\.tar debian:12/);
    assert.doesNotMatch(app.frame(), /Output file/);
  });

  it('counts images, not names: two images with five names are two images', async () => {
    const services = new FakeServices();
    services.images = [imageRow(['imga:1', 'localhost/imga:1'], [['base', 2_000_000]]), imageRow(['imgb:1', 'imgb:latest', 'localhost/imgb:1'], [['base', 2_000_000]])];
    const app = renderApp(services);
    await app.waitFor('Embedded store');
    await app.press(KEY.enter);
    await app.waitFor('imgb:1');
    await app.press(KEY.space, KEY.down, KEY.space, KEY.enter);
    await app.waitFor('Action for 2 images: imga:1 localhost/imga:1 imgb:1 imgb:latest localhost/imgb:1');
  });

  it('an untyped output follows the selection and the verb; export never defaults to the archive name', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Output file  debian_12.tar');
    await app.press(KEY.escape, KEY.space, KEY.down, KEY.space, KEY.enter);
    await app.waitFor('Action for 1 image: debian:11');
    await app.waitFor('Output file  debian_11.tar');
    await app.press(KEY.right, KEY.right);
    await app.waitFor('‹export the flattened file system to a tar›');
    await app.waitFor('Output file  debian_11-rootfs.tar');
    assert.match(app.frame(), /baler export -o debian_11-rootfs\.tar debian:11/);
    await app.press(KEY.right); // back round to save
    await app.waitFor('‹save to an archive file›');
    await app.waitFor('Output file  debian_11.tar');
  });

  it('a typed output is kept when the selection or the verb changes', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Action for 1 image: debian:12');
    await app.press('j', 'j', 'j', 'j', KEY.enter, ...Array(20).fill(KEY.backspace), ...'mine.tar', KEY.enter);
    await app.waitFor('Output file  mine.tar');
    await app.press(KEY.escape, KEY.down, KEY.space, KEY.enter);
    await app.waitFor('Action for 2 images');
    assert.match(app.frame(), /Output file +mine\.tar/);
    await app.press(KEY.right);
    await app.waitFor('Directory    mine-oci');
  });

  it('the key hints and the help name s, which starts the copy', async () => {
    const app = renderApp();
    await app.openStore();
    await app.press(KEY.enter);
    await app.waitFor('Action for 1 image');
    assert.match(app.frame(), /enter edit\/start +s start +esc back/);
    await app.press('?');
    await app.waitFor(/s +start the copy from anywhere on the Action screen/);
    assert.match(app.frame(), /J K +scroll the layer browser’s file list/);
    assert.match(app.frame(), /L \/ i +layer browser for the image under the cursor/);
  });
});
