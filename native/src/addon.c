/*
 * nitro_native: the few system calls Node.js has no API for, used inside and beside Nitro Enclaves. Each part
 * registers its own functions here (NSM, AF_VSOCK sockets).
 */
#include "napi-util.h"
#include "nsm.h"
#include "socket.h"

/* Bumped when a function's contract changes, so the loader can refuse a stale build. */
#define NITRO_NATIVE_ABI 2

static napi_value init(napi_env env, napi_value exports) {
  if (nitro_export_number(env, exports, "abiVersion", NITRO_NATIVE_ABI) != 0 ||
      nitro_register_nsm(env, exports) != 0 || nitro_register_socket(env, exports) != 0) {
    nitro_throw_last_napi_error(env, "registering nitro_native");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
