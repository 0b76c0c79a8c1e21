/* Assertions that stay on in every build (NDEBUG is never set for shipsim). A failed one prints
 * file:line and the expression, then aborts so a sanitizer or core dump shows the stack. */
#ifndef SHIPSIM_CHECK_H
#define SHIPSIM_CHECK_H

#include <assert.h>

#ifdef NDEBUG
#error "shipsim keeps assertions on: do not build with NDEBUG"
#endif

#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#if defined(__GNUC__)
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define WARN_UNUSED_RESULT
#define PRINTF_LIKE(f, a)
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
