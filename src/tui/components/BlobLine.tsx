import { Text } from 'ink';
import { formatBytes, formatDuration, formatRate, shortHex } from '../format.js';
import type { BlobRow } from '../state/machine.js';
import { blobEtaSeconds, blobRate } from '../state/selectors.js';
import { useTheme } from './theme.js';

const ICON: Record<BlobRow['state'], string> = {
  queued: '·',
  hashing: '#',
  copying: '↻',
  verified: '✓',
  'skipped-present': '=',
};

/**
 * One blob of a copy: state, bytes done/total, throughput and ETA while it moves. `stopped`: the copy
 * failed or was cancelled, so an unfinished row no longer moves and says so.
 */
export function BlobLine({ blob, stopped = false }: { blob: BlobRow; stopped?: boolean }) {
  const t = useTheme();
  const finished = blob.state === 'verified' || blob.state === 'skipped-present';
  if (stopped && !finished) {
    const got = `${formatBytes(blob.done)} / ${blob.total === undefined ? '?' : formatBytes(blob.total)}`;
    return <Text wrap="truncate" dimColor>{`✗ ${blob.role.padEnd(8)} ${shortHex(blob.digest)}  ${'stopped'.padEnd(15)} ${got.padStart(21)}`}</Text>;
  }
  const total = blob.total ?? (finished ? blob.done : undefined);
  const bytes = `${formatBytes(finished ? (total ?? blob.done) : blob.done)} / ${total === undefined ? '?' : formatBytes(total)}`;
  const moving = blob.state === 'copying' || blob.state === 'hashing';
  const extra = moving ? `  ${formatRate(blobRate(blob))}  ETA ${formatDuration(blobEtaSeconds(blob))}` : '';
  const colour = blob.state === 'verified' ? t.fg('green') : blob.state === 'skipped-present' ? t.fg('gray') : moving ? t.fg('cyan') : {};
  return (
    <Text wrap="truncate" {...colour}>
      {`${ICON[blob.state]} ${blob.role.padEnd(8)} ${shortHex(blob.digest)}  ${blob.state.padEnd(15)} ${bytes.padStart(21)}${extra}`}
    </Text>
  );
}
