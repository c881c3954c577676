/*
 * AF_VSOCK sockets and fd readiness for the event loop.
 *
 * Why a poll watcher and not a libuv stream: Node's public `net` only adopts descriptors whose family libuv can
 * guess (AF_INET, AF_INET6, AF_UNIX); an AF_VSOCK descriptor is "UNKNOWN" and refused (ERR_INVALID_FD_TYPE). Wrapping
 * it in an internal TCP/Pipe handle works but needs the deprecated `process.binding`. A `uv_poll_t` is libuv's public
 * way to watch any descriptor, so the addon reports readiness and does the non-blocking syscalls, and a JS Duplex
 * does the buffering and backpressure.
 */
#include "socket.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#ifdef __linux__
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <unistd.h>
#define NITRO_HAS_VSOCK 1
#else
#define NITRO_HAS_VSOCK 0
#endif

#define NITRO_POLL_READABLE 1
#define NITRO_POLL_WRITABLE 2

/* ---- argument helpers ---- */

static int get_uint32(napi_env env, napi_value value, const char *what, uint32_t *out) {
  char message[160];
  napi_valuetype type;
  double number = 0;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, value, &number) != napi_ok) {
    snprintf(message, sizeof message, "%s must be an integer", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return -1;
  }
  if (!(number >= 0 && number <= 4294967295.0) || number != (double)(uint32_t)number) {
    snprintf(message, sizeof message, "%s must be an integer in [0, 4294967295]", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return -1;
  }
  *out = (uint32_t)number;
  return 0;
}

static int get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *usage) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    nitro_throw_last_napi_error(env, "napi_get_cb_info");
    return -1;
  }
  if (argc < expected) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", usage);
    return -1;
  }
  return 0;
}

static int get_fd(napi_env env, napi_value value, int32_t *fd) {
  return nitro_get_int32(env, value, 0, INT32_MAX, "fd", fd);
}

/* A writable Buffer/Uint8Array argument. */
static int get_bytes(napi_env env, napi_value value, void **data, size_t *length) {
  bool is_typedarray = false;
  napi_typedarray_type type = napi_int8_array;
  if (napi_is_typedarray(env, value, &is_typedarray) == napi_ok && is_typedarray &&
      napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) == napi_ok && type == napi_uint8_array) {
    return 0;
  }
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "buffer must be a Uint8Array");
  return -1;
}

static napi_value make_int(napi_env env, int64_t value) {
  napi_value result = NULL;
  if (napi_create_int64(env, value, &result) != napi_ok) nitro_throw_last_napi_error(env, "napi_create_int64");
  return result;
}

#if NITRO_HAS_VSOCK

/* ---- AF_VSOCK ---- */

static napi_value vsock_socket_bound(napi_env env, uint32_t cid, uint32_t port, int backlog) {
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nitro_throw_errno(env, errno, "socket");
  struct sockaddr_vm address;
  memset(&address, 0, sizeof address);
  address.svm_family = AF_VSOCK;
  address.svm_cid = cid;
  address.svm_port = port;
  if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    int error_number = errno;
    close(fd);
    return nitro_throw_errno(env, error_number, "bind");
  }
  if (listen(fd, backlog) != 0) {
    int error_number = errno;
    close(fd);
    return nitro_throw_errno(env, error_number, "listen");
  }
  return make_int(env, fd);
}

/* vsockListen(cid, port, backlog): fd of a bound, listening, non-blocking socket */
static napi_value vsock_listen(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (get_args(env, info, 3, argv, "vsockListen(cid, port, backlog) takes 3 arguments") != 0) return NULL;
  uint32_t cid = 0, port = 0;
  int32_t backlog = 0;
  if (get_uint32(env, argv[0], "cid", &cid) != 0 || get_uint32(env, argv[1], "port", &port) != 0 ||
      nitro_get_int32(env, argv[2], 1, 65535, "backlog", &backlog) != 0) {
    return NULL;
  }
  return vsock_socket_bound(env, cid, port, backlog);
}

/*
 * vsockConnect(cid, port): fd of a socket whose non-blocking connect has started. The caller waits until it is
 * writable, then reads the outcome with socketError(fd). Errors known at once (ENODEV: no such CID) are thrown.
 */
static napi_value vsock_connect(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv, "vsockConnect(cid, port) takes 2 arguments") != 0) return NULL;
  uint32_t cid = 0, port = 0;
  if (get_uint32(env, argv[0], "cid", &cid) != 0 || get_uint32(env, argv[1], "port", &port) != 0) return NULL;
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nitro_throw_errno(env, errno, "socket");
  struct sockaddr_vm address;
  memset(&address, 0, sizeof address);
  address.svm_family = AF_VSOCK;
  address.svm_cid = cid;
  address.svm_port = port;
  int rc;
  do {
    rc = connect(fd, (struct sockaddr *)&address, sizeof address);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EINPROGRESS) {
    int error_number = errno;
    close(fd);
    return nitro_throw_errno(env, error_number, "connect");
  }
  return make_int(env, fd);
}

/* vsockLocalAddress(fd): { cid, port } the socket is bound to (the port a VMADDR_PORT_ANY bind was given). */
static napi_value vsock_local_address(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = 0;
  if (get_args(env, info, 1, argv, "vsockLocalAddress(fd) takes 1 argument") != 0 || get_fd(env, argv[0], &fd) != 0) {
    return NULL;
  }
  struct sockaddr_vm address;
  socklen_t length = sizeof address;
  memset(&address, 0, sizeof address);
  if (getsockname(fd, (struct sockaddr *)&address, &length) != 0) return nitro_throw_errno(env, errno, "getsockname");
  if (address.svm_family != AF_VSOCK) return nitro_throw_errno(env, EAFNOSUPPORT, "getsockname");
  napi_value result = NULL, cid = NULL, port = NULL;
  NITRO_CALL(env, napi_create_object(env, &result));
  NITRO_CALL(env, napi_create_uint32(env, address.svm_cid, &cid));
  NITRO_CALL(env, napi_create_uint32(env, address.svm_port, &port));
  NITRO_CALL(env, napi_set_named_property(env, result, "cid", cid));
  NITRO_CALL(env, napi_set_named_property(env, result, "port", port));
  return result;
}

/* ---- any stream socket ---- */

/* socketAccept(fd): a new non-blocking, close-on-exec fd, or -1 when no connection is waiting. */
static napi_value socket_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = 0;
  if (get_args(env, info, 1, argv, "socketAccept(fd) takes 1 argument") != 0 || get_fd(env, argv[0], &fd) != 0) {
    return NULL;
  }
  for (;;) {
    int client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client >= 0) return make_int(env, client);
    /* A peer that left between readiness and accept is not the listener's failure. */
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_int(env, -1);
    return nitro_throw_errno(env, errno, "accept4");
  }
}

/* socketError(fd): the pending SO_ERROR (0 when none): how a non-blocking connect ended. */
static napi_value socket_error(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = 0;
  if (get_args(env, info, 1, argv, "socketError(fd) takes 1 argument") != 0 || get_fd(env, argv[0], &fd) != 0) {
    return NULL;
  }
  int error_number = 0;
  socklen_t length = sizeof error_number;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error_number, &length) != 0) {
    return nitro_throw_errno(env, errno, "getsockopt");
  }
  if (error_number == 0) return make_int(env, 0);
  /* The errno name travels as an Error the caller may throw. */
  return nitro_errno_error(env, error_number, "connect");
}

/* socketRead(fd, buffer): bytes read into buffer, 0 at end of stream, -1 when nothing is ready. */
static napi_value socket_read(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = 0;
  void *data = NULL;
  size_t length = 0;
  if (get_args(env, info, 2, argv, "socketRead(fd, buffer) takes 2 arguments") != 0 || get_fd(env, argv[0], &fd) != 0 ||
      get_bytes(env, argv[1], &data, &length) != 0) {
    return NULL;
  }
  for (;;) {
    ssize_t n = read(fd, data, length);
    if (n >= 0) return make_int(env, n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_int(env, -1);
    return nitro_throw_errno(env, errno, "read");
  }
}

/* socketWrite(fd, buffer): bytes written (maybe fewer than asked), -1 when the socket buffer is full. */
static napi_value socket_write(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = 0;
  void *data = NULL;
  size_t length = 0;
  if (get_args(env, info, 2, argv, "socketWrite(fd, buffer) takes 2 arguments") != 0 ||
      get_fd(env, argv[0], &fd) != 0 || get_bytes(env, argv[1], &data, &length) != 0) {
    return NULL;
  }
  for (;;) {
    /* MSG_NOSIGNAL: a closed peer is an EPIPE error here, never a SIGPIPE for the process. */
    ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
    if (n >= 0) return make_int(env, n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_int(env, -1);
    return nitro_throw_errno(env, errno, "send");
  }
}

/* socketShutdown(fd): no more writes (the peer reads end of stream); reading continues. */
static napi_value socket_shutdown(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = 0;
  if (get_args(env, info, 1, argv, "socketShutdown(fd) takes 1 argument") != 0 || get_fd(env, argv[0], &fd) != 0) {
    return NULL;
  }
  if (shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN) return nitro_throw_errno(env, errno, "shutdown");
  return NULL;
}

/* socketClose(fd). Stop its poll watcher first: libuv must not watch a closed descriptor. */
static napi_value socket_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = 0;
  if (get_args(env, info, 1, argv, "socketClose(fd) takes 1 argument") != 0 || get_fd(env, argv[0], &fd) != 0) {
    return NULL;
  }
  /* No retry on EINTR: on Linux the descriptor is released even then. */
  if (close(fd) != 0 && errno != EINTR) return nitro_throw_errno(env, errno, "close");
  return NULL;
}

/* socketPair(): two connected AF_UNIX stream fds, so the JS stream over these calls can be tested off Nitro. */
static napi_value socket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    return nitro_throw_errno(env, errno, "socketpair");
  }
  napi_value result = NULL, first = NULL, second = NULL;
  NITRO_CALL(env, napi_create_array_with_length(env, 2, &result));
  NITRO_CALL(env, napi_create_int32(env, fds[0], &first));
  NITRO_CALL(env, napi_create_int32(env, fds[1], &second));
  NITRO_CALL(env, napi_set_element(env, result, 0, first));
  NITRO_CALL(env, napi_set_element(env, result, 1, second));
  return result;
}

#else /* not Linux: every call fails with ENOSYS */

static napi_value unsupported(napi_env env, napi_callback_info info) {
  (void)info;
  return nitro_throw_errno(env, ENOSYS, "socket");
}
#define vsock_listen unsupported
#define vsock_connect unsupported
#define vsock_local_address unsupported
#define socket_accept unsupported
#define socket_error unsupported
#define socket_read unsupported
#define socket_write unsupported
#define socket_shutdown unsupported
#define socket_close unsupported
#define socket_pair unsupported

#endif

/* ---- poll watcher ---- */

/*
 * Lifetime: the JS side holds an External; the watcher lives until both the uv handle is closed (pollClose or the
 * External's finalizer start that) and the External is finalized.
 */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async_context;
  bool closing;   /* uv_close requested */
  bool closed;    /* uv close callback ran */
  bool finalized; /* External collected */
} poll_watcher;

static void poll_watcher_closed(uv_handle_t *handle) {
  poll_watcher *watcher = handle->data;
  watcher->closed = true;
  if (watcher->finalized) free(watcher);
}

static void poll_watcher_close(poll_watcher *watcher) {
  if (watcher->closing) return;
  watcher->closing = true;
  if (watcher->callback != NULL) napi_delete_reference(watcher->env, watcher->callback);
  if (watcher->async_context != NULL) napi_async_destroy(watcher->env, watcher->async_context);
  watcher->callback = NULL;
  watcher->async_context = NULL;
  uv_close((uv_handle_t *)&watcher->poll, poll_watcher_closed);
}

static void poll_watcher_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  poll_watcher *watcher = data;
  watcher->finalized = true;
  if (!watcher->closing) poll_watcher_close(watcher);
  else if (watcher->closed) free(watcher);
}

/* Runs on the loop thread: calls callback(status, events) as an async callback (microtasks drain after it).
 * napi_make_callback needs an object receiver, hence the global object. */
static void poll_watcher_fired(uv_poll_t *handle, int status, int events) {
  poll_watcher *watcher = handle->data;
  if (watcher->closing || watcher->callback == NULL) return;
  napi_env env = watcher->env;
  napi_handle_scope scope = NULL;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback = NULL, receiver = NULL, argv[2], result = NULL;
  int js_events = ((events & UV_READABLE) ? NITRO_POLL_READABLE : 0) |
                  ((events & UV_WRITABLE) ? NITRO_POLL_WRITABLE : 0) | ((events & UV_DISCONNECT) ? 4 : 0);
  if (napi_get_reference_value(env, watcher->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &receiver) == napi_ok && napi_create_int32(env, status, &argv[0]) == napi_ok &&
      napi_create_int32(env, js_events, &argv[1]) == napi_ok) {
    if (napi_make_callback(env, watcher->async_context, receiver, callback, 2, argv, &result) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value error = NULL;
        napi_get_and_clear_last_exception(env, &error);
        napi_fatal_exception(env, error);
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

static poll_watcher *get_watcher(napi_env env, napi_value value) {
  void *data = NULL;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "watcher must come from pollOpen");
    return NULL;
  }
  return data;
}

/* pollOpen(fd, callback(status, events)): a watcher, initially watching nothing. */
static napi_value poll_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = 0;
  if (get_args(env, info, 2, argv, "pollOpen(fd, callback) takes 2 arguments") != 0 || get_fd(env, argv[0], &fd) != 0) {
    return NULL;
  }
  napi_valuetype type;
  NITRO_CALL(env, napi_typeof(env, argv[1], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return NULL;
  }
  uv_loop_t *loop = NULL;
  NITRO_CALL(env, napi_get_uv_event_loop(env, &loop));
  poll_watcher *watcher = calloc(1, sizeof *watcher);
  if (watcher == NULL) return nitro_throw_errno(env, ENOMEM, "calloc");
  int rc = uv_poll_init(loop, &watcher->poll, fd);
  if (rc != 0) {
    free(watcher);
    return nitro_throw_errno(env, -rc, "uv_poll_init");
  }
  watcher->poll.data = watcher;
  watcher->env = env;
  napi_value name = NULL, resource = NULL, external = NULL;
  if (napi_create_reference(env, argv[1], 1, &watcher->callback) != napi_ok ||
      napi_create_string_utf8(env, "nitro_native.poll", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_object(env, &resource) != napi_ok ||
      napi_async_init(env, resource, name, &watcher->async_context) != napi_ok ||
      napi_create_external(env, watcher, poll_watcher_finalize, NULL, &external) != napi_ok) {
    watcher->finalized = true; /* no External owns it: free on close */
    poll_watcher_close(watcher);
    nitro_throw_last_napi_error(env, "creating a poll watcher");
    return NULL;
  }
  return external;
}

/* pollSet(watcher, events): watch for READABLE (1) and/or WRITABLE (2); 0 stops watching. */
static napi_value poll_set(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (get_args(env, info, 2, argv, "pollSet(watcher, events) takes 2 arguments") != 0) return NULL;
  poll_watcher *watcher = get_watcher(env, argv[0]);
  int32_t events = 0;
  if (watcher == NULL || nitro_get_int32(env, argv[1], 0, 3, "events", &events) != 0) return NULL;
  if (watcher->closing) return nitro_throw_errno(env, EBADF, "uv_poll_start");
  int rc = 0;
  if (events == 0) {
    rc = uv_poll_stop(&watcher->poll);
  } else {
    int uv_events = ((events & NITRO_POLL_READABLE) ? UV_READABLE | UV_DISCONNECT : 0) |
                    ((events & NITRO_POLL_WRITABLE) ? UV_WRITABLE : 0);
    rc = uv_poll_start(&watcher->poll, uv_events, poll_watcher_fired);
  }
  if (rc != 0) return nitro_throw_errno(env, -rc, "uv_poll_start");
  return NULL;
}

/* pollClose(watcher): stops watching for good. Call before closing the descriptor. */
static napi_value poll_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv, "pollClose(watcher) takes 1 argument") != 0) return NULL;
  poll_watcher *watcher = get_watcher(env, argv[0]);
  if (watcher == NULL) return NULL;
  poll_watcher_close(watcher);
  return NULL;
}

int nitro_register_socket(napi_env env, napi_value exports) {
#if NITRO_HAS_VSOCK
  const double cid_any = VMADDR_CID_ANY, port_any = VMADDR_PORT_ANY;
#else
  const double cid_any = 4294967295.0, port_any = 4294967295.0;
#endif
  if (nitro_export_function(env, exports, "vsockListen", vsock_listen) != 0 ||
      nitro_export_function(env, exports, "vsockConnect", vsock_connect) != 0 ||
      nitro_export_function(env, exports, "vsockLocalAddress", vsock_local_address) != 0 ||
      nitro_export_function(env, exports, "socketAccept", socket_accept) != 0 ||
      nitro_export_function(env, exports, "socketError", socket_error) != 0 ||
      nitro_export_function(env, exports, "socketRead", socket_read) != 0 ||
      nitro_export_function(env, exports, "socketWrite", socket_write) != 0 ||
      nitro_export_function(env, exports, "socketShutdown", socket_shutdown) != 0 ||
      nitro_export_function(env, exports, "socketClose", socket_close) != 0 ||
      nitro_export_function(env, exports, "socketPair", socket_pair) != 0 ||
      nitro_export_function(env, exports, "pollOpen", poll_open) != 0 ||
      nitro_export_function(env, exports, "pollSet", poll_set) != 0 ||
      nitro_export_function(env, exports, "pollClose", poll_close) != 0 ||
      nitro_export_number(env, exports, "vsockSupported", NITRO_HAS_VSOCK) != 0 ||
      nitro_export_number(env, exports, "vsockCidAny", cid_any) != 0 ||
      nitro_export_number(env, exports, "vsockPortAny", port_any) != 0) {
    return -1;
  }
  return 0;
}
