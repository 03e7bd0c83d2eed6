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
 * source (like --from); the other arguments name images of it (none: everything it names).
 * Several references (`registry://a/app:1 registry://b/db`) are read as one source (`more`), each saving
 * everything it names: IMAGE arguments and --from then have no one source to apply to.
 */
export function registrySourceFromArgs(args: readonly string[], from: string | undefined): { from: string | undefined; more: string[]; args: string[] } {
  const refs = args.filter(isRegistrySpec);
  const others = args.filter((a) => !isRegistrySpec(a));
  if (refs.length === 0) return { from, more: [], args: [...args] };
  // --from registry://HOST/REPO registry://HOST/REPO:1 is one source and an IMAGE of it (transports/registry.ts imageSourcesFor)
  if (from !== undefined && isRegistrySpec(from)) return { from, more: [], args: [...args] };
  if (from !== undefined) throw new BalerError('E_USAGE', 'save: give the source once: registry:// arguments, or --from');
  if (refs.length > 1 && others.length > 0) {
    throw new BalerError('E_USAGE', `save: with several registry:// references each one names what it saves (a tag, or every tag of a repository); ${others[0]} would select from all of them: give it its own registry:// reference`);
  }
  return { from: refs[0], more: refs.slice(1), args: others };
}
