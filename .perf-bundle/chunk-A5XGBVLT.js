// src/tui/components/theme.tsx
import { createContext, useContext } from "react";
function makeTheme(color) {
  return { color, fg: (c) => color ? { color: c } : {} };
}
var ThemeContext = createContext(makeTheme(true));
function useTheme() {
  return useContext(ThemeContext);
}
function colorWanted(env) {
  return !(env.NO_COLOR !== void 0 && env.NO_COLOR !== "") && env.TERM !== "dumb";
}

export {
  makeTheme,
  ThemeContext,
  useTheme,
  colorWanted
};
