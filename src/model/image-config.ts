import { BalerError } from '../errors.js';
import type { Digest } from './digest.js';
import { parseDigest } from './digest.js';
import { expectArray, expectObject, parseJsonBytes, JsonLimits, isObject } from './json-limits.js';
import type { Platform } from './platform.js';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** Runtime defaults (`config` in the image config); Docker's legacy keys are kept when present. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
  [legacy: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [other: string]: unknown;
}

/** Parses and checks the fields baler relies on; the raw bytes stay the source of truth (formats.md §3.2). */
export function parseImageConfig(bytes: Uint8Array, what = 'config'): ImageConfig {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.config), what);
  if (!isObject(o.rootfs)) throw new BalerError('E_FORMAT', `${what}: invalid image JSON, no RootFS key`);
  if (o.rootfs.type !== 'layers') throw new BalerError('E_FORMAT', `${what}: rootfs.type must be "layers"`);
  const diffIds = expectArray(o.rootfs.diff_ids ?? [], `${what}.rootfs.diff_ids`).map((d, i) => parseDigest(d, `${what}.rootfs.diff_ids[${i}]`));
  if (typeof o.os !== 'string' || o.os === '') throw new BalerError('E_FORMAT', `${what}: missing "os"`);
  if (typeof o.architecture !== 'string') throw new BalerError('E_FORMAT', `${what}: missing "architecture"`);
  if (o.history !== undefined && o.history !== null) {
    const h = expectArray(o.history, `${what}.history`);
    const nonEmpty = h.filter((e) => !(isObject(e) && e.empty_layer === true)).length;
    if (nonEmpty > diffIds.length) throw new BalerError('E_FORMAT', `${what}: too many non-empty layers in History section`);
  }
  return { ...o, rootfs: { type: 'layers', diff_ids: diffIds } } as ImageConfig;
}

export function configPlatform(c: ImageConfig): Platform {
  const p: Platform = { os: c.os, architecture: c.architecture };
  if (c.variant) p.variant = c.variant;
  if (c['os.version']) p['os.version'] = c['os.version'];
  return p;
}
