import { Box, Static, Text } from 'ink';
import { BlobLine } from '../components/BlobLine.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { useTheme } from '../components/theme.js';
import { formatBytes, formatDuration, formatRate, wrappedRows } from '../format.js';
import type { BlobRow, TuiState } from '../state/machine.js';
import { cancelledText, failureText } from '../state/aftermath-text.js';
import { isFinishedBlob, overallProgress } from '../state/selectors.js';

/** Notes, and warnings, kept in the live region while a copy runs; a stopped copy keeps what fits. */
const LIVE_NOTES = 3;

interface ShownLines {
  lines: string[];
  /** Earlier lines left out, counted on a row of their own. */
  earlier: number;
}

/**
 * The newest of `all` (at most `most`) whose wrapped rows fit in `room`, the row counting the left-out
 * ones included. A kind with lines always keeps that row, so a warning is never dropped unsaid.
 */
function newestThatFit(all: readonly string[], prefix: string, width: number, room: number, most: number): ShownLines {
  const prefixed = all.map((line) => `${prefix}${line}`);
  if (prefixed.length <= most && wrappedRows(prefixed, width) <= room) return { lines: prefixed, earlier: 0 };
  const lines: string[] = [];
  let used = 1;
  for (const line of prefixed.slice(-most).reverse()) {
    used += wrappedRows([line], width);
    if (used > room) break;
    lines.unshift(line);
  }
  return { lines, earlier: all.length - lines.length };
}

function shownRows(l: ShownLines, width: number): number {
  return wrappedRows(l.lines, width) + (l.earlier > 0 ? 1 : 0);
}

function earlierText(l: ShownLines, what: string): string {
  const n = l.earlier;
  return `  … ${n}${l.lines.length > 0 ? ' earlier' : ''} ${what}${n === 1 ? '' : 's'}`;
}

/** The first <Static> item: the screen title, printed once above the finished rows. */
const TITLE = Symbol('title');

/**
 * The screen title and the finished rows, printed once each through <Static>: they never change
 * again, so Ink does not redraw them. <Static> remembers what it printed only while it stays mounted
 * (a new one prints every item again), so App keeps this mounted for the whole copy, under the help
 * overlay and the "terminal too small" line too, and the scrollback never repeats.
 */
export function ProgressLog({ state, title }: { state: TuiState; title: string }) {
  const p = state.progress;
  const byDigest = new Map(p.blobs.map((b) => [b.digest, b] as const));
  const finished = p.finished.map((d) => byDigest.get(d)).filter((b): b is BlobRow => b !== undefined);
  return (
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
  );
}

/** One row per blob: the live region below the ProgressLog, with the moving rows and the overall bar. */
export function ProgressScreen({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const t = useTheme();
  const p = state.progress;
  const active = p.blobs.filter((b) => !isFinishedBlob(b) && b.state !== 'queued');
  const queued = p.blobs.filter((b) => b.state === 'queued').length;
  const stopped = p.status === 'failed' || p.status === 'cancelled';
  const o = overallProgress(p);
  // a copy that stopped before it planned anything has no bar to show: "0 B / 0 B" would only be noise
  const planned = !stopped || o.plannedBlobs > 0 || o.total > 0;
  const outcome = p.status === 'cancelled' ? `${cancelledText(p.aftermath)}. (esc: back, q: quit)` : p.status === 'failed' ? `${failureText(p.error ?? 'failed', p.aftermath)}. (esc: back, q: quit)` : undefined;
  const notices = stopped ? (p.notices ?? []).map((n) => `  ${n}`) : [];
  const working = p.blobs.length === 0 && p.status === 'running';
  // the blank row, the bar and its counts, the status (or the outcome and what was left behind), the queued row
  const fixedRows = 1 + (planned ? 2 : 0) + (outcome ? wrappedRows([outcome, ...notices], width) : 1) + (queued > 0 ? 1 : 0) + (working ? 1 : 0);
  // notes and warnings give way to the moving rows down to the one that counts them
  const linesRoom = Math.max(0, height - fixedRows - Math.min(active.length, 1));
  const most = stopped ? Infinity : LIVE_NOTES;
  // warnings first (yellow as on the Done screen, which a failed or cancelled copy never reaches), then
  // notes: how the copy goes about something (save --resume continuing a blob), which keep one row at least
  const warnings = newestThatFit(p.warnings, '! ', width, linesRoom - (p.notes.length > 0 ? 1 : 0), most);
  const notes = newestThatFit(p.notes, '  ', width, linesRoom - shownRows(warnings, width), most);
  const activeRoom = height - fixedRows - shownRows(notes, width) - shownRows(warnings, width);
  // when not all fit, the last row counts the rest
  const shownActive = active.length <= activeRoom ? active.length : Math.max(0, activeRoom - 1);
  const pct = `${Math.floor(o.fraction * 100)}%`.padStart(4);
  // a stopped copy has no rate or ETA any more
  const pace = stopped ? '' : `  ${formatRate(o.rate)}  ETA ${formatDuration(o.etaSeconds)}`;
  return (
    <Box flexDirection="column">
      {active.slice(0, shownActive).map((b) => (
        <BlobLine key={b.digest} blob={b} stopped={stopped} />
      ))}
      {active.length > shownActive ? <Text dimColor>{`  … ${active.length - shownActive} ${shownActive > 0 ? 'more ' : ''}${stopped ? 'stopped' : 'moving'}`}</Text> : null}
      {queued > 0 ? <Text dimColor>{`  ${queued} ${stopped ? 'not started' : 'queued'}`}</Text> : null}
      {working ? <Text>Working… (this action reports no per-blob progress)</Text> : null}
      {notes.earlier > 0 ? <Text dimColor>{earlierText(notes, 'note')}</Text> : null}
      {notes.lines.map((n, i) => (
        <Text key={`note${notes.earlier + i}`} wrap="wrap">
          {n}
        </Text>
      ))}
      {warnings.earlier > 0 ? <Text dimColor>{earlierText(warnings, 'warning')}</Text> : null}
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
      {outcome ? (
        <Text wrap="wrap" {...t.fg(p.status === 'failed' ? 'red' : 'yellow')}>
          {outcome}
        </Text>
      ) : null}
      {notices.map((n, i) => (
        <Text key={`notice${i}`} wrap="wrap" dimColor>
          {n}
        </Text>
      ))}
    </Box>
  );
}
