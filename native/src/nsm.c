/*
 * /dev/nsm access. The driver takes one ioctl per message: a request buffer holding the CBOR request and a
 * response buffer it fills with the CBOR response, writing the response length back into the message. The CBOR
 * itself is built and checked in TypeScript (enclave/nsm/codec.ts); this file only moves bytes.
 *
 * The ioctl can block (the driver waits up to two minutes for the device), so it runs on libuv's thread pool and
 * `nsmRequest` returns a Promise.
 */
#include "nsm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * The message layout of the NSM driver's raw ioctl: two (address, length) pairs. The kernel's uapi header spells
 * them as 64-bit fields; the Rust crate as `struct iovec`. On the 64-bit Linux targets Nitro runs (x86_64,
 * aarch64) both are the same 32 bytes, which the static assertion pins.
 */
struct nitro_nsm_buffer {
  uint64_t addr;
  uint64_t len;
};

struct nitro_nsm_message {
  struct nitro_nsm_buffer request;  /* in: the CBOR request */
  struct nitro_nsm_buffer response; /* in: capacity; out: length the driver wrote */
};

_Static_assert(sizeof(struct nitro_nsm_message) == 32, "the NSM ioctl message must be 32 bytes");

#define NITRO_NSM_IOCTL_MAGIC 0x0A
#define NITRO_NSM_IOCTL_RAW _IOWR(NITRO_NSM_IOCTL_MAGIC, 0x00, struct nitro_nsm_message)
#define NITRO_HAS_NSM 1
#else
#define NITRO_NSM_IOCTL_RAW 0
#define NITRO_HAS_NSM 0
#endif

/* The driver's own limits (it refuses larger requests with EMSGSIZE and truncates longer responses). */
#define NITRO_NSM_REQUEST_MAX_SIZE 0x1000
#define NITRO_NSM_RESPONSE_MAX_SIZE 0x3000
/* What a caller may ask for here: a bound on the memory one call pins, not a protocol limit. */
#define NITRO_NSM_REQUEST_COPY_LIMIT (64 * 1024)
#define NITRO_NSM_RESPONSE_CAPACITY_LIMIT (1024 * 1024)

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd;
  uint8_t *request;
  size_t request_len;
  uint8_t *response;
  size_t response_capacity;
  size_t response_len;
  int error_number;
} nsm_job;

static void nsm_job_free(napi_env env, nsm_job *job) {
  if (job->work != NULL) napi_delete_async_work(env, job->work);
  /* The request may hold user data bound into a document: clear it before freeing. */
  if (job->request != NULL) memset(job->request, 0, job->request_len);
  free(job->request);
  free(job->response);
  free(job);
}

/* Runs on a thread-pool thread: no N-API calls here. */
static void nsm_job_execute(napi_env env, void *data) {
  (void)env;
  nsm_job *job = data;
#if NITRO_HAS_NSM
  struct nitro_nsm_message message;
  message.request.addr = (uint64_t)(uintptr_t)job->request;
  message.request.len = job->request_len;
  message.response.addr = (uint64_t)(uintptr_t)job->response;
  message.response.len = job->response_capacity;
  int rc;
  do {
    rc = ioctl(job->fd, NITRO_NSM_IOCTL_RAW, &message);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    job->error_number = errno;
    return;
  }
  /* Never trust a length beyond the buffer we own. */
  job->response_len = message.response.len < job->response_capacity ? (size_t)message.response.len
                                                                      : job->response_capacity;
#else
  job->error_number = ENOSYS;
#endif
}

static void nsm_job_complete(napi_env env, napi_status status, void *data) {
  nsm_job *job = data;
  napi_value outcome = NULL;
  bool ok = false;
  if (status == napi_cancelled) {
    outcome = nitro_errno_error(env, ECANCELED, "ioctl");
  } else if (job->error_number != 0) {
    outcome = nitro_errno_error(env, job->error_number, "ioctl");
  } else if (napi_create_buffer_copy(env, job->response_len, job->response, NULL, &outcome) == napi_ok) {
    ok = true;
  }
  if (outcome == NULL) {
    napi_value message = NULL;
    napi_create_string_utf8(env, "nitro_native: could not build the NSM response", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &outcome);
    ok = false;
  }
  if (ok) napi_resolve_deferred(env, job->deferred, outcome);
  else napi_reject_deferred(env, job->deferred, outcome);
  nsm_job_free(env, job);
}

/* nsmRequest(fd: number, request: Uint8Array, responseCapacity: number): Promise<Buffer> */
static napi_value nsm_request(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NITRO_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "nsmRequest(fd, request, responseCapacity) takes 3 arguments");
    return NULL;
  }
  int32_t fd = 0, capacity = 0;
  if (nitro_get_int32(env, argv[0], 0, INT32_MAX, "fd", &fd) != 0) return NULL;
  bool is_typedarray = false;
  NITRO_CALL(env, napi_is_typedarray(env, argv[1], &is_typedarray));
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void *bytes = NULL;
  if (is_typedarray) NITRO_CALL(env, napi_get_typedarray_info(env, argv[1], &type, &length, &bytes, NULL, NULL));
  if (!is_typedarray || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "request must be a Uint8Array");
    return NULL;
  }
  if (length == 0 || length > NITRO_NSM_REQUEST_COPY_LIMIT) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "request must hold 1 to 65536 bytes");
    return NULL;
  }
  if (nitro_get_int32(env, argv[2], 1, NITRO_NSM_RESPONSE_CAPACITY_LIMIT, "responseCapacity", &capacity) != 0) {
    return NULL;
  }

  nsm_job *job = calloc(1, sizeof *job);
  if (job != NULL) {
    job->request = malloc(length);
    job->response = malloc((size_t)capacity);
  }
  if (job == NULL || job->request == NULL || job->response == NULL) {
    if (job != NULL) nsm_job_free(env, job);
    return nitro_throw_errno(env, ENOMEM, "malloc");
  }
  /* Copied: the JS buffer may move or change while the ioctl runs on another thread. */
  memcpy(job->request, bytes, length);
  job->request_len = length;
  job->response_capacity = (size_t)capacity;
  job->fd = fd;

  napi_value promise = NULL, name = NULL;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "nitro_native.nsmRequest", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, nsm_job_execute, nsm_job_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    /* A deferred that was created but never settled leaks one promise; the process is in trouble anyway. */
    nsm_job_free(env, job);
    nitro_throw_last_napi_error(env, "queueing the NSM request");
    return NULL;
  }
  return promise;
}

/* nsmOpen(path: string): number (a file descriptor, close-on-exec) */
static napi_value nsm_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NITRO_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype type = napi_undefined;
  if (argc >= 1) NITRO_CALL(env, napi_typeof(env, argv[0], &type));
  if (type != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "path must be a string");
    return NULL;
  }
#if NITRO_HAS_NSM
  char path[PATH_MAX];
  size_t length = 0;
  NITRO_CALL(env, napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length));
  if (length == 0 || length >= sizeof path - 1 || strlen(path) != length) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "path must be a non-empty path without NUL bytes");
    return NULL;
  }
  int fd;
  do {
    fd = open(path, O_RDWR | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return nitro_throw_errno(env, errno, "open");
  napi_value result = NULL;
  NITRO_CALL(env, napi_create_int32(env, fd, &result));
  return result;
#else
  return nitro_throw_errno(env, ENOSYS, "open");
#endif
}

/* nsmClose(fd: number): undefined */
static napi_value nsm_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NITRO_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "nsmClose(fd) takes 1 argument");
    return NULL;
  }
  int32_t fd = 0;
  if (nitro_get_int32(env, argv[0], 0, INT32_MAX, "fd", &fd) != 0) return NULL;
#if NITRO_HAS_NSM
  /* No retry on EINTR: on Linux the descriptor is released even then. */
  if (close(fd) != 0 && errno != EINTR) return nitro_throw_errno(env, errno, "close");
  return NULL;
#else
  return nitro_throw_errno(env, ENOSYS, "close");
#endif
}

int nitro_register_nsm(napi_env env, napi_value exports) {
  if (nitro_export_function(env, exports, "nsmOpen", nsm_open) != 0 ||
      nitro_export_function(env, exports, "nsmClose", nsm_close) != 0 ||
      nitro_export_function(env, exports, "nsmRequest", nsm_request) != 0 ||
      nitro_export_number(env, exports, "nsmIoctlRaw", (double)(unsigned long)NITRO_NSM_IOCTL_RAW) != 0 ||
      nitro_export_number(env, exports, "nsmRequestMaxSize", NITRO_NSM_REQUEST_MAX_SIZE) != 0 ||
      nitro_export_number(env, exports, "nsmResponseMaxSize", NITRO_NSM_RESPONSE_MAX_SIZE) != 0 ||
      nitro_export_number(env, exports, "nsmSupported", NITRO_HAS_NSM) != 0) {
    return -1;
  }
  return 0;
}
