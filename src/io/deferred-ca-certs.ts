import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * NODE_EXTRA_CA_CERTS, loaded when the first TLS connection needs it rather than at node's start-up.
 *
 * bin/baler (the launcher) moves NODE_EXTRA_CA_CERTS to BALER_DEFERRED_CA_CERTS, because node parses that
 * bundle before any script runs and most verbs never use TLS (bin/baler says why). This module takes the
 * file name back at start-up, restores NODE_EXTRA_CA_CERTS so every process baler starts sees the
 * environment the user gave, and builds, once, the context node would have built: its bundled CAs plus the
 * file's certificates. When baler was started without the launcher, node already loaded the file and
 * there is nothing to add.
 */

let deferredFile: string | undefined;
let context: { value: SecureContext | undefined } | undefined;

/** Called once when the process starts, before anything reads the environment. */
export function adoptDeferredCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env['BALER_DEFERRED_CA_CERTS'];
  delete env['BALER_DEFERRED_CA_CERTS'];
  if (!file) return;
  deferredFile = file;
  context = undefined;
  env['NODE_EXTRA_CA_CERTS'] ??= file;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The CA certificates node trusts by default here: its bundled ones plus NODE_EXTRA_CA_CERTS's (deferred or
 * loaded by node itself), as PEM. For a context that adds more CAs: giving `ca` replaces the default store.
 */
export function defaultCaCertificates(): string[] {
  // without the launcher node loaded NODE_EXTRA_CA_CERTS itself; its certificates are in the default store
  const file = deferredFile ?? (process.env['NODE_EXTRA_CA_CERTS'] || undefined);
  if (file === undefined) return [...rootCertificates];
  try {
    return [...rootCertificates, ...(readFileSync(file, 'latin1').match(PEM_CERTIFICATE) ?? [])];
  } catch {
    return [...rootCertificates]; // node (or deferredCaSecureContext) warns about the file itself
  }
}

/**
 * The secure context a TLS client should use, or undefined for node's default (which then already holds
 * the extra certificates, if any). A file that cannot be read or parsed gets node's own treatment: a
 * warning, and the bundled CAs alone.
 */
export function deferredCaSecureContext(): SecureContext | undefined {
  if (deferredFile === undefined) return undefined;
  if (context) return context.value;
  const file = deferredFile;
  try {
    const pems = readFileSync(file, 'latin1').match(PEM_CERTIFICATE) ?? [];
    if (pems.length === 0) throw new Error('no PEM certificate in it');
    context = { value: createSecureContext({ ca: [...rootCertificates, ...pems] }) };
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${err instanceof Error ? err.message : String(err)}`);
    context = { value: undefined };
  }
  return context.value;
}
