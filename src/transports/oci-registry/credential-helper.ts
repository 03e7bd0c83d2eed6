import { spawn } from 'node:child_process';
import { BalerError } from '../../errors.js';
import type { Credentials } from './credentials.js';

/**
 * docker's credential-helper protocol (docker-credential-helpers): `docker-credential-NAME get` reads a
 * server URL on stdin and prints `{"ServerURL","Username","Secret"}`; Username `<token>` means Secret is
 * an identity token (an OAuth2 refresh token). "Not found" is a message on stdout with a non-zero exit,
 * which is no error: that registry is then used anonymously, as docker does.
 */
export interface HelperSpec {
  /** NAME of docker-credential-NAME. */
  readonly name: string;
  /** For messages: `credsStore in /home/u/.docker/config.json`. */
  readonly origin: string;
}

/** A helper that talks to a locked keychain or a hung agent must not hang baler. */
export const HELPER_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT = 1024 * 1024;
/** What helpers print when they hold nothing for the URL (docker-credential-helpers' ErrCredentialsNotFound). */
const NOT_FOUND = /credentials not found|not found in native keychain|no credentials|could not be found/i;
export const IDENTITY_TOKEN_USERNAME = '<token>';

interface HelperRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runHelper(program: string, serverUrl: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<HelperRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      // a grandchild (the helper's own child) may still hold the pipes open: stop listening now
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => void (stdout.length < OUTPUT_LIMIT && (stdout += s)));
    child.stderr.setEncoding('utf8').on('data', (s: string) => void (stderr.length < OUTPUT_LIMIT && (stderr += s)));
    // a helper that exits without reading its stdin gives EPIPE here; its exit status says what happened
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (!settled) reject(err);
      settled = true;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!settled) resolve({ code, stdout, stderr });
      settled = true;
    });
    child.stdin.end(serverUrl);
  });
}

/**
 * Asks helper `spec` for the credentials of each of `serverUrls` in turn (the spellings `docker login`
 * may have stored them under); the first it knows wins. undefined: it knows none of them.
 */
export async function helperCredentials(spec: HelperSpec, serverUrls: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = HELPER_TIMEOUT_MS): Promise<Credentials | undefined> {
  const program = `docker-credential-${spec.name}`;
  const what = `credential helper ${program} (${spec.origin})`;
  for (const url of serverUrls) {
    let r: HelperRun;
    try {
      r = await runHelper(program, url, env, timeoutMs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new BalerError('E_NOT_FOUND', `${what}: not found on PATH`);
      if (code === 'ETIMEDOUT') throw new BalerError('E_PEER', `${what}: no answer within ${Math.round(timeoutMs / 1000)} s`);
      if (code === 'EACCES') throw new BalerError('E_IO', `${what}: permission denied`);
      throw new BalerError('E_PEER', `${what}: ${(err as Error).message}`);
    }
    if (r.code !== 0) {
      const said = (r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '';
      if (NOT_FOUND.test(said)) continue;
      throw new BalerError('E_PEER', `${what}: get ${url} failed (exit ${r.code ?? 'signal'})${said ? `: ${said.slice(0, 200)}` : ''}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      throw new BalerError('E_PEER', `${what}: get ${url} printed no JSON`);
    }
    const o = (parsed ?? {}) as { Username?: unknown; Secret?: unknown };
    const username = typeof o.Username === 'string' ? o.Username : '';
    const secret = typeof o.Secret === 'string' ? o.Secret : '';
    if (secret === '' && username === '') continue;
    if (username === IDENTITY_TOKEN_USERNAME) return { username: '', password: '', identityToken: secret };
    return { username, password: secret };
  }
  return undefined;
}
