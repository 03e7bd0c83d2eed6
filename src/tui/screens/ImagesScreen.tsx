import { Box, Text } from 'ink';
import { ImageTable } from '../components/ImageTable.js';
import { SelectionPanel } from '../components/SelectionPanel.js';
import { useTheme } from '../components/theme.js';
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

/** The image list with type-to-filter and multi-select; the panel sums up the selection. */
export function ImagesScreen({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const rows = visibleImages(state);
  const summary = selectionSummary(selectedImages(state));
  const side = width >= 110;
  // notices wrap (they name a directory the user may look into), and take their rows from the table
  const notices = state.imagesNotices.map((n) => `  ${n}`);
  const bodyH = Math.max(3, height - 2 - wrappedRows(notices, width));
  const panelW = side ? 40 : width;
  const panelH = side ? bodyH : Math.min(7, Math.max(5, bodyH - 8));
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
      {state.imagesStatus === 'error' ? <Text {...t.fg('red')}>{`✗ ${state.imagesError ?? 'failed'}`}</Text> : null}
      {state.imagesStatus === 'ready' && state.images.length === 0 ? <Text wrap="wrap">{emptyText(state)}</Text> : null}
      {state.imagesStatus === 'ready' && state.images.length > 0 ? (
        <Box flexDirection={side ? 'row' : 'column'}>
          <Box width={side ? width - panelW - 1 : width} flexDirection="column">
            {rows.length === 0 ? <Text>{`No image matches ${JSON.stringify(state.filter)}.`}</Text> : null}
            {rows.length > 0 ? <ImageTable rows={rows} cursor={state.cursor} selected={state.selected} width={side ? width - panelW - 1 : width} height={tableH} /> : null}
          </Box>
          <SelectionPanel summary={summary} width={panelW} height={panelH} />
        </Box>
      ) : null}
    </Box>
  );
}
