/**
 * OpenVZ / Proxmox template file names → image name and platform (formats.md §7). Pure.
 *
 *   debian-7.0-x86-minimal.tar.gz            → debian:7.0-minimal   linux/386
 *   centos-7-x86_64.tar.xz                   → centos:7             linux/amd64
 *   debian-10-standard_10.7-1_amd64.tar.gz   → debian:10-standard   linux/amd64   (Proxmox appliance form)
 *   ubuntu-20.04-minimal.tar.gz              → ubuntu:20.04-minimal (no arch token: platform unknown)
 */
import { basename } from 'node:path';
import type { Platform } from '../../model/platform.js';

export interface TemplateName {
  /** The ostemplate: the file name without its tar/compression suffix. */
  ostemplate: string;
  distro: string;
  version: string;
  /** The arch token as written (`x86_64`, `x86`…), when the name has one. */
  arch?: string;
  flavor?: string;
  /** Proxmox package version (`10.7-1`). */
  packageVersion?: string;
  /** Undefined when the name carries no known arch token. */
  platform?: Platform;
  /** Suggested `repository:tag`, e.g. `centos:7-minimal`. */
  image: string;
}

const TAR_SUFFIXES = ['.tar.gz', '.tgz', '.tar.xz', '.txz', '.tar.bz2', '.tbz2', '.tbz', '.tar.zst', '.tzst', '.tar'];

const ARCHES: Record<string, Platform> = {
  x86_64: { os: 'linux', architecture: 'amd64' },
  amd64: { os: 'linux', architecture: 'amd64' },
  'x86-64': { os: 'linux', architecture: 'amd64' },
  x86: { os: 'linux', architecture: '386' },
  i386: { os: 'linux', architecture: '386' },
  i486: { os: 'linux', architecture: '386' },
  i586: { os: 'linux', architecture: '386' },
  i686: { os: 'linux', architecture: '386' },
  aarch64: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  arm64: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  armhf: { os: 'linux', architecture: 'arm', variant: 'v7' },
  armv7l: { os: 'linux', architecture: 'arm', variant: 'v7' },
  ppc64le: { os: 'linux', architecture: 'ppc64le' },
  s390x: { os: 'linux', architecture: 's390x' },
};

export function platformOfArchToken(token: string): Platform | undefined {
  const p = ARCHES[token.toLowerCase()];
  return p ? { ...p } : undefined;
}

export function stripTarSuffix(fileName: string): string | undefined {
  const lower = fileName.toLowerCase();
  const s = TAR_SUFFIXES.find((x) => lower.endsWith(x));
  return s ? fileName.slice(0, fileName.length - s.length) : undefined;
}

/** Lower-case repository component: letters, digits and single separators only. */
function sanitizeRepository(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
}

function sanitizeTag(s: string): string {
  return s.replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '').slice(0, 128);
}

/**
 * Parses a template file name (a path is fine: only the base name counts). Returns undefined when
 * the name has no tar suffix or no version token, i.e. it does not look like a template.
 */
export function parseTemplateName(file: string): TemplateName | undefined {
  const ostemplate = stripTarSuffix(basename(file));
  if (!ostemplate) return undefined;
  let rest = ostemplate;
  let arch: string | undefined;
  let packageVersion: string | undefined;
  // Proxmox appliance: <os>-<osver>-<name>_<pkgver>_<arch>
  const underscore = rest.split('_');
  if (underscore.length === 3 && underscore.every((p) => p !== '') && platformOfArchToken(underscore[2] ?? '')) {
    rest = underscore[0] ?? '';
    packageVersion = underscore[1];
    arch = underscore[2];
  }
  const tokens = rest.split('-').filter((t) => t !== '');
  let distroTokens: string[];
  let version: string | undefined;
  let flavorTokens: string[];
  const archIndex = arch === undefined ? tokens.findIndex((t) => platformOfArchToken(t) !== undefined) : -1;
  if (archIndex >= 1) {
    // the token before the arch is the version; everything before that the distro
    arch = tokens[archIndex];
    version = archIndex >= 2 ? tokens[archIndex - 1] : undefined;
    distroTokens = tokens.slice(0, Math.max(archIndex - 1, 0));
    flavorTokens = tokens.slice(archIndex + 1);
    if (version === undefined || distroTokens.length === 0) return undefined;
  } else {
    const v = tokens.findIndex((t, i) => i > 0 && /^\d/.test(t));
    if (v < 1) return undefined;
    version = tokens[v];
    distroTokens = tokens.slice(0, v);
    flavorTokens = tokens.slice(v + 1);
  }
  if (version === undefined) return undefined;
  const distro = distroTokens.join('-');
  const flavor = flavorTokens.join('-');
  const repo = sanitizeRepository(distro);
  if (repo === '') return undefined;
  const tag = sanitizeTag(flavor ? `${version}-${flavor}` : version);
  const out: TemplateName = { ostemplate, distro, version, image: tag ? `${repo}:${tag}` : repo };
  if (arch !== undefined) {
    out.arch = arch;
    const p = platformOfArchToken(arch);
    if (p) out.platform = p;
  }
  if (flavor) out.flavor = flavor;
  if (packageVersion !== undefined) out.packageVersion = packageVersion;
  return out;
}
