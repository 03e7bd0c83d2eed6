import { createContext, useContext } from 'react';

/**
 * Colour is decoration only: every state is also shown by a character (›, [x], ✓), so NO_COLOR
 * loses nothing. Components spread `fg('cyan')` into <Text> props.
 */
export interface Theme {
  color: boolean;
  fg(color: string): { color?: string };
}

export function makeTheme(color: boolean): Theme {
  return { color, fg: (c) => (color ? { color: c } : {}) };
}

export const ThemeContext = createContext<Theme>(makeTheme(true));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** NO_COLOR (any non-empty value, no-color.org) or TERM=dumb turns colour off. */
export function colorWanted(env: NodeJS.ProcessEnv): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}
