import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { equivalentCommand } from '../cli/command-line.js';
import { computeImageChanges } from '../image/layer-changes.js';
import { HELP_MIN_ROWS, HelpOverlay, helpView } from './components/HelpOverlay.js';
import { KeyHints, hintRows } from './components/KeyHints.js';
import { useTheme } from './components/theme.js';
import { wrapWords } from './format.js';
import { useCopyEvents } from './hooks/use-copy-events.js';
import { type TerminalSize, useTerminalSize } from './hooks/use-terminal-size.js';
import { ActionScreen } from './screens/ActionScreen.js';
import { DoneScreen } from './screens/DoneScreen.js';
import { ImagesScreen } from './screens/ImagesScreen.js';
import { LayerBrowser } from './screens/LayerBrowser.js';
import { ProgressLog, ProgressScreen } from './screens/ProgressScreen.js';
import { SourceScreen } from './screens/SourceScreen.js';
import { type Intent, intentsForKey, splitKeys } from './state/keymap.js';
import { initialState, reduce, type ScreenName, type TuiAction, type TuiState } from './state/machine.js';
import { plannedCopy, selectedImages } from './state/selectors.js';
import { CopyFailure, type SourceSpec, type TuiServices } from './tui-services.js';

/** What a session did: the plain commands equivalent to each finished action. */
export interface Outcome {
  commands: string[];
  /** The last copy was cancelled (ctrl-c) before the user quit. */
  interrupted: boolean;
}

const HINTS: Record<ScreenName, ReadonlyArray<readonly [string, string]>> = {
  source: [['↑↓', 'move'], ['enter', 'open'], ['?', 'help'], ['q', 'quit']],
  images: [['space', 'select'], ['enter', 'action'], ['/', 'filter'], ['L', 'layers'], ['esc', 'back'], ['?', 'help'], ['q', 'quit']],
  action: [['↑↓', 'field'], ['←→', 'change'], ['enter', 'edit/start'], ['s', 'start'], ['esc', 'back'], ['q', 'quit']],
  progress: [],
  layers: [['↑↓', 'layer'], ['J/K', 'scroll files'], ['esc', 'back'], ['q', 'quit']],
  done: [['enter', 'more images'], ['q', 'quit']],
};

/** While a path is typed, q and ? are letters of it. */
const PATH_HINTS: ReadonlyArray<readonly [string, string]> = [['tab', 'complete'], ['enter', 'open'], ['esc', 'back']];

function hintsFor(s: TuiState): ReadonlyArray<readonly [string, string]> {
  return s.screen === 'source' && s.pathEditing ? PATH_HINTS : HINTS[s.screen];
}

/** A few of Ink's 30 fps frames. */
const FINAL_FRAME_MS = 150;

/**
 * The shortest terminal the screens are laid out for: each keeps its heading, the row under the cursor
 * and its key hints in rows - 1. A shorter one gets one line saying so rather than a frame that overflows.
 */
const MIN_ROWS = 10;
const MIN_COLUMNS = 30;

const TITLES: Record<ScreenName, string> = { source: 'Source', images: 'Images', action: 'Action', progress: 'Progress', layers: 'Layer browser', done: 'Done' };

/** `save myorg/app:1 myorg/app:2 -> images.tar`, from the form the copy started with. */
function progressTitle(s: TuiState): string {
  const plan = plannedCopy(s);
  if ('error' in plan) return '';
  const a = plan.action;
  if (a.verb === 'export') return `export ${a.image} -> ${a.output}`;
  return a.verb === 'load' ? `load ${a.images.join(' ')} into the store` : `save ${a.images.join(' ')} -> ${a.output}`;
}

/**
 * The help overlay takes the place of the screen and its key hints: every row under the title. The
 * Progress screen's title, printed above the live region, wraps on a narrow terminal; when it is too
 * long to leave the overlay its least, the terminal scrolls it away rather than the overlay's top.
 */
function helpHeight(s: TuiState, { rows, columns }: TerminalSize): number {
  const titleRows = s.screen === 'progress' ? wrapWords(`baler · Progress · ${progressTitle(s)}`, columns).length : 1;
  return Math.min(rows - 2, Math.max(HELP_MIN_ROWS, rows - 1 - titleRows));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let p = words[0] ?? '';
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export function App({ services, onExit }: { services: TuiServices; onExit: (o: Outcome) => void }) {
  const [state, dispatchToReact] = useReducer(reduce, undefined, () => initialState(services.sourceChoices(), services.actions));
  // Keys can arrive faster than React renders (a paste, a scripted terminal): every handler reads
  // stateRef, which each dispatch advances at once, so the next key sees the previous key's effect.
  const stateRef = useRef<TuiState>(state);
  const dispatch = useCallback((a: TuiAction) => {
    stateRef.current = reduce(stateRef.current, a);
    dispatchToReact(a);
  }, []);
  const { exit } = useApp();
  const { stdout, write } = useStdout();
  const size = useTerminalSize();
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const theme = useTheme();
  const commands = useRef<string[]>([]);
  const copyAbort = useRef<AbortController | undefined>(undefined);
  const loadAbort = useRef<AbortController | undefined>(undefined);
  // loaded() replays keys typed ahead through run(), which is defined after it
  const runRef = useRef<(intent: Intent) => void>(() => undefined);
  const running = state.progress.status === 'running' || state.progress.status === 'cancelling';
  const events = useCopyEvents(dispatch, running);

  // Progress rows flow through <Static> above a short live region; that region starts on a clean
  // screen (cleared before the first progress frame, so the Static title survives) and the
  // full-height screens after it are redrawn on a clean screen too, never under stale rows.
  const clearScreen = useCallback(() => {
    if (stdout.isTTY) write('\x1b[2J\x1b[H');
  }, [stdout, write]);
  const lastScreen = useRef<ScreenName>(state.screen);
  useEffect(() => {
    const was = lastScreen.current;
    lastScreen.current = state.screen;
    if (was === 'progress' && state.screen !== 'progress') clearScreen();
  }, [state.screen, clearScreen]);

  const quit = useCallback(() => {
    loadAbort.current?.abort();
    exit();
    onExit({ commands: commands.current, interrupted: stateRef.current.progress.status === 'cancelled' });
  }, [exit, onExit]);

  /** A list has loaded: keys typed while it loaded act now, in the order they were typed. */
  const loaded = useCallback((action: TuiAction) => {
    const typed = stateRef.current.typeAhead;
    dispatch(action);
    for (const { input, key } of typed) for (const intent of intentsForKey(stateRef.current, input, key)) runRef.current(intent);
  }, []);

  const chooseSource = useCallback(
    (source: SourceSpec) => {
      loadAbort.current?.abort();
      const ac = new AbortController();
      loadAbort.current = ac;
      dispatch({ type: 'source/choose', source });
      const onNotice = (line: string): void => {
        if (!ac.signal.aborted) dispatch({ type: 'images/notice', line });
      };
      services.listImages(source, ac.signal, onNotice).then(
        (rows) => {
          if (!ac.signal.aborted) loaded({ type: 'images/loaded', rows });
        },
        (err: unknown) => {
          if (!ac.signal.aborted) dispatch({ type: 'images/failed', message: errorText(err) });
        },
      );
    },
    [services, loaded],
  );

  const completePath = useCallback(() => {
    const typed = stateRef.current.pathInput;
    services.completePath(typed).then(
      (found) => {
        const prefix = commonPrefix(found);
        if (prefix.length > typed.length) dispatch({ type: 'source/path-input', value: prefix });
        dispatch({ type: 'source/completions', completions: found.length === 1 ? [] : found });
      },
      () => dispatch({ type: 'source/completions', completions: [] }),
    );
  }, [services]);

  const openLayers = useCallback(
    (image: TuiState['images'][number]['key']) => {
      const s = stateRef.current;
      const row = s.images.find((r) => r.key === image);
      if (!row || !s.source) return;
      loadAbort.current?.abort();
      const ac = new AbortController();
      loadAbort.current = ac;
      dispatch({ type: 'layers/open', image });
      services.listLayers(s.source, row, ac.signal).then(
        (listings) => {
          if (!ac.signal.aborted) loaded({ type: 'layers/loaded', listings, changes: computeImageChanges(listings.map((l) => l.entries)) });
        },
        (err: unknown) => {
          if (!ac.signal.aborted) dispatch({ type: 'layers/failed', message: errorText(err) });
        },
      );
    },
    [services, loaded],
  );

  const startCopy = useCallback(() => {
    const s = stateRef.current;
    const plan = plannedCopy(s);
    if ('error' in plan) {
      dispatch({ type: 'action/invalid', message: plan.error });
      return;
    }
    const command = equivalentCommand(plan.action, services.storeFlag ? { storeFlag: services.storeFlag } : {});
    const ac = new AbortController();
    copyAbort.current = ac;
    clearScreen();
    dispatch({ type: 'copy/start', at: Date.now() });
    services.copy(plan.request, events.push, ac.signal).then(
      (outcome) => {
        events.flush();
        commands.current.push(command);
        // Let the last progress frame (every row finished, printed through <Static>) reach the
        // terminal before the Done screen replaces it, even when the copy took less than a frame.
        setTimeout(() => dispatch({ type: 'copy/finished', outcome, command }), FINAL_FRAME_MS);
      },
      (err: unknown) => {
        events.flush();
        // services that looked at the destination afterwards say what was left there
        const found = err instanceof CopyFailure ? { aftermath: err.aftermath, notices: err.notices } : {};
        if (ac.signal.aborted) dispatch({ type: 'copy/cancelled', ...found });
        else dispatch({ type: 'copy/failed', message: errorText(err instanceof CopyFailure ? err.reason : err), ...found });
      },
    );
  }, [services, events, clearScreen]);

  const run = useCallback(
    (intent: Intent) => {
      switch (intent.kind) {
        case 'dispatch':
          return dispatch(intent.action);
        case 'choose-source':
          return chooseSource(intent.source);
        case 'complete-path':
          return completePath();
        case 'open-action':
          return dispatch({ type: 'action/open', names: selectedImages(stateRef.current).flatMap((r) => r.names) });
        case 'start-copy':
          return startCopy();
        case 'cancel-copy':
          dispatch({ type: 'copy/cancel' });
          return copyAbort.current?.abort();
        case 'open-layers':
          return openLayers(intent.image);
        case 'scroll-help': {
          const max = helpView(helpHeight(stateRef.current, sizeRef.current), sizeRef.current.columns, 0).maxStart;
          return dispatch({ type: 'help/scroll', delta: intent.delta, max });
        }
        case 'stop-listing':
          // a compressed archive would go on spooling to the temp dir for a list nobody waits for
          return loadAbort.current?.abort();
        case 'quit':
          return quit();
      }
    },
    [chooseSource, completePath, startCopy, openLayers, quit],
  );
  runRef.current = run;

  useInput((input, key) => {
    for (const [i, k] of splitKeys(input, key)) for (const intent of intentsForKey(stateRef.current, i, k)) run(intent);
  });

  const { columns, rows } = size;
  // mounted whatever replaces the live region below it: a <Static> mounted again prints its rows again
  const log = state.screen === 'progress' ? <ProgressLog state={state} title={progressTitle(state)} /> : null;
  // narrower than this, the key hints wrap into most of the rows and a list has no room for its cursor row
  const short = rows < MIN_ROWS ? `${rows} rows, needs ${MIN_ROWS}` : columns < MIN_COLUMNS ? `${columns} columns, needs ${MIN_COLUMNS}` : undefined;
  if (short !== undefined) {
    // Keys still work (q quits, a copy can be cancelled); the screen comes back once the terminal grows.
    return (
      <>
        {log}
        <Text wrap="wrap">
          <Text bold {...theme.fg('magenta')}>
            baler
          </Text>
          <Text dimColor>{` · ${TITLES[state.screen]} · terminal too small: ${short}`}</Text>
        </Text>
      </>
    );
  }
  // One row short of the terminal: a frame as tall as the screen makes Ink clear and redraw everything.
  const height = rows - 1;
  // the overlay says itself how to scroll and close it
  const hints = state.help ? [] : hintsFor(state);
  // the title, the hints (wrapped on a narrow terminal) and a blank row above them
  const bodyH = height - 2 - hintRows(hints, columns);
  const full = state.screen !== 'progress';
  let body;
  if (state.help) body = <HelpOverlay height={helpHeight(state, size)} width={columns} scroll={state.helpScroll} />;
  else if (state.screen === 'source') body = <SourceScreen state={state} width={columns} height={bodyH} />;
  else if (state.screen === 'images') body = <ImagesScreen state={state} width={columns} height={bodyH} />;
  else if (state.screen === 'action') body = <ActionScreen state={state} width={columns} height={bodyH} {...(services.storeFlag ? { storeFlag: services.storeFlag } : {})} />;
  else if (state.screen === 'progress') body = <ProgressScreen state={state} width={columns} height={bodyH} />;
  else if (state.screen === 'layers') body = <LayerBrowser state={state} width={columns} height={bodyH} />;
  else body = state.done ? <DoneScreen done={state.done} width={columns} height={bodyH} /> : null;
  return (
    <>
      {log}
      <Box flexDirection="column" width={columns} {...(full ? { height } : {})}>
        {full ? (
          <Text wrap="truncate">
            <Text bold {...theme.fg('magenta')}>
              baler
            </Text>
            <Text dimColor>{` · ${TITLES[state.screen]}`}</Text>
          </Text>
        ) : null}
        <Box flexDirection="column" flexGrow={1} {...(full ? { height: bodyH + 1 } : {})}>
          {body}
        </Box>
        {hints.length ? <KeyHints hints={hints} /> : null}
      </Box>
    </>
  );
}
