import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { applyChanges } from '../../../src/image/changes.js';
import { splitShellFields } from '../../../src/image/shell-words.js';

/**
 * Expected values were recorded from `docker import -c …` on docker 20.10 (`docker inspect
 * --format '{{json .Config}}'`) with the same change lines.
 */
describe('--change $VAR substitution (as docker import does it)', () => {
  test('ENV/LABEL/EXPOSE/VOLUME/USER/WORKDIR substitute; CMD/ENTRYPOINT keep $ literally', () => {
    const c = applyChanges({}, [
      'ENV A=1 P="81 82/udp"',
      'ENV B=$A C=${A}z D="$A" E=\'$A\' F=\\$A G=${NOPE:-def} H=${A:+alt} I=${NOPE:+alt} J="a\\$A" K=$NOPE',
      'ENV LEG "q" $A tail',
      'WORKDIR /w/$A',
      'USER u$A',
      'LABEL l$A=v$A "m"="$P"',
      'EXPOSE $P',
      'VOLUME /v/$A',
      'CMD echo $A',
      'ENTRYPOINT ["$A"]',
      'ENV A=2 Z=$A',
      'WORKDIR $A',
    ]);
    assert.deepEqual(c.Env, ['A=2', 'P=81 82/udp', 'B=1', 'C=1z', 'D=1', 'E=$A', 'F=$A', 'G=def', 'H=alt', 'I=', 'J=a$A', 'K=', 'LEG=q 1 tail', 'Z=1']);
    assert.equal(c.User, 'u1');
    assert.deepEqual(c.ExposedPorts, { '81/tcp': {}, '82/udp': {} });
    assert.deepEqual(c.Volumes, { '/v/1': {} });
    assert.equal(c.WorkingDir, '/w/1/2');
    assert.deepEqual(c.Labels, { l1: 'v1', m: '81 82/udp' });
    assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'echo $A']);
    assert.deepEqual(c.Entrypoint, ['$A']);
  });

  test('legacy ENV keeps inner whitespace; escaped and single-quoted $ stay literal; no re-expansion', () => {
    const c = applyChanges({}, ['ENV A=1 B=2', 'ENV LEG a   b\\ c "d  e" \'$A\' \\$A', 'ENV M=x$ N=${A:-$B} O="it\'s $A" Q=$A$B R=$A_x S=${A}_x T=a\\\\b', 'ENV X=\\$A', 'ENV Y=$X', 'LABEL "k k"=v w="${NOPE:-q r}"', 'USER "$A"']);
    assert.deepEqual(c.Env, ['A=1', 'B=2', 'LEG=a   b c d  e $A $A', 'M=x$', 'N=1', "O=it's 1", 'Q=12', 'R=', 'S=1_x', 'T=a\\b', 'X=$A', 'Y=$A']);
    assert.deepEqual(c.Labels, { 'k k': 'v', w: 'q r' });
    assert.equal(c.User, '1');
  });

  test('values come from the base config, and HEALTHCHECK/ONBUILD are not substituted', () => {
    const c = applyChanges({ Env: ['HOME=/root', 'PORT=8080'] }, ['WORKDIR $HOME/app', 'EXPOSE $PORT', 'VOLUME ["/j/$HOME"]', 'HEALTHCHECK CMD echo $PORT', 'ONBUILD RUN $PORT', 'STOPSIGNAL ${SIG:-SIGQUIT}']);
    assert.equal(c.WorkingDir, '/root/app');
    assert.deepEqual(c.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(c.Volumes, { '/j//root': {} });
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'echo $PORT'] });
    assert.deepEqual(c.OnBuild, ['RUN $PORT']);
    assert.equal(c.StopSignal, 'SIGQUIT');
  });

  test('EXPOSE splits unquoted values and drops empty words (docker: `EXPOSE 80 "$P"` with P unset → 80)', () => {
    assert.deepEqual(Object.keys(applyChanges({}, ['EXPOSE 80 "$P"']).ExposedPorts ?? {}), ['80/tcp']);
    assert.deepEqual(splitShellFields('a$V"$V"b', 'x', ['V=1 2']), ['a1', '21 2b']);
    assert.throws(() => applyChanges({ Env: ['P=81 82'] }, ['EXPOSE "$P"']), /invalid port "81 82"/);
  });

  test('bad substitutions are usage errors naming the change', () => {
    assert.throws(() => applyChanges({}, ['ENV A=${B']), /--change "ENV A=\$\{B": missing '}'/);
    assert.throws(() => applyChanges({}, ['ENV A=${}']), /bad substitution/);
    assert.throws(() => applyChanges({}, ['ENV A=${B/x/y}']), /unsupported modifier/);
    assert.throws(() => applyChanges({}, ['USER ${WHO:?needs a user}']), /WHO: needs a user/);
  });
});
