import { Box, Text } from 'ink';
import { ImageTable } from '../components/ImageTable.js';
import { SelectionPanel } from '../components/SelectionPanel.js';
import { useTheme } from '../components/theme.js';
import { TypedAhead } from '../components/TypedAhead.js';
import { wrappedRows } from '../format.js';
import type { TuiState } from '../state/machine.js';
import { selectedImages, selectionSummary, visibleImages } from '../state/selectors.js';

function sourceLabel(s: TuiState): string {
  if (!s.source) return '';
  const src = s.source;
  if (src.kind === 'store' || src.kind === 'docker') return src.kind;
  return src.kind === 'docker-root' ? `docker-root:${src.path}` : src.path;
}

/** An empty store is where a first-time user starts: say how to fill it. */
function emptyText(s: TuiState): string {
  return s.source?.kind === 'store' ? 'The store holds no images yet. To load some: esc, then choose an archive or OCI layout path.' : 'No images here.';
}

/** The table's least: its header, the row under the cursor, and the "x-y of n" line. */
const TABLE_MIN = 3;
/** The selection panel's least: its border and three lines. */
const PANEL_MIN = 5;

/** Whole notices that fit in `room` rows; those left out are counted on the last row. */
function fitNotices(notices: readonly string[], width: number, room: number): string[] {
  if (wrappedRows(notices, width) <= room) return [...notices];
  const kept: string[] = [];
  let used = 1;
  for (const n of notices) {
    used += wrappedRows([n], width);
    if (used > room) break;
    kept.push(n);
  }
  const left = notices.length - kept.length;
  return room > 0 ? [...kept, `  … ${left} more notice${left === 1 ? '' : 's'}`] : [];
}

/** The image list with type-to-filter and multi-select; the panel sums up the selection. */
export function ImagesScreen({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const rows = visibleImages(state);
  const summary = selectionSummary(selectedImages(state));
  const side = width >= 110;
  // Every row below comes out of `height`, so the frame never outgrows a short terminal: notices wrap
  // (they name a directory the user may look into) and take rows from the table down to its least,
  // and the panel below the table goes before the table does.
  const listH = Math.max(0, height - 2);
  const notices = fitNotices(state.imagesNotices.map((n) => `  ${n}`), width, listH - TABLE_MIN);
  const bodyH = Math.max(0, listH - wrappedRows(notices, width));
  const panelW = side ? 40 : width;
  const fitPanelH = side ? bodyH : Math.min(7, Math.max(PANEL_MIN, bodyH - 8), bodyH - TABLE_MIN);
  const panelH = fitPanelH >= PANEL_MIN ? fitPanelH : 0;
  const tableH = side ? bodyH : bodyH - panelH;
  const filterLine = state.filtering || state.filter ? `/${state.filter}${state.filtering ? '▌' : ''}` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate">
        <Text bold>Images</Text>
        <Text dimColor>{` in ${sourceLabel(state)} · ${rows.length}${state.filter ? ` of ${state.images.length}` : ''} shown · ${state.selected.length} selected`}</Text>
      </Text>
      <Text wrap="truncate" {...t.fg('cyan')}>
        {filterLine || ' '}
      </Text>
      {notices.map((n, i) => (
        <Text key={`notice${i}`} wrap="wrap" dimColor>
          {n}
        </Text>
      ))}
      {state.imagesStatus === 'loading' ? <Text>Reading images…</Text> : null}
      {state.imagesStatus === 'loading' ? <TypedAhead count={state.typeAhead.length} list="the list" /> : null}
      {state.imagesStatus === 'error' ? <Text {...t.fg('red')}>{`✗ ${state.imagesError ?? 'failed'}`}</Text> : null}
      {state.imagesStatus === 'ready' && state.images.length === 0 ? <Text wrap="wrap">{emptyText(state)}</Text> : null}
      {state.imagesStatus === 'ready' && state.images.length > 0 ? (
        <Box flexDirection={side ? 'row' : 'column'}>
          <Box width={side ? width - panelW - 1 : width} flexDirection="column">
            {rows.length === 0 ? <Text>{`No image matches ${JSON.stringify(state.filter)}.`}</Text> : null}
            {rows.length > 0 ? <ImageTable rows={rows} cursor={state.cursor} selected={state.selected} width={side ? width - panelW - 1 : width} height={tableH} /> : null}
          </Box>
          {panelH > 0 ? <SelectionPanel summary={summary} width={panelW} height={panelH} /> : null}
        </Box>
      ) : null}
    </Box>
  );
}
