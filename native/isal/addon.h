/* baler's ISA-L addon (native/isal): what its parts share. */
#ifndef BALER_ISAL_ADDON_H
#define BALER_ISAL_ADDON_H
#include <node_api.h>

/* Returns NULL from the calling N-API function, with a JS error, when an N-API call fails. */
#define CHECK(env, call)                                               \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error((env), NULL, "baler isal: N-API call failed");  \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

/* gunzip.c */
napi_value gunzip_create(napi_env env, napi_callback_info info);
napi_value gunzip_inflate(napi_env env, napi_callback_info info);
napi_value gunzip_reset(napi_env env, napi_callback_info info);
napi_value gunzip_digest(napi_env env, napi_callback_info info);

/* crc64.c */
napi_value crc64_go_iso(napi_env env, napi_callback_info info);

#endif
