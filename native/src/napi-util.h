/*
 * Small helpers shared by every part of the nitro_native addon (NSM today, vsock later): checked N-API calls and
 * JS errors that carry the errno name as `code`, the way node:fs errors do.
 */
#ifndef NITRO_NATIVE_NAPI_UTIL_H
#define NITRO_NATIVE_NAPI_UTIL_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

/* Runs an N-API call; on failure throws (unless an exception is already pending) and returns NULL. */
#define NITRO_CALL(env, call)                                                                 \
  do {                                                                                        \
    if ((call) != napi_ok) {                                                                  \
      nitro_throw_last_napi_error(env, #call);                                                \
      return NULL;                                                                            \
    }                                                                                         \
  } while (0)

void nitro_throw_last_napi_error(napi_env env, const char *what);

/* An Error whose `code` is the errno name (e.g. "ENOENT"), with `errno` and `syscall` properties. */
napi_value nitro_errno_error(napi_env env, int error_number, const char *syscall);

/* Throws `nitro_errno_error(...)`; returns NULL for the caller to return. */
napi_value nitro_throw_errno(napi_env env, int error_number, const char *syscall);

/* Reads argument `index` as an int32 in [min, max]; throws a RangeError/TypeError naming `what` otherwise. */
int nitro_get_int32(napi_env env, napi_value value, int32_t min, int32_t max, const char *what, int32_t *out);

/* Registers `fn` as `exports[name]`. Returns 0 on success. */
int nitro_export_function(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* Registers a numeric constant as `exports[name]`. Returns 0 on success. */
int nitro_export_number(napi_env env, napi_value exports, const char *name, double value);

#endif
