import { Box, Text } from 'ink';
import { useTheme } from './theme.js';

/** The bottom line: `space select  enter action  / filter  ? help  q quit`. */
export function KeyHints({ hints }: { hints: ReadonlyArray<readonly [string, string]> }) {
  const t = useTheme();
  return (
    <Box flexWrap="wrap" columnGap={2}>
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
