import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BalerError } from '../../errors.js';

/** What the user gave on the command line and where to look for docker's config. */
export interface RegistryAccess {
  /** `--creds USER:PASS` (wins over the docker config). */
  readonly creds?: string;
  /** `--insecure`: plain HTTP allowed and TLS certificates not verified, for every registry. */
  readonly insecure?: boolean;
  /** For DOCKER_CONFIG and HOME; process.env when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export function parseCredsFlag(creds: string): Credentials {
  const colon = creds.indexOf(':');
  if (colon <= 0) throw new BalerError('E_USAGE', '--creds: expected USER:PASS');
  return { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
}

/** docker's config keys are `host`, `https://host`, `http://host/v2/`…; Docker Hub's is its v1 index URL. */
function keyHost(key: string): string {
  const bare = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? 'docker.io' : bare;
}

/**
 * Credentials for `host` from `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`): the `auths`
 * entry's base64 `auth` ("user:pass") or its username/password. Credential helpers (`credsStore`,
 * `credHelpers`) and identity tokens are not run or used: log in with `docker login` into a file-backed
 * config, or pass --creds.
 */
export function dockerConfigCredentials(host: string, env: NodeJS.ProcessEnv): Credentials | undefined {
  const dir = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BalerError('E_FORMAT', `${file}: invalid JSON`);
  }
  const auths = (parsed as { auths?: unknown })?.auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const want = keyHost(host);
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (keyHost(key) !== want || typeof value !== 'object' || value === null) continue;
    const entry = value as { auth?: unknown; username?: unknown; password?: unknown };
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      throw new BalerError('E_FORMAT', `${file}: auths[${JSON.stringify(key)}].auth is not base64 of USER:PASS`);
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  }
  return undefined;
}

export function credentialsFor(host: string, access: RegistryAccess): Credentials | undefined {
  if (access.creds !== undefined) return parseCredsFlag(access.creds);
  return dockerConfigCredentials(host, access.env ?? process.env);
}
