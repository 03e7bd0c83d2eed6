import { Box, Text } from 'ink';
import { truncate, truncateStart, wrappedRows } from '../format.js';
import type { TuiState } from '../state/machine.js';
import { useTheme } from '../components/theme.js';
import { windowStart } from '../components/window.js';

/** Completions listed under the path at most; more are counted. */
const MOST_COMPLETIONS = 8;

interface Rows {
  choices: number;
  error: number;
  completions: number;
  notices: number;
  /** Blank rows: under the heading, above the path, above the error. */
  gaps: [number, number, number];
}

/**
 * Rows for each part out of `height`. The heading, the choice under the cursor and the path being
 * typed come first; then the error, the completions, the other choices, the notices, and last the
 * blank rows between them.
 */
function fitRows(s: TuiState, width: number, height: number, error: string[], notices: string[]): Rows {
  const n = s.sourceChoices.length;
  const cursorRow = Math.min(n, 1);
  let room = height - 1 - cursorRow - (s.pathEditing ? 1 : 0);
  const give = (want: number): number => {
    const got = Math.max(0, Math.min(room, want));
    room -= got;
    return got;
  };
  const errorRows = give(wrappedRows(error, width));
  const many = s.completions.length > MOST_COMPLETIONS;
  const completions = s.pathEditing ? give(Math.min(s.completions.length, MOST_COMPLETIONS) + (many ? 1 : 0)) : 0;
  const choices = cursorRow + give(n - cursorRow);
  const noticeRows = give(wrappedRows(notices, width));
  const gaps: [number, number, number] = [give(1), s.pathEditing ? give(1) : 0, error.length ? give(1) : 0];
  return { choices, error: errorRows, completions, notices: noticeRows, gaps };
}

/** The completions that fit in `rows`, the last row counting those left out. */
function shownCompletions(all: readonly string[], rows: number): string[] {
  if (all.length <= rows) return [...all];
  if (rows <= 0) return [];
  const shown = all.slice(0, rows - 1);
  const left = all.length - shown.length;
  return [...shown, shown.length > 0 ? `… ${left} more` : `… ${left} matches`];
}

/** Where the images come from: the embedded store, a typed archive/layout path, Docker's store or daemon. */
export function SourceScreen({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const error = state.imagesStatus === 'error' && state.imagesError ? [`✗ ${state.imagesError}`] : [];
  const notices = error.length ? state.imagesNotices.map((n) => `  ${n}`) : [];
  const rows = fitRows(state, width, height, error, notices);
  const start = windowStart(state.sourceCursor, state.sourceChoices.length, rows.choices);
  const blank = (on: number, key: string) => (on ? <Text key={key}> </Text> : null);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate">
        Choose a source
      </Text>
      {blank(rows.gaps[0], 'gap0')}
      {state.sourceChoices.slice(start, start + rows.choices).map((c, i) => {
        const at = start + i === state.sourceCursor;
        const note = c.available ? (c.note ? `  ${c.note}` : '') : `  (${c.note ?? 'not available yet'})`;
        return (
          <Text key={c.id} wrap="truncate" inverse={at} dimColor={!c.available}>
            {truncate(`${at ? '›' : ' '} ${c.label}${note}`, width)}
          </Text>
        );
      })}
      {blank(rows.gaps[1], 'gap1')}
      {state.pathEditing ? (
        <Text wrap="truncate">
          <Text bold>Path: </Text>
          {/* the end of a long path, where the typing goes on */}
          {truncateStart(state.pathInput, width - 7)}
          <Text inverse> </Text>
        </Text>
      ) : null}
      {shownCompletions(state.completions, rows.completions).map((c) => (
        <Text key={c} dimColor wrap="truncate">
          {`  ${c.startsWith('… ') ? c : truncateStart(c, width - 2)}`}
        </Text>
      ))}
      {blank(rows.gaps[2], 'gap2')}
      {rows.error ? (
        <Box height={rows.error} overflow="hidden" flexShrink={0}>
          <Text wrap="wrap" {...t.fg('red')}>
            {error[0]}
          </Text>
        </Box>
      ) : null}
      {rows.notices ? (
        <Box height={rows.notices} overflow="hidden" flexDirection="column" flexShrink={0}>
          {notices.map((n, i) => (
            <Text key={`notice${i}`} wrap="wrap" dimColor>
              {n}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
