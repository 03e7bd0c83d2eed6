import { BalerError } from '../../errors.js';
import type { RegistryClient } from './client.js';
import { readSmallBody } from './http.js';

const PAGE = 1000;
const BODY_LIMIT = 4 * 1024 * 1024;
const MAX_PAGES = 10_000;

/**
 * A paginated list of the API: `/v2/<repo>/tags/list` (`key` tags) or `/v2/_catalog` (`key` repositories),
 * `?n=` pages followed through `Link: <…>; rel="next"` (formats.md §8).
 */
export async function listPaged(client: RegistryClient, first: string, repo: string, key: 'tags' | 'repositories', signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  let path: string | undefined = `${first}?n=${PAGE}`;
  for (let page = 0; path !== undefined && page < MAX_PAGES; page++) {
    const res = await client.expect({ method: 'GET', path, repo, action: `list ${key}`, ...(signal ? { signal } : {}) }, [200]);
    const body = await readSmallBody(res, BODY_LIMIT);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new BalerError('E_PEER', `${client.label(repo)}: list ${key}: the registry answered with invalid JSON`);
    }
    const list = parsed[key];
    if (Array.isArray(list)) for (const v of list) if (typeof v === 'string') out.push(v);
    path = nextPage(res.headers.link);
  }
  return [...new Set(out)];
}

/** `<https://r/v2/x/tags/list?n=1&last=a>; rel="next"` → the URL (RFC 8288, as distribution sends it). */
export function nextPage(link: string | string[] | undefined): string | undefined {
  for (const part of (Array.isArray(link) ? link.join(',') : (link ?? '')).split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return m[1];
  }
  return undefined;
}
