import { Box, Static, Text } from 'ink';
import { BlobLine } from '../components/BlobLine.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useTheme } from '../components/theme.js';
import { formatBytes, formatDuration, formatRate } from '../format.js';
import type { BlobRow, TuiState } from '../state/machine.js';
import { isFinishedBlob, overallProgress } from '../state/selectors.js';

/** The first <Static> item: the screen title, printed once above the finished rows. */
const TITLE = Symbol('title');

/**
 * One row per blob. Finished rows are printed once through <Static> (they never change again, so
 * Ink does not redraw them); the live region below holds only moving rows and the overall bar.
 */
export function ProgressScreen({ state, width, height, title }: { state: TuiState; width: number; height: number; title: string }) {
  const t = useTheme();
  const p = state.progress;
  const byDigest = new Map(p.blobs.map((b) => [b.digest, b] as const));
  const finished = p.finished.map((d) => byDigest.get(d)).filter((b): b is BlobRow => b !== undefined);
  const active = p.blobs.filter((b) => !isFinishedBlob(b) && b.state !== 'queued');
  const queued = p.blobs.filter((b) => b.state === 'queued').length;
  const room = Math.max(1, height - 6);
  const o = overallProgress(p);
  const pct = `${Math.floor(o.fraction * 100)}%`.padStart(4);
  return (
    <Box flexDirection="column">
      <Static<BlobRow | typeof TITLE> items={[TITLE, ...finished]}>
        {(b) =>
          b === TITLE ? (
            <Text key="title" bold>
              {`baler · Progress · ${title}`}
            </Text>
          ) : (
            <BlobLine key={b.digest} blob={b} />
          )
        }
      </Static>
      {active.slice(0, room).map((b) => (
        <BlobLine key={b.digest} blob={b} />
      ))}
      {active.length > room ? <Text dimColor>{`  … ${active.length - room} more moving`}</Text> : null}
      {queued > 0 ? <Text dimColor>{`  ${queued} queued`}</Text> : null}
      {p.blobs.length === 0 && p.status === 'running' ? <Text>Working… (this action reports no per-blob progress)</Text> : null}
      <Text> </Text>
      <Text wrap="truncate">
        <ProgressBar fraction={o.fraction} width={Math.min(40, width - 44)} />
        {` ${pct} ${formatBytes(o.done)} / ${formatBytes(o.total)}  ${formatRate(o.rate)}  ETA ${formatDuration(o.etaSeconds)}`}
      </Text>
      <Text wrap="truncate" dimColor>{`blobs ${o.finishedBlobs}/${o.plannedBlobs} · images done ${p.imagesDone}`}</Text>
      {p.status === 'running' ? <Text dimColor>ctrl-c cancels</Text> : null}
      {p.status === 'cancelling' ? <Text {...t.fg('yellow')}>Cancelling… removing what was written</Text> : null}
      {p.status === 'cancelled' ? (
        <Text {...t.fg('yellow')}>Cancelled. Nothing partial was left behind. (esc: back, q: quit)</Text>
      ) : null}
      {p.status === 'failed' ? (
        <Text wrap="wrap" {...t.fg('red')}>{`✗ ${p.error ?? 'failed'} — nothing partial was left behind. (esc: back, q: quit)`}</Text>
      ) : null}
    </Box>
  );
}
