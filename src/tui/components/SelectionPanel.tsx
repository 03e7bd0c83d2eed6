import { Box, Text } from 'ink';
import { formatBytes, shortHex, truncate } from '../format.js';
import type { SelectionSummary } from '../state/selectors.js';
import { useTheme } from './theme.js';

/** The Images screen's side panel: what the selection costs and which layers it shares. */
export function SelectionPanel({ summary, width, height }: { summary: SelectionSummary; width: number; height: number }) {
  const t = useTheme();
  const maxShared = Math.max(0, height - 5);
  const shared = summary.shared.slice(0, maxShared);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" paddingX={1} {...(t.color ? { borderColor: 'gray' } : {})}>
      <Text bold wrap="truncate">
        {`Selected: ${summary.count} image${summary.count === 1 ? '' : 's'}`}
      </Text>
      <Text wrap="truncate">{`Total size: ${formatBytes(summary.uniqueBytes)}`}</Text>
      <Text wrap="truncate" {...(summary.savedBytes > 0 ? t.fg('green') : {})}>
        {`Shared layers save: ${formatBytes(summary.savedBytes)}`}
      </Text>
      {shared.map((l) => (
        <Text key={l.digest} wrap="truncate" dimColor>
          {truncate(`${shortHex(l.digest, 8)} ${formatBytes(l.size)} ← ${l.images.join(', ')}`, width - 4)}
        </Text>
      ))}
      {summary.shared.length > shared.length ? <Text dimColor>{`… ${summary.shared.length - shared.length} more shared`}</Text> : null}
    </Box>
  );
}
