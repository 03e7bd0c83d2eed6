/** @jsxRuntime automatic */
/** @jsxImportSource react */
// tsconfig.json only covers src/, so test .tsx files name their JSX runtime themselves.
import { render } from 'ink-testing-library';
import { App, type Outcome } from '../../src/tui/App.js';
import { ThemeContext, makeTheme } from '../../src/tui/components/theme.js';
import { FakeServices } from './fake-services.js';
import { KEY, press, waitFor } from './keys.js';

/** Renders the real App over fake services; returns helpers to drive it by keys. */
export function renderApp(services = new FakeServices()) {
  const outcomes: Outcome[] = [];
  const r = render(
    <ThemeContext.Provider value={makeTheme(false)}>
      <App services={services} onExit={(o) => outcomes.push(o)} />
    </ThemeContext.Provider>,
  );
  const frame = (): string => r.lastFrame() ?? '';
  return {
    ...r,
    services,
    outcomes,
    frame,
    press: (...keys: string[]) => press(r.stdin, ...keys),
    waitFor: (text: string | RegExp) => waitFor(() => (typeof text === 'string' ? frame().includes(text) : text.test(frame())), String(text), frame),
    /** Source screen -> store -> image list loaded. */
    async openStore(): Promise<void> {
      await this.waitFor('Embedded store');
      await press(r.stdin, KEY.enter);
      await this.waitFor('debian:12');
    },
  };
}
