/* The Nitro Secure Module part of nitro_native: open /dev/nsm and exchange one raw CBOR message per ioctl. */
#ifndef NITRO_NATIVE_NSM_H
#define NITRO_NATIVE_NSM_H

#include "napi-util.h"

/* Adds nsmOpen, nsmClose, nsmRequest and the NSM constants to `exports`. Returns 0 on success. */
int nitro_register_nsm(napi_env env, napi_value exports);

#endif
