#include "napi-util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void nitro_throw_last_napi_error(napi_env env, const char *what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  char message[256];
  snprintf(message, sizeof message, "nitro_native: %s failed: %s", what,
           info != NULL && info->error_message != NULL ? info->error_message : "unknown N-API error");
  napi_throw_error(env, "ERR_NITRO_NATIVE", message);
}

/* The errno names the NSM and socket code can meet; anything else is reported as EUNKNOWN with its number. */
static const char *errno_name(int error_number) {
  switch (error_number) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSYS: return "ENOSYS";
    case ENODATA: return "ENODATA";
    case EMSGSIZE: return "EMSGSIZE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EADDRINUSE: return "EADDRINUSE";
    case ENOTCONN: return "ENOTCONN";
    case EPIPE: return "EPIPE";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNABORTED: return "ECONNABORTED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ESHUTDOWN: return "ESHUTDOWN";
    default: return "EUNKNOWN";
  }
}

napi_value nitro_errno_error(napi_env env, int error_number, const char *syscall) {
  const char *name = errno_name(error_number);
  char text[256];
  snprintf(text, sizeof text, "%s failed: %s (%s)", syscall, strerror(error_number), name);
  napi_value code = NULL, message = NULL, error = NULL, number = NULL, call = NULL;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_error(env, code, message, &error) != napi_ok ||
      napi_create_int32(env, error_number, &number) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &call) != napi_ok ||
      napi_set_named_property(env, error, "errno", number) != napi_ok ||
      napi_set_named_property(env, error, "syscall", call) != napi_ok) {
    return NULL;
  }
  return error;
}

napi_value nitro_throw_errno(napi_env env, int error_number, const char *syscall) {
  napi_value error = nitro_errno_error(env, error_number, syscall);
  if (error != NULL) napi_throw(env, error);
  else nitro_throw_last_napi_error(env, "creating an errno error");
  return NULL;
}

int nitro_get_int32(napi_env env, napi_value value, int32_t min, int32_t max, const char *what, int32_t *out) {
  char message[160];
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) {
    snprintf(message, sizeof message, "%s must be an integer", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return -1;
  }
  double number = 0;
  napi_get_value_double(env, value, &number);
  if (!(number >= min && number <= max) || number != (double)(int32_t)number) {
    snprintf(message, sizeof message, "%s must be an integer in [%d, %d]", what, (int)min, (int)max);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return -1;
  }
  *out = (int32_t)number;
  return 0;
}

int nitro_export_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value value = NULL;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value) != napi_ok) return -1;
  return napi_set_named_property(env, exports, name, value) == napi_ok ? 0 : -1;
}

int nitro_export_number(napi_env env, napi_value exports, const char *name, double value) {
  napi_value number = NULL;
  if (napi_create_double(env, value, &number) != napi_ok) return -1;
  return napi_set_named_property(env, exports, name, number) == napi_ok ? 0 : -1;
}
