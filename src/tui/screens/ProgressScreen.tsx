import { Box, Static, Text } from 'ink';
import { BlobLine } from '../components/BlobLine.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useTheme } from '../components/theme.js';
import { formatBytes, formatDuration, formatRate, wrappedRows } from '../format.js';
import type { BlobRow, TuiState } from '../state/machine.js';
import { cancelledText, failureText } from '../state/aftermath-text.js';
import { isFinishedBlob, overallProgress } from '../state/selectors.js';

/** Notes, and warnings, kept in the live region while a copy runs; a stopped copy shows them all. */
const LIVE_NOTES = 3;

/** The lines of one kind shown now, and how many earlier ones a running copy leaves out. */
function liveLines(all: readonly string[], prefix: string, stopped: boolean): { lines: string[]; earlier: number } {
  const lines = (stopped ? all : all.slice(-LIVE_NOTES)).map((line) => `${prefix}${line}`);
  return { lines, earlier: all.length - lines.length };
}

function earlierText(n: number, what: string): string {
  return `  … ${n} earlier ${what}${n === 1 ? '' : 's'}`;
}

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
  const stopped = p.status === 'failed' || p.status === 'cancelled';
  // how the copy goes about something (save --resume continuing a blob): plain lines, not warnings
  const notes = liveLines(p.notes, '  ', stopped);
  // yellow as on the Done screen; a failed or cancelled copy never reaches that screen, so they stay here
  const warnings = liveLines(p.warnings, '! ', stopped);
  const linesRows = [notes, warnings].reduce((n, l) => n + wrappedRows(l.lines, width) + (l.earlier > 0 ? 1 : 0), 0);
  const room = Math.max(1, height - 6 - linesRows);
  const o = overallProgress(p);
  const pct = `${Math.floor(o.fraction * 100)}%`.padStart(4);
  // a stopped copy has no rate or ETA any more
  const pace = stopped ? '' : `  ${formatRate(o.rate)}  ETA ${formatDuration(o.etaSeconds)}`;
  // a copy that stopped before it planned anything has no bar to show: "0 B / 0 B" would only be noise
  const planned = !stopped || o.plannedBlobs > 0 || o.total > 0;
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
        <BlobLine key={b.digest} blob={b} stopped={stopped} />
      ))}
      {active.length > room ? <Text dimColor>{`  … ${active.length - room} more ${stopped ? 'stopped' : 'moving'}`}</Text> : null}
      {queued > 0 ? <Text dimColor>{`  ${queued} ${stopped ? 'not started' : 'queued'}`}</Text> : null}
      {p.blobs.length === 0 && p.status === 'running' ? <Text>Working… (this action reports no per-blob progress)</Text> : null}
      {notes.earlier > 0 ? <Text dimColor>{earlierText(notes.earlier, 'note')}</Text> : null}
      {notes.lines.map((n, i) => (
        <Text key={`note${notes.earlier + i}`} wrap="wrap">
          {n}
        </Text>
      ))}
      {warnings.earlier > 0 ? <Text dimColor>{earlierText(warnings.earlier, 'warning')}</Text> : null}
      {warnings.lines.map((w, i) => (
        <Text key={`warning${warnings.earlier + i}`} wrap="wrap" {...t.fg('yellow')}>
          {w}
        </Text>
      ))}
      <Text> </Text>
      {planned ? (
        <>
          <Text wrap="truncate">
            <ProgressBar fraction={o.fraction} width={Math.min(40, width - 44)} />
            {` ${pct} ${formatBytes(o.done)} / ${formatBytes(o.total)}${pace}`}
          </Text>
          <Text wrap="truncate" dimColor>{`blobs ${o.finishedBlobs}/${o.plannedBlobs} · images done ${p.imagesDone}`}</Text>
        </>
      ) : null}
      {p.status === 'running' ? <Text dimColor>ctrl-c cancels</Text> : null}
      {p.status === 'cancelling' ? <Text {...t.fg('yellow')}>Cancelling… waiting for the copy to stop</Text> : null}
      {p.status === 'cancelled' ? <Text wrap="wrap" {...t.fg('yellow')}>{`${cancelledText(p.aftermath)}. (esc: back, q: quit)`}</Text> : null}
      {p.status === 'failed' ? <Text wrap="wrap" {...t.fg('red')}>{`${failureText(p.error ?? 'failed', p.aftermath)}. (esc: back, q: quit)`}</Text> : null}
      {p.status === 'failed' || p.status === 'cancelled'
        ? (p.notices ?? []).map((n, i) => (
            <Text key={`notice${i}`} wrap="wrap" dimColor>{`  ${n}`}</Text>
          ))
        : null}
    </Box>
  );
}
