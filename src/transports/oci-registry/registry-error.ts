import { BalerError, type ErrorCode } from '../../errors.js';

/**
 * The distribution spec's error body `{"errors":[{"code","message","detail"}]}` (formats.md §8) turned into
 * one line: `registry://127.0.0.1:5000/app: MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:…)`.
 */
interface RegistryErrorEntry {
  code: string;
  message: string;
  detail: string;
}

export function parseRegistryErrors(body: Buffer): RegistryErrorEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const list = (parsed as { errors?: unknown })?.errors;
  if (!Array.isArray(list)) return [];
  return list.map((e: unknown) => {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    return {
      code: typeof o.code === 'string' ? o.code : 'UNKNOWN',
      message: typeof o.message === 'string' ? o.message : '',
      detail: typeof o.detail === 'string' ? o.detail : o.detail !== undefined && o.detail !== null ? JSON.stringify(o.detail) : '',
    };
  });
}

function errorCodeFor(registryCode: string | undefined, status: number): ErrorCode {
  switch (registryCode) {
    case 'BLOB_UNKNOWN':
    case 'MANIFEST_UNKNOWN':
    case 'NAME_UNKNOWN':
      return 'E_NOT_FOUND';
    case 'DIGEST_INVALID':
      return 'E_DIGEST_MISMATCH';
    case 'NAME_INVALID':
    case 'TAG_INVALID':
      return 'E_USAGE';
    case 'UNSUPPORTED':
      return 'E_UNSUPPORTED';
    default:
      return status === 404 ? 'E_NOT_FOUND' : 'E_PEER';
  }
}

const STATUS_CODES: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NOT_FOUND', 405: 'UNSUPPORTED', 429: 'TOOMANYREQUESTS' };

/** `label` names registry and repository; `action` says what was attempted when the body says nothing. */
export function registryError(label: string, status: number, body: Buffer, action: string): BalerError {
  const [first] = parseRegistryErrors(body);
  if (first) {
    const detail = first.detail && !first.message.includes(first.detail) ? ` (${first.detail})` : '';
    return new BalerError(errorCodeFor(first.code, status), `${label}: ${first.code}: ${first.message || action}${detail}`);
  }
  const code = STATUS_CODES[status] ?? `HTTP ${status}`;
  return new BalerError(errorCodeFor(undefined, status), `${label}: ${code}: ${action} failed with HTTP ${status}`);
}

/** Connection-level failures: refused, reset after retries, TLS, DNS. */
export function connectionError(label: string, err: unknown, action: string): BalerError {
  if (err instanceof BalerError) return err;
  const e = err as NodeJS.ErrnoException;
  // OpenSSL's messages run over several lines (file and line of its source): the first says what happened
  const message = e?.message?.split('\n')[0]?.replace(/^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:/, '');
  const why = e?.code ? `${e.code}${message && !message.includes(e.code) ? ` (${message})` : ''}` : String(message ?? err);
  return new BalerError('E_IO', `${label}: ${action}: ${why}`, { cause: err });
}
