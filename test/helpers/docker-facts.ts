import type { PrivateDockerd } from './dockerd.js';

/** What must survive a round trip through baler: the image ID, every tag and every layer diff_id, in order. */
export interface ImageFacts {
  id: string;
  tags: string[];
  layers: string[];
}

interface InspectJson {
  Id: string;
  RepoTags: string[] | null;
  RootFS: { Layers?: string[] };
}

/** Facts of every image in the daemon, sorted by ID (tags sorted), from `docker inspect`. */
export async function dockerImageFacts(d: PrivateDockerd): Promise<ImageFacts[]> {
  const ids = [...new Set((await d.dockerChecked(['images', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean))];
  if (ids.length === 0) return [];
  const inspected = JSON.parse((await d.dockerChecked(['image', 'inspect', ...ids])).stdout) as InspectJson[];
  return inspected
    .map((i) => ({ id: i.Id, tags: [...(i.RepoTags ?? [])].sort(), layers: i.RootFS.Layers ?? [] }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function allTags(facts: readonly ImageFacts[]): string[] {
  return facts.flatMap((f) => f.tags).sort();
}
