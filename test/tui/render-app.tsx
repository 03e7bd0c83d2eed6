/** @jsxRuntime automatic */
/** @jsxImportSource react */
// tsconfig.json only covers src/, so test .tsx files name their JSX runtime themselves.
import { render } from 'ink-testing-library';
import { App, type Outcome } from '../../src/tui/App.js';
import { ThemeContext, makeTheme } from '../../src/tui/components/theme.js';
import type { TuiServices } from '../../src/tui/tui-services.js';
import { FakeServices } from './fake-services.js';
import { KEY, press, waitFor } from './keys.js';

/** Renders the real App over fake services; returns helpers to drive it by keys. */
export function renderApp(services = new FakeServices()) {
  return renderWith(services);
}

/** Renders the real App over any services (the real ones too); returns helpers to drive it by keys. */
export function renderWith<S extends TuiServices>(services: S) {
  const outcomes: Outcome[] = [];
  const r = render(
    <ThemeContext.Provider value={makeTheme(false)}>
      <App services={services} onExit={(o) => outcomes.push(o)} />
    </ThemeContext.Provider>,
  );
  const frame = (): string => r.lastFrame() ?? '';
  const text = (): string => frame().replace(/ *\n */g, ' ');
  return {
    ...r,
    services,
    outcomes,
    frame,
    press: (...keys: string[]) => press(r.stdin, ...keys),
    /** The frame as running text: lines Ink wrapped at the terminal's width joined again. */
    text,
    /** A string is also found across a line Ink wrapped it at. */
    waitFor: (want: string | RegExp) => waitFor(() => (typeof want === 'string' ? frame().includes(want) || text().includes(want) : want.test(frame())), String(want), frame),
    /** Source screen -> store -> image list loaded. */
    async openStore(): Promise<void> {
      await this.waitFor('Embedded store');
      await press(r.stdin, KEY.enter);
      await this.waitFor('debian:12');
    },
  };
}

/**
 * Store -> the first image -> save started with the form's defaults, its plan announced as `totalBytes`
 * in `blobs` blobs: the fake copy call, for the test to drive with events.
 */
export async function startSave(app: ReturnType<typeof renderApp>, totalBytes: number, blobs: number) {
  await app.openStore();
  await app.press(KEY.enter);
  await app.waitFor('Action for 1 image');
  await app.press('s');
  await app.waitFor('ctrl-c cancels');
  const call = app.services.copies[0]!;
  call.emit({ kind: 'plan', images: [], totalBytes, sharedBytes: 0, blobs });
  return call;
}

/** Pretends ink-testing-library's stdout is `rows` x `columns`, as a resized terminal would say. */
export function resize(app: { stdout: NodeJS.EventEmitter }, rows: number, columns = 100): void {
  Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
  Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
  app.stdout.emit('resize');
}
