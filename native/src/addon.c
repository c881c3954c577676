/*
 * nitro_native: the few system calls Node.js has no API for, used inside and beside Nitro Enclaves. Each part
 * registers its own functions here (NSM today; AF_VSOCK sockets are meant to join as another register call).
 */
#include "napi-util.h"
#include "nsm.h"

/* Bumped when a function's contract changes, so the loader can refuse a stale build. */
#define NITRO_NATIVE_ABI 1

static napi_value init(napi_env env, napi_value exports) {
  if (nitro_export_number(env, exports, "abiVersion", NITRO_NATIVE_ABI) != 0 ||
      nitro_register_nsm(env, exports) != 0) {
    nitro_throw_last_napi_error(env, "registering nitro_native");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
