/* Status codes and the per-thread error handler. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "deqnn/status.h"
#include "core/check.h"

static const char *const messages[DEQ_NSTATUS] = {
  "success", "invalid parameter", "iteration cap reached", "tolerance not reached",
  "wrong branch of the Stieltjes transform", "non-finite function value",
  "out of memory", "input/output error", "malformed file", "infinite value"
};

static const char *const names[DEQ_NSTATUS] = {
  "ok", "einval", "emaxiter", "etol", "ebranch", "ebadfunc", "enomem", "eio",
  "eformat", "ediverge"
};

static _Thread_local deq_error_handler_t *current_handler = NULL;

const char *deq_strerror(int status)
{
  if (status < 0 || status >= DEQ_NSTATUS)
    return "unknown status";
  return messages[status];
}

const char *deq_status_name(int status)
{
  if (status < 0 || status >= DEQ_NSTATUS)
    return "unknown";
  return names[status];
}

int deq_status_from_name(const char *name)
{
  DEQ_REQUIRE_RET(name != NULL, -1, "%s: name must not be NULL", __func__);
  for (int k = 0; k < DEQ_NSTATUS; k++)
    if (strcmp(name, names[k]) == 0)
      return k;
  return -1;
}

deq_error_handler_t *deq_set_error_handler(deq_error_handler_t *handler)
{
  deq_error_handler_t *old = current_handler;
  current_handler = handler;
  return old;
}

void deq_error(const char *reason, const char *file, int line, int status)
{
  if (reason == NULL)
    reason = "(no message)";
  if (file == NULL)
    file = "(unknown file)";
  if (current_handler != NULL)
    current_handler(reason, file, line, status);
}

void deq_errorf(const char *file, int line, int status, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  if (fmt == NULL) {
    deq_error(NULL, file, line, status);
    return;
  }
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  deq_error(buf, file, line, status);
}
