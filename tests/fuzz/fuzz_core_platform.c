/* Fuzz target: syncd's platform response parsers (sim/core/shopee.c, wechat.c): list pages,
 * order details, ship answers and stock answers (get and set) of both flavors, for any body and
 * HTTP status. Byte 0 picks the
 * parser, byte 1 the status, the rest is the body. Every answer must be understood (0) or refused
 * as malformed (-1, outcome CALL_RETRY), with counts within their arrays and every string
 * NUL-terminated in its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/check.h"
#include "core/plat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = {200, 400, 403, 404, 429, 500, 503, 0};

static struct plat_page page;
static struct plat_order orders[PLAT_DETAIL_BATCH_MAX];

static void check_outcome(int rc, const struct call_outcome *o)
{
    assert(rc == 0 || rc == -1);
    assert(memchr(o->text, '\0', sizeof(o->text)) != NULL);
    if (rc != 0) {
        assert(o->result == CALL_RETRY);
    }
}

static void check_page(const struct plat_page *p)
{
    assert(p->n >= 0);
    assert(p->n <= PLAT_PAGE_SIZE);
    for (int i = 0; i < p->n; i++) {
        assert(memchr(p->ids[i], '\0', sizeof(p->ids[i])) != NULL);
        assert(memchr(p->status[i], '\0', sizeof(p->status[i])) != NULL);
    }
    assert(memchr(p->next_cursor, '\0', sizeof(p->next_cursor)) != NULL);
}

static void check_order(const struct plat_order *po)
{
    assert(memchr(po->order_id, '\0', sizeof(po->order_id)) != NULL);
    assert(memchr(po->status, '\0', sizeof(po->status)) != NULL);
    assert(memchr(po->buyer, '\0', sizeof(po->buyer)) != NULL);
    assert(memchr(po->lines, '\0', sizeof(po->lines)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    int which = data[0] % 10;
    long status = statuses[data[1] % ARRAY_LEN(statuses)];
    /* The parsers get the body as the HTTP client hands it: NUL-terminated after len bytes. */
    size_t len = size - 2;
    char *body = malloc(len + 1);
    assert(body != NULL);
    memcpy(body, data + 2, len);
    body[len] = '\0';
    struct call_outcome o;
    memset(&o, 0, sizeof(o));
    memset(&page, 0, sizeof(page));
    int n = 0, rc;
    int64_t listed = -1;
    switch (which) {
    case 0:
        rc = shopee_parse_page(body, len, status, &page, &o);
        check_outcome(rc, &o);
        if (rc == 0) {
            check_page(&page);
        }
        break;
    case 1:
        rc = shopee_parse_detail(body, len, status, orders, PLAT_DETAIL_BATCH_MAX, &n, &o);
        check_outcome(rc, &o);
        if (rc == 0) {
            assert(n >= 0);
            assert(n <= PLAT_DETAIL_BATCH_MAX);
            for (int i = 0; i < n; i++) {
                check_order(&orders[i]);
            }
        }
        break;
    case 2: check_outcome(shopee_parse_ship(body, len, status, &o), &o); break;
    case 3:
        rc = wechat_parse_page(body, len, &page, &o);
        check_outcome(rc, &o);
        if (rc == 0) {
            check_page(&page);
        }
        break;
    case 4:
        rc = wechat_parse_detail(body, len, &orders[0], &o);
        check_outcome(rc, &o);
        if (rc == 0) {
            check_order(&orders[0]);
        }
        break;
    case 5: check_outcome(wechat_parse_ship(body, len, &o), &o); break;
    case 6:
    case 8:
        rc = which == 6 ? shopee_parse_stock(body, len, status, &listed, &o)
                        : wechat_parse_stock(body, len, &listed, &o);
        check_outcome(rc, &o);
        if (rc == 0 && o.result == CALL_OK) {
            assert(listed >= 0); /* a stock read that succeeded names a count */
        }
        break;
    case 7: check_outcome(shopee_parse_stock(body, len, status, NULL, &o), &o); break;
    default: check_outcome(wechat_parse_stock(body, len, NULL, &o), &o); break;
    }
    free(body);
    return 0;
}
