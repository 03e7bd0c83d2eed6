import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { applyChanges, parseGoDuration } from '../../../src/image/changes.js';
import { BalerError } from '../../../src/errors.js';

describe('--change (formats.md §4.2)', () => {
  test('docker import sample: every instruction as docker 20.10 recorded it', () => {
    const c = applyChanges({}, [
      'USER 1000:1000',
      'EXPOSE 8080/tcp',
      'ENV A=1 B=2',
      'CMD echo hi',
      'HEALTHCHECK CMD true',
      'VOLUME /data',
      'WORKDIR /w',
      'ENTRYPOINT ["/bin/sh"]',
      'ONBUILD RUN echo x',
      'LABEL k=v',
    ]);
    assert.deepEqual(c, {
      User: '1000:1000',
      ExposedPorts: { '8080/tcp': {} },
      Env: ['A=1', 'B=2'],
      Cmd: ['/bin/sh', '-c', 'echo hi'],
      Healthcheck: { Test: ['CMD-SHELL', 'true'] },
      Volumes: { '/data': {} },
      WorkingDir: '/w',
      Entrypoint: ['/bin/sh'],
      OnBuild: ['RUN echo x'],
      Labels: { k: 'v' },
    });
  });

  test('ENV: quoted values, legacy form, replacing a key in place', () => {
    assert.deepEqual(applyChanges({}, ['ENV A=1 B="2 3" C=\'$x\' D=a\\ b']).Env, ['A=1', 'B=2 3', 'C=$x', 'D=a b']);
    assert.deepEqual(applyChanges({}, ['env PATH /usr/bin:/bin  ']).Env, ['PATH=/usr/bin:/bin']);
    assert.deepEqual(applyChanges({}, ['ENV GREETING "hello world"']).Env, ['GREETING=hello world']);
    assert.deepEqual(applyChanges({ Env: ['A=0', 'Z=9'] }, ['ENV A=1']).Env, ['A=1', 'Z=9']);
  });

  test('LABEL with several pairs and spaces', () => {
    assert.deepEqual(applyChanges({ Labels: { a: 'x' } }, ['LABEL b="two words" c=3']).Labels, { a: 'x', b: 'two words', c: '3' });
  });

  test('EXPOSE several ports, protocols and a range', () => {
    assert.deepEqual(Object.keys(applyChanges({}, ['EXPOSE 80 53/udp 9000-9002']).ExposedPorts ?? {}), ['80/tcp', '53/udp', '9000/tcp', '9001/tcp', '9002/tcp']);
  });

  test('VOLUME in JSON and space-separated form', () => {
    assert.deepEqual(applyChanges({}, ['VOLUME ["/a", "/b c"]', 'VOLUME /d /e']).Volumes, { '/a': {}, '/b c': {}, '/d': {}, '/e': {} });
  });

  test('CMD/ENTRYPOINT JSON form kept, invalid JSON falls back to shell form', () => {
    const c = applyChanges({}, ['CMD ["echo","a b"]', 'ENTRYPOINT [not json']);
    assert.deepEqual(c.Cmd, ['echo', 'a b']);
    assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '[not json']);
  });

  test('HEALTHCHECK with options, JSON form and NONE', () => {
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --retries=3 CMD ["curl","-f","x"]']).Healthcheck, {
      Interval: 30e9,
      Timeout: 90e9,
      StartPeriod: 500e6,
      Retries: 3,
      Test: ['CMD', 'curl', '-f', 'x'],
    });
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
    assert.throws(() => applyChanges({}, ['HEALTHCHECK --bogus=1 CMD x']), /unknown HEALTHCHECK flag --bogus/);
  });

  test('WORKDIR relative to the previous one, STOPSIGNAL', () => {
    const c = applyChanges({}, ['WORKDIR /a', 'WORKDIR b/../c', 'STOPSIGNAL SIGTERM']);
    assert.equal(c.WorkingDir, '/a/c');
    assert.equal(c.StopSignal, 'SIGTERM');
    assert.equal(applyChanges({}, ['WORKDIR rel']).WorkingDir, '/rel');
  });

  test('anything else is a usage error in docker\'s words', () => {
    for (const bad of ['RUN echo', 'ARG x=1', 'FROM scratch', 'COPY a b']) {
      const kw = bad.split(' ')[0];
      assert.throws(() => applyChanges({}, [bad]), (e: unknown) => e instanceof BalerError && e.code === 'E_USAGE' && e.message === `\`${kw}\` is not a valid change command`);
    }
    assert.throws(() => applyChanges({}, ['ENV']), /missing KEY=VALUE/);
    assert.throws(() => applyChanges({}, ['EXPOSE http']), /invalid port/);
    assert.throws(() => applyChanges({}, ['ONBUILD FROM x']), /isn't allowed as an ONBUILD trigger/);
    assert.throws(() => applyChanges({}, ['ENV A="x']), /unterminated " quote/);
  });

  test('Go durations', () => {
    assert.equal(parseGoDuration('1h2m3s', 'x'), 3723e9);
    assert.throws(() => parseGoDuration('5 s', 'x'), /invalid duration/);
  });
});
