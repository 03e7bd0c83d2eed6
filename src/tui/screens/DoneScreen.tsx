import { Box, Text } from 'ink';
import { useTheme } from '../components/theme.js';
import { formatBytes, formatDuration, formatRate } from '../format.js';
import type { DoneSummary } from '../state/machine.js';

/** What a finished copy did; notes and warnings wrap, since they name paths the user must read whole. */
export function DoneScreen({ done }: { done: DoneSummary }) {
  const t = useTheme();
  const o = done.outcome;
  const secs = o.durationMs / 1000;
  const rows: Array<readonly [string, string]> = [
    ['Images', String(o.images)],
    ['Written', `${formatBytes(o.bytesWritten)}${o.blobsCopied + o.blobsSkipped > 0 ? ` (${o.blobsCopied} blobs copied, ${o.blobsSkipped} already there)` : ''}`],
    ['Dedupe saved', formatBytes(done.dedupeSaved)],
    ['Time', formatDuration(secs)],
    ['Throughput', formatRate(secs > 0 ? o.bytesRead / secs : 0)],
    ['Output', o.location],
  ];
  if (o.archiveSha256) rows.push(['sha256', o.archiveSha256]);
  return (
    <Box flexDirection="column">
      <Text bold {...t.fg('green')}>
        ✓ Done
      </Text>
      <Text> </Text>
      {rows.map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text bold>{k.padEnd(14)}</Text>
          {v}
        </Text>
      ))}
      {[...done.notes, ...(o.notes ?? [])].map((n, i) => (
        <Text key={`n${i}`} wrap="wrap">{`  ${n}`}</Text>
      ))}
      {o.warnings.map((w, i) => (
        <Text key={i} wrap="wrap" {...t.fg('yellow')}>{`! ${w}`}</Text>
      ))}
      <Text> </Text>
      <Text dimColor>Equivalent command:</Text>
      <Text wrap="wrap" {...t.fg('cyan')}>
        {done.command}
      </Text>
    </Box>
  );
}
