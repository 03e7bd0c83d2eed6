import {
  ThemeContext,
  colorWanted,
  makeTheme,
  useTheme
} from "./chunk-A5XGBVLT.js";
import "./chunk-BPCHXMC3.js";
export {
  ThemeContext,
  colorWanted,
  makeTheme,
  useTheme
};
