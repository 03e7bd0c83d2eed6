import { Box, Text } from 'ink';
import { truncate } from '../format.js';
import type { TuiState } from '../state/machine.js';
import { useTheme } from '../components/theme.js';

/** Where the images come from: the embedded store, a typed archive/layout path, Docker's store or daemon. */
export function SourceScreen({ state, width }: { state: TuiState; width: number }) {
  const t = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold>Choose a source</Text>
      <Text> </Text>
      {state.sourceChoices.map((c, i) => {
        const at = i === state.sourceCursor;
        const note = c.available ? (c.note ? `  ${c.note}` : '') : `  (${c.note ?? 'not available yet'})`;
        return (
          <Text key={c.id} wrap="truncate" inverse={at} dimColor={!c.available}>
            {truncate(`${at ? '›' : ' '} ${c.label}${note}`, width)}
          </Text>
        );
      })}
      {state.pathEditing ? (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="truncate">
            <Text bold>Path: </Text>
            {state.pathInput}
            <Text inverse> </Text>
          </Text>
          {state.completions.slice(0, 8).map((c) => (
            <Text key={c} dimColor wrap="truncate">
              {`  ${c}`}
            </Text>
          ))}
          {state.completions.length > 8 ? <Text dimColor>{`  … ${state.completions.length - 8} more`}</Text> : null}
          <Text dimColor>tab completes, enter opens, esc stops typing</Text>
        </Box>
      ) : null}
      {state.imagesStatus === 'error' && state.imagesError ? (
        <Box marginTop={1} flexDirection="column">
          <Text wrap="wrap" {...t.fg('red')}>{`✗ ${state.imagesError}`}</Text>
          {state.imagesNotices.map((n, i) => (
            <Text key={`notice${i}`} wrap="wrap" dimColor>{`  ${n}`}</Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
