/**
 * Flags that can never work together are a usage error: exit 2, one line naming both flags, found before
 * anything is read or written (no output file, nothing on stdout), whatever the source holds.
 */
import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { describeRun } from '../../helpers/run-baler.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const FIXTURE = fixture('fixture-3layers.docker-archive.tar');
const IMAGE = 'fixture/layers:3';
const tmp = new TempDirs();
after(() => tmp.removeAll());

let base = '';
let have = '';
before(async () => {
  base = await tmp.make('baler-flag-combos-');
  have = join(base, 'have.json');
  // a real inventory: the flags, not a bad file, must be what fails
  await balerInProcessOk(['inventory', '-q', '--store', join(base, 'empty-store'), '-o', have], base);
});

const save = (...flags: string[]): string[] => ['save', '--from', `docker-archive:${FIXTURE}`, ...flags, IMAGE];
const load = (...flags: string[]): string[] => ['load', '-i', FIXTURE, ...flags];
const exportFlags = (...flags: string[]): string[] => ['export', '--from', `docker-archive:${FIXTURE}`, ...flags, IMAGE];

const combos: Array<{ args: () => string[]; line: string }> = [
  { args: () => save('--have', have, '--format', 'oci-dir', '-o', 'out'), line: 'save: --have writes a delta, which is an archive file (--format docker or oci), not --format oci-dir' },
  { args: () => save('--since', FIXTURE, '--format', 'oci-dir', '-o', 'out'), line: 'save: --since writes a delta, which is an archive file (--format docker or oci), not --format oci-dir' },
  { args: () => save('--have', have, '--since', FIXTURE, '-o', 'out.tar'), line: 'save: give --have or --since, not both' },
  { args: () => save('--split', '1G', '--format', 'oci-dir', '-o', 'out'), line: 'save: --split applies to archive files, not to --format oci-dir' },
  { args: () => save('--split', '1G', '-o', '-'), line: 'save: --split writes numbered files next to -o FILE; it cannot write to stdout or a device' },
  { args: () => save('--split', '1G'), line: 'save: --split writes numbered files next to -o FILE; it cannot write to stdout or a device' },
  { args: () => save('--split', '1G', '-o', '/dev/null'), line: 'save: --split writes numbered files next to -o FILE; it cannot write to stdout or a device' },
  { args: () => save('--resume', '-o', '-'), line: 'save: --resume keeps a partial file next to -o FILE; it cannot resume stdout or a device' },
  { args: () => save('--resume', '-o', '/dev/null'), line: 'save: --resume keeps a partial file next to -o FILE; it cannot resume stdout or a device' },
  { args: () => save('--format', 'oci-dir', '-o', '-'), line: 'save: --format oci-dir writes a directory; it cannot go to stdout (-o -)' },
  { args: () => save('--format', 'oci-dir'), line: 'save: --format oci-dir needs -o DIR' },
  { args: () => save('--compress', 'gzip', '--format', 'oci-dir', '-o', 'out'), line: 'save: --compress applies to archive files, not to --format oci-dir' },
  { args: () => save('--compress', 'gzip', '-o', 'out.tar.zst'), line: 'save: out.tar.zst is named for zstd, but --compress gzip was given; rename it or drop --compress' },
  { args: () => save('--layers', 'zstd', '-o', 'out.tar'), line: 'save: --layers zstd needs --format oci or oci-dir; a docker-archive holds uncompressed or gzip layers' },
  { args: () => save('--layers', 'zstd', '--format', 'docker', '-o', 'out.tar'), line: 'save: --layers zstd needs --format oci or oci-dir; a docker-archive holds uncompressed or gzip layers' },
  { args: () => save('--resume', '--layers', 'gzip', '--format', 'oci-dir', '-o', 'out'), line: 'save: --resume with --format oci-dir keeps layers as they are; it cannot resume --layers gzip' },
  { args: () => save('--json', '-o', '-'), line: 'save: --json prints the result on stdout, so the archive needs -o FILE' },
  { args: () => load('--json', '--into', 'docker-archive:-'), line: 'load: --json prints the result on stdout, so --into cannot be stdout' },
  { args: () => load('--resume', '--into', 'oci-archive:-'), line: 'load: --resume continues a partial file at --into FILE; it cannot resume stdout' },
  { args: () => ['commit', '--from', 'docker-root:no-root', '--json', '--into', 'docker-archive:-', 'some-container'], line: 'commit: --json prints the result on stdout, so --into cannot be stdout' },
  { args: () => exportFlags('--level', '3', '-o', 'out.tar'), line: 'export: --level needs --compress gzip or zstd' },
  { args: () => exportFlags('--json'), line: 'export: --json needs -o FILE (stdout carries the archive)' },
  { args: () => exportFlags('--compress', 'gzip', '-o', 'out.tar.zst'), line: 'export: out.tar.zst is named for zstd, but --compress gzip was given; rename it or drop --compress' },
];

describe('impossible flag combinations: exit 2 before any work', () => {
  for (const c of combos) {
    test(c.line, async () => {
      const cwd = await tmp.make('baler-combo-');
      const args = [...c.args(), '--store', join(cwd, 'store')];
      const r = await balerInProcess(args, cwd);
      const why = describeRun(args, { ...r, stdoutBytes: Buffer.from(r.stdout) });
      assert.equal(r.code, 2, why);
      assert.equal(r.stderr, `baler: ${c.line}\n`, why);
      // --json asked for the error as JSON; anything else would be the start of an archive
      if (args.includes('--json')) assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'E_USAGE', message: c.line, exit: 2 } }, why);
      else assert.equal(r.stdout, '', why);
      assert.deepEqual(await readdir(cwd), [], `${why}\nleft: ${(await readdir(cwd)).join(', ')}`);
    });
  }
});
