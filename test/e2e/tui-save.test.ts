import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

/**
 * The real binary in a real terminal (tmux): open the TUI on a store loaded from a fixture, select
 * two images, save them, and check the archive loads back. tmux runs on a private socket so no
 * other tmux user is touched, and is killed in after() whatever happens.
 */
const REPO = resolve(import.meta.dirname, '../..');
const FIXTURE = join(REPO, 'fixtures/docker20-multi.tar');
const SOCKET = `baler-e2e-${process.pid}`;
const SESSION = 'tui';

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const keys = (...k: string[]): void => void tmux('send-keys', '-t', SESSION, ...k);
const text = (t: string): void => void tmux('send-keys', '-t', SESSION, '-l', t);
const baler = (...args: string[]): string => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function waitForScreen(what: string | RegExp, ms = 60_000): Promise<string> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    last = screen();
    if (typeof what === 'string' ? last.includes(what) : what.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${String(what)}; screen:\n${last}`);
}

describe('TUI end to end (tmux)', { skip: !existsSync(FIXTURE) && 'fixtures/docker20-multi.tar missing' }, () => {
  let dir: string;
  let store: string;
  let output: string;
  let log: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'baler-e2e-tui-'));
    store = join(dir, 'store');
    output = join(dir, 'two.tar');
    log = join(dir, 'terminal.log');
    baler('load', '-i', FIXTURE, '--store', store);
  });

  after(() => {
    let socket: string | undefined;
    try {
      socket = tmux('display-message', '-p', '#{socket_path}').trim();
      tmux('kill-server');
    } catch {
      // already gone
    }
    if (socket) rmSync(socket, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('selects two images, saves them, shows progress and the summary; the archive loads back', async () => {
    tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', `cd ${REPO} && node --import tsx src/cli/main.ts --store ${store}; echo "EXIT=$?"; sleep 600`);
    // Everything the program writes, for frames that last less than a capture interval.
    tmux('pipe-pane', '-o', '-t', SESSION, `cat >> ${log}`);
    await waitForScreen('Choose a source');
    keys('Enter');
    await waitForScreen(/imga:1[\s\S]*imgb:1|imgb:1[\s\S]*imga:1/);

    // Filter to each image and select it with space; esc clears the filter.
    keys('/');
    text('imga');
    keys('Enter', 'Space');
    await waitForScreen('1 selected');
    // Esc on its own: Ink reads ESC followed by a key in the same read as that key alone.
    keys('Escape');
    await waitForScreen(/[45] shown · 1 selected/);
    keys('/');
    text('imgb:*');
    keys('Enter', 'Space');
    const list = await waitForScreen('2 selected');
    assert.match(list, /\[x\] imgb:1/);
    keys('Escape');
    await waitForScreen(/[45] shown · 2 selected/);
    assert.match(screen(), /Shared layers save: [1-9]/);

    // Action: output path, then start.
    keys('Enter');
    await waitForScreen('Action for');
    keys('j', 'j', 'j', 'j', 'Enter');
    for (let i = 0; i < 20; i++) keys('BSpace');
    text(output);
    keys('Enter');
    await waitForScreen(`-o ${output}`);
    keys('s');

    const done = await waitForScreen('✓ Done');
    assert.match(done, /Images +2/);
    assert.match(done, new RegExp(`Output +${output.replace(/[.]/g, '\\.')}`));
    const sha = /sha256 +([0-9a-f]{64})/.exec(done)?.[1];
    assert.ok(sha, done);
    assert.equal(createHash('sha256').update(readFileSync(output)).digest('hex'), sha);
    // (the command may wrap at the 100-column terminal)
    assert.match(done, /Equivalent command:\s+baler save --store \S+ -o \S+two\.tar\s+imga:1\s+imgb:1/);

    // The progress screen was drawn: its title and at least one finished blob row.
    const written = readFileSync(log, 'utf8');
    assert.match(written, /baler · Progress · save imga:1 imgb:1/);
    assert.match(written, /✓ layer +[0-9a-f]{12} +verified/);

    keys('q');
    await waitForScreen('EXIT=');
    // -J joins the lines the terminal wrapped.
    const after = tmux('capture-pane', '-p', '-J', '-t', SESSION);
    assert.match(after, /Equivalent command:\s+baler save --store \S+ -o \S+two\.tar\s+imga:1\s+imgb:1/);
    assert.match(after, /EXIT=0/);

    // The printed command is equivalent: run as a plain verb it writes the same bytes.
    const again = join(dir, 'again.tar');
    baler('save', '--store', store, '-o', again, 'imga:1', 'imgb:1', 'imgb:latest');
    assert.equal(createHash('sha256').update(readFileSync(again)).digest('hex'), sha);

    // The archive loads back into a fresh store with both images.
    const fresh = join(dir, 'fresh');
    baler('load', '-i', output, '--store', fresh);
    const ls = baler('ls', '--store', fresh);
    assert.match(ls, /imga +1/);
    assert.match(ls, /imgb +1/);
  });

  it('never starts the TUI without a terminal; --no-tui prints the help', () => {
    assert.match(baler('--store', store), /^Usage: baler COMMAND/);
    assert.match(baler('--no-tui'), /^Usage: baler COMMAND/);
  });
});
