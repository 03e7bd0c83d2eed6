import {
  colorWanted
} from "./chunk-A5XGBVLT.js";
import {
  resolveStorePath
} from "./chunk-V5TBUXUW.js";
import {
  ExitCode
} from "./chunk-FBHWHWP3.js";
import "./chunk-BPCHXMC3.js";

// src/tui/run-tui.tsx
var ENTER_ALT_SCREEN = "\x1B[?1049h";
var LEAVE_ALT_SCREEN = "\x1B[?1049l";
async function renderTui(services, opts = {}) {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const env = opts.env ?? process.env;
  const color = colorWanted(env);
  if (!color) process.env.FORCE_COLOR = "0";
  const [{ render }, React, { App }, { ThemeContext, makeTheme }] = await Promise.all([
    import("ink"),
    import("react"),
    import("./App-2WXUNSJS.js"),
    import("./theme-HV2QGC5K.js")
  ]);
  let outcome = { commands: [], interrupted: false };
  stdout.write(ENTER_ALT_SCREEN);
  try {
    const app = render(
      React.createElement(ThemeContext.Provider, { value: makeTheme(color) }, React.createElement(App, { services, onExit: (o) => outcome = o })),
      { stdout, stdin, exitOnCtrlC: false, patchConsole: true }
    );
    await app.waitUntilExit();
  } finally {
    stdout.write(LEAVE_ALT_SCREEN);
  }
  return outcome;
}
function formatOutcome(o) {
  if (o.commands.length === 0) return "";
  const head = o.commands.length === 1 ? "Equivalent command:" : "Equivalent commands:";
  return `${head}
${o.commands.map((c) => `  ${c}`).join("\n")}
`;
}
async function runTui(o) {
  const { createTuiServices } = await import("./services-3ZIGGEPV.js");
  const storePath = resolveStorePath(o.storeFlag, o.env, o.cwd);
  const services = createTuiServices({ storePath, cwd: o.cwd, env: o.env, ...o.storeFlag ? { storeFlag: o.storeFlag } : {} });
  const outcome = await renderTui(services, { env: o.env });
  process.stdout.write(formatOutcome(outcome));
  return outcome.interrupted ? ExitCode.cancelled : ExitCode.ok;
}
export {
  formatOutcome,
  renderTui,
  runTui
};
