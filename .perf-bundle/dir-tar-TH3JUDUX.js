import {
  buildLayerTarFromDir,
  dirTarStream,
  writeDirTar
} from "./chunk-GYU6A2FJ.js";
import "./chunk-OSXEAJDC.js";
import "./chunk-FBHWHWP3.js";
import "./chunk-BPCHXMC3.js";
export {
  buildLayerTarFromDir,
  dirTarStream,
  writeDirTar
};
