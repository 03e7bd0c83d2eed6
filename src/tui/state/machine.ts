import type { ImageChanges } from '../../image/layer-changes.js';
import type { Digest } from '../../model/digest.js';
import type { BlobState, CopyEvent } from '../../pipeline/events.js';
import type { CopyAftermath, ImageRow, LayerListing, SourceChoice, SourceSpec, TuiCopyOutcome, TuiServices } from '../tui-services.js';
import type { KeyLike } from './keymap.js';
import { type ActionForm, type ActionKind, actionFields, availableKinds, cycleField, defaultOutput, initialActionForm, setTextField } from './action-form.js';

/**
 * The whole TUI as a pure reducer (architecture.md rule 6): screens render a TuiState, keys and
 * pipeline events become TuiActions. Time arrives inside actions (`at`), never from a clock here,
 * so tests replay a session exactly.
 */

export type ScreenName = 'source' | 'images' | 'action' | 'progress' | 'layers' | 'done';

export interface BlobRow {
  digest: Digest;
  role: 'layer' | 'config' | 'manifest';
  state: BlobState;
  done: number;
  total?: number;
  startedAt: number;
  updatedAt: number;
}

export type ProgressStatus = 'idle' | 'running' | 'cancelling' | 'cancelled' | 'failed';

export interface ProgressState {
  status: ProgressStatus;
  blobs: BlobRow[];
  /** Digests in the order they finished: append-only, so <Static> can print each once. */
  finished: Digest[];
  totalBytes: number;
  sharedBytes: number;
  plannedBlobs: number;
  imagesDone: number;
  startedAt: number;
  now: number;
  warnings: string[];
  /** How the copy goes about something (save --resume continuing a blob): shown, but not as a warning. */
  notes: string[];
  error?: string;
  /** After a failure or cancel: what services found at the destination, when they looked. */
  aftermath?: CopyAftermath;
  /** Lines about things done on the way (a leftover sweep), shown with a failure. */
  notices?: readonly string[];
}

export interface DoneSummary {
  outcome: TuiCopyOutcome;
  /** The copy's own notes (ProgressState.notes), kept for the Done screen. */
  notes: string[];
  /** Bytes not copied twice because selected images share layers. */
  dedupeSaved: number;
  command: string;
}

export interface LayersState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  image?: Digest;
  listings: LayerListing[];
  changes?: ImageChanges;
  cursor: number;
  /** First visible row of the file tree. */
  scroll: number;
  error?: string;
}

export interface TuiState {
  screen: ScreenName;
  help: boolean;
  /** The first key in view in the help overlay, which scrolls on a short terminal. */
  helpScroll: number;
  quit: boolean;
  actions: TuiServices['actions'];
  sourceChoices: SourceChoice[];
  sourceCursor: number;
  pathInput: string;
  pathEditing: boolean;
  /** Which choice the typed path is for. */
  pathFor: 'path' | 'docker-root';
  completions: string[];
  source?: SourceSpec;
  imagesStatus: 'idle' | 'loading' | 'ready' | 'error';
  images: ImageRow[];
  imagesError?: string;
  /** Lines about things done while listing (a sweep of dead balers' temp dirs), shown with the list. */
  imagesNotices: string[];
  /** Keys typed while a list (images, layers) loads, in order: App replays them once it has loaded. */
  typeAhead: TypedKey[];
  /** Cursor index into the filtered list. */
  cursor: number;
  selected: Digest[];
  filter: string;
  filtering: boolean;
  form: ActionForm;
  formError?: string | undefined;
  progress: ProgressState;
  layers: LayersState;
  done?: DoneSummary;
}

export interface TypedKey {
  input: string;
  key: KeyLike;
}

export type TuiAction =
  | { type: 'help/toggle' }
  | { type: 'help/scroll'; delta: number; max: number }
  | { type: 'quit' }
  | { type: 'nav/back' }
  | { type: 'nav/to'; screen: ScreenName }
  | { type: 'source/move'; delta: number }
  | { type: 'source/edit-path'; editing: boolean; for?: 'path' | 'docker-root'; initial?: string }
  | { type: 'source/path-input'; value: string }
  | { type: 'source/completions'; completions: string[] }
  | { type: 'source/choose'; source: SourceSpec }
  | { type: 'images/loaded'; rows: ImageRow[] }
  | { type: 'images/failed'; message: string }
  | { type: 'images/notice'; line: string }
  | { type: 'keys/type-ahead'; typed: TypedKey }
  | { type: 'images/move'; delta: number; visible: number }
  | { type: 'images/toggle'; id: Digest }
  | { type: 'images/select-only'; ids: Digest[] }
  | { type: 'filter/start' }
  | { type: 'filter/input'; value: string }
  | { type: 'filter/end'; keep: boolean }
  | { type: 'action/open'; names: string[] }
  | { type: 'action/move'; delta: number }
  | { type: 'action/cycle'; delta: number }
  | { type: 'action/edit'; editing: boolean }
  | { type: 'action/input'; value: string }
  | { type: 'action/invalid'; message: string }
  | { type: 'copy/start'; at: number }
  | { type: 'copy/event'; event: CopyEvent; at: number }
  /** Events buffered between two frames, applied in order. */
  | { type: 'copy/events'; events: CopyEvent[]; at: number }
  | { type: 'copy/tick'; at: number }
  | { type: 'copy/cancel' }
  | { type: 'copy/cancelled'; aftermath?: CopyAftermath; notices?: readonly string[] }
  | { type: 'copy/failed'; message: string; aftermath?: CopyAftermath; notices?: readonly string[] }
  | { type: 'copy/finished'; outcome: TuiCopyOutcome; command: string }
  | { type: 'layers/open'; image: Digest }
  | { type: 'layers/loaded'; listings: LayerListing[]; changes: ImageChanges }
  | { type: 'layers/failed'; message: string }
  | { type: 'layers/move'; delta: number }
  | { type: 'layers/scroll'; delta: number; max: number };

const idleProgress: ProgressState = { status: 'idle', blobs: [], finished: [], totalBytes: 0, sharedBytes: 0, plannedBlobs: 0, imagesDone: 0, startedAt: 0, now: 0, warnings: [], notes: [] };

export function initialState(sourceChoices: SourceChoice[], actions: TuiServices['actions']): TuiState {
  return {
    screen: 'source',
    help: false,
    helpScroll: 0,
    quit: false,
    actions,
    sourceChoices,
    sourceCursor: 0,
    pathInput: '',
    pathEditing: false,
    pathFor: 'path',
    completions: [],
    imagesStatus: 'idle',
    images: [],
    imagesNotices: [],
    typeAhead: [],
    cursor: 0,
    selected: [],
    filter: '',
    filtering: false,
    form: initialActionForm(),
    progress: idleProgress,
    layers: { status: 'idle', listings: [], cursor: 0, scroll: 0 },
  };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** Where esc goes from each screen; progress only leaves by finishing or cancelling. */
const BACK: Record<ScreenName, ScreenName | undefined> = {
  source: undefined,
  images: 'source',
  action: 'images',
  progress: undefined,
  layers: 'images',
  done: 'images',
};

function selectedNames(s: TuiState): string[] {
  return s.selected.flatMap((id) => s.images.find((r) => r.key === id)?.names ?? []);
}

function kindsOf(s: TuiState): ActionKind[] {
  return availableKinds(s.source, s.actions);
}

function applyCopyEvent(p: ProgressState, e: CopyEvent, at: number): ProgressState {
  switch (e.kind) {
    case 'plan':
      return { ...p, totalBytes: e.totalBytes, sharedBytes: e.sharedBytes, plannedBlobs: e.blobs, now: at };
    case 'blob': {
      // A blob shared by two selected images is reported again for the second one; it is already
      // done in this run, and its finished row is already printed.
      if (p.finished.includes(e.digest)) return { ...p, now: at };
      const i = p.blobs.findIndex((b) => b.digest === e.digest);
      const prev = i >= 0 ? p.blobs[i] : undefined;
      const row: BlobRow = {
        digest: e.digest,
        role: e.role,
        state: e.state,
        done: e.done,
        startedAt: prev && prev.state !== 'queued' ? prev.startedAt : at,
        updatedAt: at,
      };
      const total = e.total ?? prev?.total;
      if (total !== undefined) row.total = total;
      const blobs = i >= 0 ? p.blobs.map((b, j) => (j === i ? row : b)) : [...p.blobs, row];
      const isDone = (st: BlobState | undefined): boolean => st === 'verified' || st === 'skipped-present';
      const finished = isDone(e.state) && !isDone(prev?.state) ? [...p.finished, e.digest] : p.finished;
      return { ...p, blobs, finished, now: at };
    }
    case 'image-done':
      return { ...p, imagesDone: p.imagesDone + 1, now: at };
    case 'warning':
      return { ...p, warnings: [...p.warnings, e.message], now: at };
    case 'note':
      return { ...p, notes: [...p.notes, e.message], now: at };
    case 'name-moved':
      return p;
  }
}

function afterStop(a: { aftermath?: CopyAftermath; notices?: readonly string[] }): Pick<ProgressState, 'aftermath' | 'notices'> {
  return { ...(a.aftermath ? { aftermath: a.aftermath } : {}), ...(a.notices?.length ? { notices: a.notices } : {}) };
}

export function reduce(s: TuiState, a: TuiAction): TuiState {
  switch (a.type) {
    case 'help/toggle':
      return { ...s, help: !s.help, helpScroll: 0 };
    case 'help/scroll':
      return { ...s, helpScroll: clamp(s.helpScroll + a.delta, 0, Math.max(0, a.max)) };
    case 'quit':
      return { ...s, quit: true };
    case 'nav/back': {
      if (s.help) return { ...s, help: false };
      const to = BACK[s.screen];
      if (!to) return s;
      // leaving a list that is still loading abandons it, with what was typed ahead for it
      const images = s.screen === 'images' && s.imagesStatus === 'loading' ? { imagesStatus: 'idle' as const } : {};
      const layers = s.screen === 'layers' && s.layers.status === 'loading' ? { layers: { ...s.layers, status: 'idle' as const } } : {};
      return { ...s, screen: to, formError: undefined, typeAhead: [], ...images, ...layers };
    }
    case 'nav/to':
      return { ...s, screen: a.screen };

    case 'source/move':
      return { ...s, sourceCursor: clamp(s.sourceCursor + a.delta, 0, s.sourceChoices.length - 1) };
    case 'source/edit-path':
      if (!a.editing) return { ...s, pathEditing: false, completions: [] };
      return { ...s, pathEditing: true, pathFor: a.for ?? s.pathFor, pathInput: a.for && a.for !== s.pathFor ? (a.initial ?? '') : s.pathInput || (a.initial ?? '') };
    case 'source/path-input':
      return { ...s, pathInput: a.value };
    case 'source/completions':
      return { ...s, completions: a.completions };
    case 'source/choose':
      return {
        ...s,
        source: a.source,
        screen: 'images',
        pathEditing: false,
        completions: [],
        imagesStatus: 'loading',
        images: [],
        imagesNotices: [],
        typeAhead: [],
        selected: [],
        cursor: 0,
        filter: '',
        filtering: false,
        form: { ...initialActionForm(), kind: availableKinds(a.source, s.actions)[0] ?? 'save' },
      };
    case 'images/loaded':
      return { ...s, imagesStatus: 'ready', images: a.rows, cursor: 0, typeAhead: [] };
    case 'images/failed':
      // The Source screen shows the error, so the user can pick another path.
      return { ...s, screen: 'source', imagesStatus: 'error', imagesError: a.message, typeAhead: [] };
    case 'images/notice':
      return { ...s, imagesNotices: [...s.imagesNotices, a.line] };
    case 'keys/type-ahead':
      return { ...s, typeAhead: [...s.typeAhead, a.typed] };
    case 'images/move':
      return { ...s, cursor: clamp(s.cursor + a.delta, 0, Math.max(0, a.visible - 1)) };
    case 'images/toggle':
      return { ...s, selected: s.selected.includes(a.id) ? s.selected.filter((x) => x !== a.id) : [...s.selected, a.id] };
    case 'images/select-only':
      return { ...s, selected: [...a.ids] };
    case 'filter/start':
      return { ...s, filtering: true };
    case 'filter/input':
      return { ...s, filter: a.value, cursor: 0 };
    case 'filter/end':
      return { ...s, filtering: false, filter: a.keep ? s.filter : '', cursor: a.keep ? s.cursor : 0 };

    case 'action/open': {
      const kinds = kindsOf(s);
      const kind = kinds.includes(s.form.kind) ? s.form.kind : (kinds[0] ?? 'save');
      // a default output follows the selection, which may have changed since the form was last open
      const output = s.form.outputTyped ? s.form.output : defaultOutput(kind, a.names, s.selected.length);
      return { ...s, screen: 'action', form: { ...s.form, kind, output, field: 0, editing: false }, formError: undefined };
    }
    case 'action/move': {
      const n = actionFields(s.form, kindsOf(s)).length;
      return { ...s, form: { ...s.form, field: clamp(s.form.field + a.delta, 0, n - 1) } };
    }
    case 'action/cycle': {
      const before = s.form.kind;
      let form = cycleField(s.form, kindsOf(s), a.delta);
      if (form.kind !== before) {
        // An untyped output follows the verb: export's default is `-rootfs.tar`, so it never names the archive
        // a save just wrote. A typed one only switches between a file and a directory spelling.
        const output = !form.outputTyped
          ? defaultOutput(form.kind, selectedNames(s), s.selected.length)
          : form.kind === 'oci-dir'
            ? form.output.replace(/\.tar$/, '-oci')
            : form.output.replace(/-oci$/, '.tar');
        form = { ...form, output };
      }
      return { ...s, form };
    }
    case 'action/edit':
      return { ...s, form: { ...s.form, editing: a.editing } };
    case 'action/input':
      return { ...s, form: setTextField(s.form, kindsOf(s), a.value) };
    case 'action/invalid':
      return { ...s, formError: a.message };

    case 'copy/start':
      return { ...s, screen: 'progress', progress: { ...idleProgress, status: 'running', startedAt: a.at, now: a.at } };
    case 'copy/event':
      return { ...s, progress: applyCopyEvent(s.progress, a.event, a.at) };
    case 'copy/events':
      return { ...s, progress: a.events.reduce((p, e) => applyCopyEvent(p, e, a.at), s.progress) };
    case 'copy/tick':
      return s.progress.status === 'running' ? { ...s, progress: { ...s.progress, now: a.at } } : s;
    case 'copy/cancel':
      return s.progress.status === 'running' ? { ...s, progress: { ...s.progress, status: 'cancelling' } } : s;
    case 'copy/cancelled':
      return { ...s, progress: { ...s.progress, status: 'cancelled', ...afterStop(a) } };
    case 'copy/failed':
      return { ...s, progress: { ...s.progress, status: 'failed', error: a.message, ...afterStop(a) } };
    case 'copy/finished':
      return {
        ...s,
        screen: 'done',
        progress: { ...s.progress, status: 'idle' },
        done: { outcome: a.outcome, notes: s.progress.notes, dedupeSaved: s.progress.sharedBytes, command: a.command },
      };

    case 'layers/open':
      return { ...s, screen: 'layers', typeAhead: [], layers: { status: 'loading', image: a.image, listings: [], cursor: 0, scroll: 0 } };
    case 'layers/loaded':
      return { ...s, typeAhead: [], layers: { ...s.layers, status: 'ready', listings: a.listings, changes: a.changes } };
    case 'layers/failed':
      // keys typed for layers that cannot be read have nothing to act on
      return { ...s, typeAhead: [], layers: { ...s.layers, status: 'error', error: a.message } };
    case 'layers/move':
      return { ...s, layers: { ...s.layers, cursor: clamp(s.layers.cursor + a.delta, 0, Math.max(0, s.layers.listings.length - 1)), scroll: 0 } };
    case 'layers/scroll':
      return { ...s, layers: { ...s.layers, scroll: clamp(s.layers.scroll + a.delta, 0, Math.max(0, a.max)) } };
  }
}
