/*
 * Stream sockets Node.js cannot open itself (AF_VSOCK: libuv refuses the address family), as plain non-blocking,
 * close-on-exec descriptors, plus a libuv poll watcher so that JavaScript learns when a descriptor is readable or
 * writable on the event loop. Reading and writing stay in JavaScript's hands (native/socket-stream.ts).
 */
#ifndef NITRO_NATIVE_SOCKET_H
#define NITRO_NATIVE_SOCKET_H

#include "napi-util.h"

/* Adds the vsock*, socket* and poll* functions and constants to `exports`. Returns 0 on success. */
int nitro_register_socket(napi_env env, napi_value exports);

#endif
