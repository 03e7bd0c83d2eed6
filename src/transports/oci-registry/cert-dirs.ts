import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BalerError } from '../../errors.js';

/**
 * Per-registry TLS files in the certs.d layout Docker, podman and skopeo share, so a private registry set
 * up for them works with baler as it is: `DIR/HOST[:PORT]/*.crt` are CA certificates trusted for that
 * registry (besides the usual ones), and `NAME.cert` with `NAME.key` is a client certificate to present.
 * DIRs: BALER_CERT_DIRS (colon-separated), else /etc/containers/certs.d and /etc/docker/certs.d.
 */
export interface RegistryTlsFiles {
  /** PEM CA certificates. */
  readonly ca: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  /** The directories they came from (messages). */
  readonly from: readonly string[];
}

const DEFAULT_DIRS = ['/etc/containers/certs.d', '/etc/docker/certs.d'];

export function certDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const set = env['BALER_CERT_DIRS'];
  return set !== undefined ? set.split(':').filter(Boolean) : DEFAULT_DIRS;
}

/** The TLS files for `host` (as written in the reference: `reg.example.com` or `10.0.0.5:5000`); undefined when none. */
export function registryTlsFiles(host: string, dirs: readonly string[] = certDirs()): RegistryTlsFiles | undefined {
  const ca: string[] = [];
  const from: string[] = [];
  let cert: string | undefined;
  let key: string | undefined;
  // Docker names the directory without the port for 443
  const names = host.endsWith(':443') ? [host, host.slice(0, -4)] : [host];
  for (const dir of dirs.flatMap((d) => names.map((n) => join(d, n)))) {
    let files: string[];
    try {
      files = readdirSync(dir).sort();
    } catch {
      continue; // no directory for this registry here
    }
    const read = (f: string): string => {
      try {
        return readFileSync(join(dir, f), 'latin1');
      } catch (err) {
        throw new BalerError('E_IO', `${join(dir, f)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    };
    let used = false;
    for (const f of files) {
      if (f.endsWith('.crt')) {
        ca.push(read(f));
        used = true;
      } else if (f.endsWith('.cert') && cert === undefined) {
        const keyFile = `${f.slice(0, -5)}.key`;
        if (!files.includes(keyFile)) throw new BalerError('E_USAGE', `${join(dir, f)}: client certificate without its key ${keyFile}`);
        cert = read(f);
        key = read(keyFile);
        used = true;
      }
    }
    if (used) from.push(dir);
  }
  if (from.length === 0) return undefined;
  return { ca, from, ...(cert !== undefined && key !== undefined ? { cert, key } : {}) };
}
