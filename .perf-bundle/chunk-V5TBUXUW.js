// src/store/location.ts
import { homedir } from "node:os";
import { join, resolve } from "node:path";
function resolveStorePath(flag, env, cwd) {
  if (flag) return resolve(cwd, flag);
  if (env.BALER_STORE) return resolve(cwd, env.BALER_STORE);
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(data, "baler", "store");
}

export {
  resolveStorePath
};
