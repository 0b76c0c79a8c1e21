/* Seeded buyer mix: see mix.h. Stream names are part of the replay format. */
#include "load/mix.h"

#include <stdio.h>
#include <string.h>

#include "common/check.h"
#include "common/hash.h"
#include "scenario/scenario.h"

static double uniform_between(const struct scenario *sc, const char *stream, int64_t seq,
                              const double range[2])
{
    double u = draw_unit_n(sc->seed, stream, (uint64_t)seq, 0);
    return range[0] + u * (range[1] - range[0]);
}

static void mix_buyer(const struct scenario *sc, int64_t seq, struct mix_order *out)
{
    int64_t block = seq / MIX_BURST_ORDERS;
    if (draw_unit_n(sc->seed, "mix.burst", (uint64_t)block, 0) < sc->buyers.burst_share) {
        out->burst = 1;
        snprintf(out->buyer, sizeof(out->buyer), "k%lld", (long long)block);
        return;
    }
    int64_t pop = sc->buyers.population > 0 ? sc->buyers.population : 1;
    if (draw_unit_n(sc->seed, "mix.repeat", (uint64_t)seq, 0) < sc->buyers.repeat_share) {
        int64_t pool = (int64_t)((double)pop * MIX_REPEAT_POOL_SHARE);
        if (pool < MIX_REPEAT_POOL_MIN)
            pool = MIX_REPEAT_POOL_MIN;
        int64_t n =
            (int64_t)(draw_unit_n(sc->seed, "mix.repeat_buyer", (uint64_t)seq, 0) * (double)pool);
        snprintf(out->buyer, sizeof(out->buyer), "r%06lld", (long long)n);
        return;
    }
    int64_t n = (int64_t)(draw_unit_n(sc->seed, "mix.buyer", (uint64_t)seq, 0) * (double)pop);
    snprintf(out->buyer, sizeof(out->buyer), "b%07lld", (long long)n);
}

/* A SKU by catalog weight, drawn with attempt = line index. */
static int mix_sku(const struct scenario *sc, int64_t seq, int line)
{
    double total = 0.0;
    for (int i = 0; i < sc->sku_count; i++)
        total += sc->catalog[i].weight > 0.0 ? sc->catalog[i].weight : 0.0;
    if (total <= 0.0)
        return (int)(draw_unit_n(sc->seed, "mix.sku", (uint64_t)seq, (uint64_t)line) *
                     sc->sku_count);
    double u = draw_unit_n(sc->seed, "mix.sku", (uint64_t)seq, (uint64_t)line) * total;
    for (int i = 0; i < sc->sku_count; i++) {
        double w = sc->catalog[i].weight > 0.0 ? sc->catalog[i].weight : 0.0;
        if (u < w)
            return i;
        u -= w;
    }
    return sc->sku_count - 1;
}

static void mix_lines(const struct scenario *sc, int64_t seq, struct mix_order *out)
{
    int lines_max = sc->buyers.lines_max > 0 ? sc->buyers.lines_max : 1;
    if (lines_max > SCENARIO_LINES_PER_ORDER_MAX)
        lines_max = SCENARIO_LINES_PER_ORDER_MAX;
    if (lines_max > sc->sku_count)
        lines_max = sc->sku_count;
    int want = 1 + (int)(draw_unit_n(sc->seed, "mix.lines", (uint64_t)seq, 0) * lines_max);
    if (want > lines_max)
        want = lines_max;
    out->line_count = 0;
    /* Bounded: at most 4 draws per wanted line; a repeated SKU is skipped, never merged. */
    for (int attempt = 0; attempt < 4 * want && out->line_count < want; attempt++) {
        int sku = mix_sku(sc, seq, attempt);
        int dup = 0;
        for (int j = 0; j < out->line_count; j++)
            dup |= out->lines[j].sku == sku;
        if (dup)
            continue;
        struct mix_line *l = &out->lines[out->line_count++];
        l->sku = sku;
        l->qty = 1 + (int)(draw_unit_n(sc->seed, "mix.qty", (uint64_t)seq, (uint64_t)attempt) *
                           MIX_QTY_MAX);
        if (l->qty > MIX_QTY_MAX)
            l->qty = MIX_QTY_MAX;
    }
    assert(out->line_count >= 1);
}

void mix_draw(const struct scenario *sc, int64_t seq, struct mix_order *out)
{
    assert(sc != NULL);
    assert(seq >= 0);
    assert(sc->shop_count > 0);
    assert(sc->sku_count > 0);
    memset(out, 0, sizeof(*out));
    out->seq = seq;
    out->shop = (int)(draw_unit_n(sc->seed, "mix.shop", (uint64_t)seq, 0) * sc->shop_count);
    if (out->shop >= sc->shop_count)
        out->shop = sc->shop_count - 1;
    mix_buyer(sc, seq, out);
    mix_lines(sc, seq, out);
    out->unpaid = draw_unit_n(sc->seed, "mix.unpaid", (uint64_t)seq, 0) < sc->buyers.unpaid_share;
    out->pay_delay_ms = 1000.0 * uniform_between(sc, "mix.pay_delay", seq, sc->buyers.pay_delay_s);
    if (!out->unpaid) {
        out->cancel =
            draw_unit_n(sc->seed, "mix.cancel", (uint64_t)seq, 0) < sc->buyers.cancel_share;
        out->cancel_delay_ms =
            1000.0 * uniform_between(sc, "mix.cancel_delay", seq, sc->buyers.cancel_delay_s);
    }
    assert(out->pay_delay_ms >= 0.0);
}
