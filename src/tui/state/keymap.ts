import type { Digest } from '../../model/digest.js';
import type { SourceSpec } from '../tui-services.js';
import type { TuiAction, TuiState } from './machine.js';
import { cursorImage, formFields, visibleImages } from './selectors.js';

/**
 * Keys to intents, per screen. Pure (no Ink import): App.tsx turns `dispatch` intents into reducer
 * actions and runs the others (I/O) itself.
 */

/** The parts of Ink's Key we read. */
export interface KeyLike {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
}

export type Intent =
  | { kind: 'dispatch'; action: TuiAction }
  | { kind: 'choose-source'; source: SourceSpec }
  | { kind: 'complete-path' }
  | { kind: 'open-action' }
  | { kind: 'start-copy' }
  | { kind: 'cancel-copy' }
  | { kind: 'open-layers'; image: Digest }
  /** How far the help overlay scrolls depends on the terminal's size, which App knows. */
  | { kind: 'scroll-help'; delta: number }
  /** Esc left a list still loading: App stops the listing, whose result must then change nothing. */
  | { kind: 'stop-listing' }
  | { kind: 'quit' };

const d = (action: TuiAction): Intent => ({ kind: 'dispatch', action });

function isPrintable(input: string, key: KeyLike): boolean {
  // eslint-disable-next-line no-control-regex
  return !key.ctrl && !key.meta && input.length > 0 && !/[\x00-\x1f\x7f]/.test(input);
}

/** Line editing shared by every text field: printable text appends, backspace deletes. */
function edit(value: string, input: string, key: KeyLike): string | undefined {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (isPrintable(input, key)) return value + input;
  return undefined;
}

function moveDelta(input: string, key: KeyLike): number {
  if (key.upArrow || input === 'k') return -1;
  if (key.downArrow || input === 'j') return 1;
  if (key.pageUp) return -10;
  if (key.pageDown) return 10;
  return 0;
}

function isTyping(s: TuiState): boolean {
  return (s.screen === 'source' && s.pathEditing) || (s.screen === 'images' && s.filtering) || (s.screen === 'action' && s.form.editing);
}

export function intentsForKey(s: TuiState, input: string, key: KeyLike): Intent[] {
  if (key.ctrl && input === 'c') {
    if (s.screen === 'progress' && s.progress.status === 'running') return [{ kind: 'cancel-copy' }];
    if (s.screen === 'progress' && s.progress.status === 'cancelling') return [];
    return [{ kind: 'quit' }];
  }
  if (isLoading(s)) return typedAhead(s, input, key);
  if (s.help) {
    const delta = moveDelta(input, key);
    return delta ? [{ kind: 'scroll-help', delta }] : [d({ type: 'help/toggle' })];
  }
  const typing = isTyping(s);
  if (!typing && input === '?') return [d({ type: 'help/toggle' })];
  const busy = s.screen === 'progress' && (s.progress.status === 'running' || s.progress.status === 'cancelling');
  if (!typing && input === 'q' && !busy) return [{ kind: 'quit' }];

  switch (s.screen) {
    case 'source':
      return sourceKeys(s, input, key);
    case 'images':
      return imagesKeys(s, input, key);
    case 'action':
      return actionKeys(s, input, key);
    case 'progress':
      if (!busy && (key.escape || key.return)) return [d({ type: 'nav/to', screen: 'images' })];
      return [];
    case 'layers': {
      if (key.escape) return [d({ type: 'nav/back' })];
      const max = (s.layers.changes?.layers[s.layers.cursor]?.changes.length ?? 0) - 1;
      if (input === 'J' || key.pageDown) return [d({ type: 'layers/scroll', delta: 10, max })];
      if (input === 'K' || key.pageUp) return [d({ type: 'layers/scroll', delta: -10, max })];
      const delta = moveDelta(input, key);
      return delta ? [d({ type: 'layers/move', delta })] : [];
    }
    case 'done':
      if (key.escape || key.return) return [d({ type: 'nav/to', screen: 'images' })];
      return [];
  }
}

function sourceKeys(s: TuiState, input: string, key: KeyLike): Intent[] {
  if (s.pathEditing) {
    if (key.escape) return [d({ type: 'source/edit-path', editing: false })];
    if (key.tab) return [{ kind: 'complete-path' }];
    if (key.return) return s.pathInput.trim() ? [{ kind: 'choose-source', source: { kind: s.pathFor, path: s.pathInput.trim() } }] : [];
    const v = edit(s.pathInput, input, key);
    return v === undefined ? [] : [d({ type: 'source/path-input', value: v })];
  }
  const delta = moveDelta(input, key);
  if (delta) return [d({ type: 'source/move', delta })];
  if (key.return || input === ' ') {
    const choice = s.sourceChoices[s.sourceCursor];
    if (!choice || !choice.available) return [];
    if (choice.id === 'store') return [{ kind: 'choose-source', source: { kind: 'store' } }];
    if (choice.id === 'docker') return [{ kind: 'choose-source', source: { kind: 'docker' } }];
    if (choice.id === 'path' || choice.id === 'docker-root') return [d({ type: 'source/edit-path', editing: true, for: choice.id, ...(choice.defaultPath ? { initial: choice.defaultPath } : {}) })];
  }
  return [];
}

/** A screen whose list (the images, an image's layers) is still being read. */
function isLoading(s: TuiState): boolean {
  return (s.screen === 'images' && s.imagesStatus === 'loading') || (s.screen === 'layers' && s.layers.status === 'loading');
}

/**
 * While a list loads, the keys that need no list act at once: q quits, esc goes back (stopping the
 * listing and dropping what was typed ahead). Every other key waits, and App replays them in the
 * order typed once the list is there. The one exception is an image filter typed ahead and not yet
 * closed (/ without its enter or esc): there q is a letter and esc closes the filter, as they would be
 * once the list is there, so `/quay` filters rather than quits.
 */
function typedAhead(s: TuiState, input: string, key: KeyLike): Intent[] {
  const queue = [d({ type: 'keys/type-ahead', typed: { input, key } })];
  if (s.screen === 'images' && filterOpenIn(s.typeAhead)) return queue;
  if (input === 'q' && !key.ctrl && !key.meta) return [{ kind: 'quit' }];
  if (key.escape) return [{ kind: 'stop-listing' }, d({ type: 'nav/back' })];
  return queue;
}

/** Whether keys typed ahead leave the filter line open: a / not yet closed by enter or esc. */
function filterOpenIn(typed: readonly { input: string; key: KeyLike }[]): boolean {
  let open = false;
  for (const { input, key } of typed) {
    if (!open) open = input === '/' && !key.ctrl && !key.meta;
    else if (key.return || key.escape) open = false;
  }
  return open;
}

function imagesKeys(s: TuiState, input: string, key: KeyLike): Intent[] {
  const visible = visibleImages(s);
  const delta = key.upArrow ? -1 : key.downArrow ? 1 : key.pageUp ? -10 : key.pageDown ? 10 : 0;
  if (delta) return [d({ type: 'images/move', delta, visible: visible.length })];
  const here = cursorImage(s);
  if (input === ' ') return here ? [d({ type: 'images/toggle', id: here.key })] : [];
  if (s.filtering) {
    if (key.escape) return [d({ type: 'filter/end', keep: false })];
    if (key.return) return [d({ type: 'filter/end', keep: true })];
    const v = edit(s.filter, input, key);
    return v === undefined ? [] : [d({ type: 'filter/input', value: v })];
  }
  const jk = input === 'j' ? 1 : input === 'k' ? -1 : 0;
  if (jk) return [d({ type: 'images/move', delta: jk, visible: visible.length })];
  if (input === '/') return [d({ type: 'filter/start' })];
  if (key.escape) return s.filter ? [d({ type: 'filter/end', keep: false })] : [d({ type: 'nav/back' })];
  if (input === 'a') {
    const ids = visible.map((r) => r.key);
    const all = ids.length > 0 && ids.every((id) => s.selected.includes(id));
    return [d({ type: 'images/select-only', ids: all ? s.selected.filter((id) => !ids.includes(id)) : [...new Set([...s.selected, ...ids])] })];
  }
  if (input === 'L' || input === 'i') return here ? [{ kind: 'open-layers', image: here.key }] : [];
  if (key.return) {
    if (s.selected.length === 0 && !here) return [];
    return [...(s.selected.length === 0 && here ? [d({ type: 'images/toggle', id: here.key })] : []), { kind: 'open-action' }];
  }
  return [];
}

function actionKeys(s: TuiState, input: string, key: KeyLike): Intent[] {
  const field = formFields(s)[s.form.field];
  if (s.form.editing) {
    if (key.escape || key.return || key.tab) return [d({ type: 'action/edit', editing: false })];
    const current = field?.value ?? '';
    const v = edit(current, input, key);
    return v === undefined ? [] : [d({ type: 'action/input', value: v })];
  }
  if (key.escape) return [d({ type: 'nav/back' })];
  const delta = moveDelta(input, key) || (key.tab ? 1 : 0);
  if (delta) return [d({ type: 'action/move', delta })];
  if (key.leftArrow || input === 'h') return [d({ type: 'action/cycle', delta: -1 })];
  if (key.rightArrow || input === 'l') return [d({ type: 'action/cycle', delta: 1 })];
  if (input === 's') return [{ kind: 'start-copy' }];
  if (key.return || input === ' ') {
    if (!field) return [];
    if (field.type === 'choice') return [d({ type: 'action/cycle', delta: 1 })];
    if (field.type === 'text') return [d({ type: 'action/edit', editing: true })];
    return [{ kind: 'start-copy' }];
  }
  return [];
}

/**
 * Ink hands a run of plain bytes to one input event ("\rjj " when a script or a fast typist sends
 * keys in one write). Split it back into keys so each one acts on its own. A lone "\n" is Enter
 * typed before the terminal was switched to raw mode (the tty turned its \r into \n).
 */
export function splitKeys(input: string, key: KeyLike): Array<[string, KeyLike]> {
  if (input === '' || key.ctrl || key.meta || input.includes('\u001B') || (input.length === 1 && input >= ' ' && input !== '\u007F')) return [[input, key]];
  const out: Array<[string, KeyLike]> = [];
  for (const ch of input) {
    if (ch === '\r' || ch === '\n') out.push(['', { return: true }]);
    else if (ch === '\t') out.push(['', { tab: true }]);
    else if (ch === '\u007F' || ch === '\b') out.push(['', { backspace: true }]);
    else if (ch === '\u0003') out.push(['c', { ctrl: true }]);
    else if (ch >= ' ') out.push([ch, {}]);
  }
  return out;
}
