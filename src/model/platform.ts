import { BalerError } from '../errors.js';
import { expectObject, expectString, optionalString } from './json-limits.js';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** "os/arch[/variant]" as docker --platform takes it. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new BalerError('E_USAGE', `invalid platform ${JSON.stringify(spec)}: expected os/arch[/variant]`);
  }
  const [os, arch, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant ? { os, architecture: arch, variant } : { os, architecture: arch });
}

const archAliases: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  i386: '386',
  i486: '386',
  i586: '386',
  i686: '386',
  x86: '386',
  armhf: 'arm',
  armel: 'arm',
};

/** containerd's normalisation: arm64 defaults to v8, arm to v7, amd64's v1 variant is dropped. */
export function normalizePlatform(p: Platform): Platform {
  const architecture = archAliases[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant === undefined) variant = p.architecture === 'armel' ? 'v6' : 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  const out: Platform = { os: p.os, architecture };
  if (variant) out.variant = variant;
  if (p['os.version']) out['os.version'] = p['os.version'];
  if (p['os.features']) out['os.features'] = p['os.features'];
  return out;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** True when `have` satisfies the request `want` (variant only compared when both state one). */
export function platformMatches(want: Platform, have: Platform): boolean {
  const a = normalizePlatform(want);
  const b = normalizePlatform(have);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  if (a.variant && b.variant && a.variant !== b.variant) return false;
  return true;
}

export function parsePlatformObject(v: unknown, what: string): Platform {
  const o = expectObject(v, what);
  const p: Platform = { architecture: expectString(o.architecture, `${what}.architecture`), os: expectString(o.os, `${what}.os`) };
  const variant = optionalString(o.variant, `${what}.variant`);
  if (variant) p.variant = variant;
  const osv = optionalString(o['os.version'], `${what}.os.version`);
  if (osv) p['os.version'] = osv;
  return p;
}

export function hostPlatform(): Platform {
  const archMap: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return normalizePlatform({ os: process.platform === 'win32' ? 'windows' : 'linux', architecture: archMap[process.arch] ?? process.arch });
}
