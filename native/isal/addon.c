/*
 * baler's native addon: the parts of its hot paths where Intel's ISA-L is several times faster than what
 * node offers (gunzip.c: inflate; crc64.c: Go's CRC-64). Built by scripts/build-native.mjs at `npm ci`;
 * baler works without it (src/codecs/isal-addon.ts falls back to node's zlib and a WebAssembly CRC-64).
 */
#include "addon.h"

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"gunzipCreate", NULL, gunzip_create, NULL, NULL, NULL, napi_default, NULL},
    {"gunzipInflate", NULL, gunzip_inflate, NULL, NULL, NULL, napi_default, NULL},
    {"gunzipReset", NULL, gunzip_reset, NULL, NULL, NULL, napi_default, NULL},
    {"gunzipDigest", NULL, gunzip_digest, NULL, NULL, NULL, napi_default, NULL},
    {"crc64", NULL, crc64_go_iso, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
