/* Fuzz target: hdr_decode, the text form in which histograms travel between processes. Bad
 * text gives -1; text it accepts re-encodes and decodes to the same counts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "common/hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    assert(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    struct hdr *h = hdr_new();
    struct hdr *back = hdr_new();
    assert(h != NULL);
    assert(back != NULL);
    if (hdr_decode(h, text) == 0) {
        (void)hdr_percentile(h, 99.0);
        (void)hdr_mean(h);
        char *enc = hdr_encode(h);
        assert(enc != NULL);
        assert(hdr_decode(back, enc) == 0);
        assert(hdr_count(back) == hdr_count(h));
        assert(hdr_max(back) == hdr_max(h));
        free(enc);
    }
    hdr_free(back);
    hdr_free(h);
    free(text);
    return 0;
}
