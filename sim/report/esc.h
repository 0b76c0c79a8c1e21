/* Escaping text for XML and HTML output. Invalid UTF-8 and control characters that XML 1.0
 * forbids are written as U+FFFD, so garbled tracking text (the garbled_tracking fault) can be shown
 * without breaking junit.xml or report.html. */
#ifndef SHIPSIM_REPORT_ESC_H
#define SHIPSIM_REPORT_ESC_H

#include <stdio.h>

/* Write s escaped (& < > " ') to f. Returns 0 or -1 on a write error. */
int esc_write(FILE *f, const char *s);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s does not start one. */
int esc_utf8_len(const unsigned char *s);

#endif
