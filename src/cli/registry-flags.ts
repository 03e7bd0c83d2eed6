import { BalerError } from '../errors.js';
import type { RegistryAccess } from '../transports/oci-registry/credentials.js';
import type { CliIo, FlagSpec, ParsedFlags } from './spec.js';

/** `--creds` and `--insecure`, shared by the verbs that read or write `registry://` references (save, load, export, inventory, verify). */
export const registryFlags: readonly FlagSpec[] = [
  { name: 'creds', type: 'string', placeholder: 'USER:PASS', description: 'Registry credentials for registry:// references. Default: $DOCKER_CONFIG/config.json (else ~/.docker/config.json) as docker reads it (the credHelpers or credsStore credential helper, then the auths entry, identitytoken included), then $REGISTRY_AUTH_FILE (else $XDG_RUNTIME_DIR/containers/auth.json).' },
  { name: 'insecure', type: 'boolean', description: 'Allow plain HTTP and unverified TLS for registry:// references (loopback registries may use HTTP without it).' },
];

export function registryAccess(flags: ParsedFlags, io: CliIo): RegistryAccess {
  const creds = flags.string('creds');
  return { ...(creds !== undefined ? { creds } : {}), insecure: flags.bool('insecure'), env: io.env };
}

export function isRegistrySpec(arg: string): boolean {
  return arg.startsWith('registry://');
}

/**
 * `baler save -o x.tar registry://HOST/REPO:TAG`: a registry reference among the IMAGE arguments is the
 * source (like --from); the other arguments still select images in it (none: everything it names).
 */
export function registrySourceFromArgs(args: readonly string[], from: string | undefined): { from: string | undefined; args: string[] } {
  const refs = args.filter(isRegistrySpec);
  if (refs.length === 0) return { from, args: [...args] };
  if (refs.length > 1 || from !== undefined) {
    throw new BalerError('E_USAGE', 'save: give one source: one registry:// argument, or --from');
  }
  return { from: refs[0], args: args.filter((a) => !isRegistrySpec(a)) };
}
