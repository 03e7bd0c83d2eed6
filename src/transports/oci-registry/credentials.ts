import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BalerError } from '../../errors.js';
import { helperCredentials, type HelperSpec } from './credential-helper.js';

/** What the user gave on the command line and where to look for docker's config. */
export interface RegistryAccess {
  /** `--creds USER:PASS` (wins over the docker config). */
  readonly creds?: string;
  /** `--insecure`: plain HTTP allowed and TLS certificates not verified, for every registry. */
  readonly insecure?: boolean;
  /** For DOCKER_CONFIG, HOME, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR and the helpers' PATH; process.env when absent. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /**
   * docker's `identitytoken` (or a helper's Secret for Username `<token>`): an OAuth2 refresh token that
   * a Bearer realm exchanges for access tokens (identity-token.ts).
   */
  readonly identityToken?: string;
  /** Where they came from, for an error when the registry refuses them (`--creds`, `auths in FILE`…). */
  readonly origin?: string;
}

/** Finds the credentials for one registry when they are first needed (a 401), at most once. */
export type CredentialLoader = () => Promise<Credentials | undefined>;

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

/** The parts of docker's config.json (and containers' auth.json, same shape) that say how to authenticate. */
interface AuthConfig {
  readonly file: string;
  readonly auths: Readonly<Record<string, unknown>>;
  readonly credsStore?: string;
  readonly credHelpers: Readonly<Record<string, unknown>>;
}

function readAuthConfig(file: string): AuthConfig | undefined {
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
  const o = (parsed ?? {}) as { auths?: unknown; credsStore?: unknown; credHelpers?: unknown };
  const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  return {
    file,
    auths: record(o.auths),
    ...(typeof o.credsStore === 'string' && o.credsStore !== '' ? { credsStore: o.credsStore } : {}),
    credHelpers: record(o.credHelpers),
  };
}

function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

/** containers-auth.json(5): $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json (podman/skopeo login). */
function containersAuthFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : undefined;
}

/** The `auths` entry for `host`: base64 `auth` ("user:pass"), or username/password, plus any `identitytoken`. */
function authsEntry(config: AuthConfig, host: string): Credentials | undefined {
  const want = keyHost(host);
  for (const [key, value] of Object.entries(config.auths)) {
    if (keyHost(key) !== want || typeof value !== 'object' || value === null) continue;
    const entry = value as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown };
    const token = typeof entry.identitytoken === 'string' && entry.identitytoken !== '' ? { identityToken: entry.identitytoken } : {};
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), ...token };
      throw new BalerError('E_FORMAT', `${config.file}: auths[${JSON.stringify(key)}].auth is not base64 of USER:PASS`);
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password, ...token };
    if (token.identityToken !== undefined) return { username: typeof entry.username === 'string' ? entry.username : '', password: '', ...token };
  }
  return undefined;
}

/** The helper docker would run for `host`: its credHelpers entry, else credsStore. */
function helperFor(config: AuthConfig, host: string): HelperSpec | undefined {
  const want = keyHost(host);
  for (const [key, name] of Object.entries(config.credHelpers)) {
    if (keyHost(key) === want && typeof name === 'string' && name !== '') return { name, origin: `credHelpers in ${config.file}` };
  }
  return config.credsStore !== undefined ? { name: config.credsStore, origin: `credsStore in ${config.file}` } : undefined;
}

/** The server URLs `docker login` may have stored `host` under in a helper, most likely first. */
export function helperServerUrls(host: string): string[] {
  const h = host.toLowerCase();
  if (keyHost(h) === 'docker.io') return ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io'];
  return [h, `https://${h}`];
}

/**
 * Credentials for `host` from `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`), `auths` only
 * (no helpers run): what the file itself holds.
 */
export function dockerConfigCredentials(host: string, env: NodeJS.ProcessEnv): Credentials | undefined {
  const config = readAuthConfig(dockerConfigFile(env));
  return config ? authsEntry(config, host) : undefined;
}

/** One config file's answer: its credential helper for the host (when it has one and knows the host), else its auths entry. */
async function configCredentials(config: AuthConfig, host: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const helper = helperFor(config, host);
  if (helper) {
    const found = await helperCredentials(helper, helperServerUrls(host), env);
    if (found) return { ...found, origin: `docker-credential-${helper.name} (${helper.origin})` };
  }
  const entry = authsEntry(config, host);
  return entry ? { ...entry, origin: `auths in ${config.file}` } : undefined;
}

/**
 * Where baler finds credentials for `host`, first match wins: --creds; docker's config.json (a
 * credHelpers entry for the host or the credsStore helper, run only on the first 401, then its auths
 * entry); containers' auth.json (same rules). A malformed --creds fails at once.
 */
export function credentialLoader(host: string, access: RegistryAccess): CredentialLoader {
  if (access.creds !== undefined) {
    const given: Credentials = { ...parseCredsFlag(access.creds), origin: '--creds' };
    return () => Promise.resolve(given);
  }
  const env = access.env ?? process.env;
  let found: Promise<Credentials | undefined> | undefined;
  return () => {
    found ??= (async () => {
      for (const file of [dockerConfigFile(env), containersAuthFile(env)]) {
        const config = file !== undefined ? readAuthConfig(file) : undefined;
        const creds = config ? await configCredentials(config, host, env).catch((err: unknown) => Promise.reject(forRegistry(host, err))) : undefined;
        if (creds) return creds;
      }
      return undefined;
    })();
    return found;
  };
}

/** A helper's error says which registry it was asked about. */
function forRegistry(host: string, err: unknown): unknown {
  return err instanceof BalerError ? new BalerError(err.code, `registry://${host}: ${err.message}`, { cause: err }) : err;
}
