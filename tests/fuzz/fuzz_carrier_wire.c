/* Fuzz target: mockcarrier's pure request helpers (mocks/carrier): SF timestamps and order
 * references, the Kuaidi100 callback URL check (the only outbound target it accepts must be
 * loopback), the SF msgDigest check in both URL-encoding styles, and the garbled_tracking text
 * and waybill transforms. Byte 0 picks the function; the rest is the input, split at '\n' where
 * a function takes several strings. A digest made over the input must verify; one over a changed
 * msgData must not; a callback URL accepted must be http on 127.0.0.1 or localhost. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carrier/csign.h"
#include "carrier/garble.h"
#include "carrier/kuaidi100.h"
#include "carrier/sf.h"
#include "common/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void split3(char *text, char **a, char **b, char **c)
{
    static char empty[] = "";
    *a = text;
    *b = *c = empty;
    char *nl = strchr(text, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *b = nl + 1;
        nl = strchr(*b, '\n');
        if (nl != NULL) {
            *nl = '\0';
            *c = nl + 1;
        }
    }
}

static void digest(char *text, int style)
{
    char *msg, *ts, *key;
    split3(text, &msg, &ts, &key);
    char d[CSIGN_DIGEST_BYTES_MAX];
    if (csign_sf_digest(msg, ts, key, (enum csign_plus_style)style, d, sizeof(d)) != 0) {
        return;
    }
    assert(csign_sf_digest_ok(msg, ts, key, d) == 1);
    size_t len = strlen(msg);
    if (len > 0) {
        msg[len - 1] = (char)(msg[len - 1] == 'x' ? 'y' : 'x');
        assert(csign_sf_digest_ok(msg, ts, key, d) == 0);
    }
    (void)csign_sf_digest_ok(msg, ts, key, ts); /* any text as the digest */
}

static void callback_url(const char *url)
{
    if (k100_callback_url_ok(url)) {
        assert(strncmp(url, "http://127.0.0.1", 16) == 0 ||
               strncmp(url, "http://localhost", 16) == 0);
        char c = url[16];
        assert(c == ':' || c == '/' || c == '\0');
    }
}

static void garble(const char *text, uint8_t sel)
{
    enum garble_mode m = (enum garble_mode)(sel % 3); /* the text modes */
    assert(garble_mode_is_text(m));
    char *g = garble_text(m, text);
    assert(g != NULL);
    free(g);
    char wb[64];
    size_t n = strlen(text) < sizeof(wb) - 1 ? strlen(text) : sizeof(wb) - 1;
    memcpy(wb, text, n);
    wb[n] = '\0';
    if (garble_waybill(wb) == 0) {
        assert(strlen(wb) < n);
    }
    int idx[16] = {0, 1, 2, 3, 4, 5, 6, 7};
    int count = (int)(sel % 9);
    double u = (double)(sel % 100) / 100.0;
    int got =
        garble_order(sel & 1 ? GARBLE_REPEATED_EVENTS : GARBLE_OUT_OF_ORDER, u, idx, count, 16);
    assert(got == -1 || (got >= count && got <= 16));
    (void)garble_mode_parse(text);
    (void)garble_mode_pick(text, u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    char *text = malloc(size - 1);
    assert(text != NULL);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    switch (data[0] % 6) {
    case 0: {
        int64_t ms = sf_timestamp_ms(text);
        assert(ms >= -1);
        break;
    }
    case 1:
        if (sf_order_ref_ok(text)) {
            assert(strlen(text) >= 1);
            assert(strlen(text) <= 64);
        }
        break;
    case 2: callback_url(text); break;
    case 3: digest(text, data[1] & 1); break;
    case 4: garble(text, data[1]); break;
    default: {
        char *enc = csign_urlencode_plus(text, strlen(text), (enum csign_plus_style)(data[1] & 1));
        assert(enc != NULL);
        free(enc);
        break;
    }
    }
    free(text);
    return 0;
}
