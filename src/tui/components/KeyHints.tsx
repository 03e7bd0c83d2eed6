import { Box, Text } from 'ink';
import { useTheme } from './theme.js';

const GAP = 2;

/** The bottom line: `space select  enter action  / filter  ? help  q quit`. */
export function KeyHints({ hints }: { hints: ReadonlyArray<readonly [string, string]> }) {
  const t = useTheme();
  return (
    <Box flexWrap="wrap" columnGap={GAP}>
      {hints.map(([key, what]) => (
        <Text key={key} wrap="truncate">
          <Text bold {...t.fg('cyan')}>
            {key}
          </Text>{' '}
          <Text dimColor>{what}</Text>
        </Text>
      ))}
    </Box>
  );
}

/** Rows the hints take at `width` columns: they wrap as a whole hint at a time, two columns apart. */
export function hintRows(hints: ReadonlyArray<readonly [string, string]>, width: number): number {
  if (hints.length === 0) return 0;
  let rows = 1;
  let used = -GAP;
  for (const [key, what] of hints) {
    const w = key.length + 1 + what.length;
    if (used + GAP + w > width && used > 0) {
      rows++;
      used = w;
    } else used += GAP + w;
  }
  return rows;
}
