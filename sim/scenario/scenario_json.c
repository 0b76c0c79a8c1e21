/* scenario_to_json: the scenario as run, every default written out, so that
 * scenario_parse(scenario_to_json(x)) == x (a results folder's scenario.json replays exactly). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

#define NUM_TEXT_BYTES_MAX 32

/* The shortest "%.Ng" that reads back as exactly v: cJSON's own printer accepts a value within
 * an epsilon, which would break parse(to_json(x)) == x for large integers such as a seed. */
static cJSON *exact_number(double v)
{
    assert(isfinite(v));
    char text[NUM_TEXT_BYTES_MAX];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof(text), "%.*g", digits, v);
        if (strtod(text, NULL) == v)
            break;
    }
    return cJSON_CreateRaw(text);
}

static void add_num(cJSON *obj, const char *key, double v)
{
    cJSON_AddItemToObject(obj, key, exact_number(v));
}

static void add_pair(cJSON *obj, const char *key, double lo, double hi)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    cJSON_AddItemToArray(arr, exact_number(lo));
    cJSON_AddItemToArray(arr, exact_number(hi));
}

static void add_head(cJSON *root, const struct scenario *sc)
{
    cJSON_AddStringToObject(root, "name", sc->name);
    cJSON_AddStringToObject(root, "description", sc->description);
    add_num(root, "seed", (double)sc->seed);
    cJSON *sim = cJSON_AddObjectToObject(root, "sim");
    add_num(sim, "duration_s", sc->duration_s);
    add_num(sim, "time_scale", sc->time_scale);
    add_num(sim, "drain_s", sc->drain_s);
    cJSON *shops = cJSON_AddArrayToObject(root, "shops");
    for (int i = 0; i < sc->shop_group_count; i++) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "id", sc->shop_groups[i].id);
        cJSON_AddStringToObject(g, "flavor", flavor_name(sc->shop_groups[i].flavor));
        add_num(g, "count", sc->shop_groups[i].count);
        cJSON_AddItemToArray(shops, g);
    }
    cJSON *car = cJSON_AddObjectToObject(root, "carriers");
    cJSON_AddStringToObject(car, "primary", sc->carrier_primary);
    cJSON_AddStringToObject(car, "backup", sc->carrier_backup);
    cJSON *en = cJSON_AddArrayToObject(car, "enabled");
    for (int i = 0; i < sc->carrier_count; i++)
        cJSON_AddItemToArray(en, cJSON_CreateString(sc->carriers_enabled[i]));
}

static void add_goods_and_load(cJSON *root, const struct scenario *sc)
{
    cJSON *cat = cJSON_AddArrayToObject(root, "catalog");
    for (int i = 0; i < sc->sku_count; i++) {
        const struct sku *s = &sc->catalog[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "sku", s->sku);
        add_num(o, "stock", (double)s->stock);
        add_num(o, "daily_mean_sales", s->daily_mean_sales);
        add_num(o, "weight", s->weight);
        cJSON_AddStringToObject(o, "ship_delay", ship_delay_name(s->ship_delay));
        cJSON_AddItemToArray(cat, o);
    }
    cJSON *stages = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "load"), "stages");
    for (int i = 0; i < sc->stage_count; i++) {
        cJSON *o = cJSON_CreateObject();
        add_num(o, "ramp_to_per_s", sc->stages[i].ramp_to_per_s);
        add_num(o, "sim_s", sc->stages[i].sim_s);
        cJSON_AddItemToArray(stages, o);
    }
    const struct buyer_mix *b = &sc->buyers;
    cJSON *bo = cJSON_AddObjectToObject(root, "buyers");
    add_num(bo, "population", (double)b->population);
    add_num(bo, "repeat_share", b->repeat_share);
    add_num(bo, "unpaid_share", b->unpaid_share);
    add_num(bo, "cancel_share", b->cancel_share);
    add_num(bo, "burst_share", b->burst_share);
    add_num(bo, "lines_max", b->lines_max);
    add_pair(bo, "pay_delay_s", b->pay_delay_s[0], b->pay_delay_s[1]);
    add_pair(bo, "cancel_delay_s", b->cancel_delay_s[0], b->cancel_delay_s[1]);
    const struct parcel_mix *p = &sc->parcels;
    cJSON *po = cJSON_AddObjectToObject(root, "parcels");
    add_pair(po, "pickup_s", p->pickup_s[0], p->pickup_s[1]);
    add_pair(po, "hop_s", p->hop_s[0], p->hop_s[1]);
    add_pair(po, "hops", p->hops[0], p->hops[1]);
    add_num(po, "problem_share", p->problem_share);
    add_num(po, "refuse_share", p->refuse_share);
    add_num(po, "return_share", p->return_share);
}

/* Only the parameters of the rule's kind: the loader rejects the others. */
static void add_fault_params(cJSON *o, const struct fault_rule *f)
{
    switch (f->kind) {
    case FAULT_LATENCY:
        cJSON_AddStringToObject(o, "dist", latency_dist_name(f->dist));
        add_num(o, "delay_ms", f->delay_ms);
        if (f->dist != LATENCY_FIXED)
            add_num(o, "delay_ms_max", f->delay_ms_max);
        break;
    case FAULT_STALE_CACHE: add_num(o, "max_age_s", f->max_age_s); break;
    case FAULT_RATE_LIMIT: add_num(o, "rate_per_s", f->rate_per_s); break;
    case FAULT_TRACKING_STALL: add_num(o, "duration_s", f->duration_s); break;
    case FAULT_ERROR: add_num(o, "status", f->status); break;
    case FAULT_STOCK_DRIFT: add_num(o, "drift_units", (double)f->drift_units); break;
    default: break;
    }
    if (f->mode[0] != '\0')
        cJSON_AddStringToObject(o, "mode", f->mode);
}

static void add_faults_and_crashes(cJSON *root, const struct scenario *sc)
{
    cJSON *faults = cJSON_AddArrayToObject(root, "faults");
    for (int i = 0; i < sc->fault_count; i++) {
        const struct fault_rule *f = &sc->faults[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", fault_kind_name(f->kind));
        cJSON_AddStringToObject(o, "target", f->target);
        if (f->shop[0] != '\0')
            cJSON_AddStringToObject(o, "shop", f->shop);
        if (f->carrier[0] != '\0')
            cJSON_AddStringToObject(o, "carrier", f->carrier);
        add_num(o, "probability", f->probability);
        add_pair(o, "window_s", f->window_s[0], f->window_s[1]);
        add_num(o, "attempts", f->attempts);
        add_fault_params(o, f);
        cJSON_AddItemToArray(faults, o);
    }
    /* crashes as the expanded, sorted events */
    cJSON *crashes = cJSON_AddArrayToObject(root, "crashes");
    for (int i = 0; i < sc->crash_count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "process", crash_process_name(sc->crashes[i].process));
        add_num(o, "at_s", sc->crashes[i].at_s);
        add_num(o, "restart_after_s", sc->crashes[i].restart_after_s);
        cJSON_AddItemToArray(crashes, o);
    }
    cJSON *sla = cJSON_AddObjectToObject(root, "sla");
    add_num(sla, "ship_within_s", sc->sla_ship_within_s);
    add_num(sla, "deliver_within_s", sc->sla_deliver_within_s);
    cJSON *th = cJSON_AddObjectToObject(root, "thresholds");
    for (int i = 0; i < sc->threshold_count; i++)
        cJSON_AddStringToObject(th, sc->thresholds[i].figure, sc->thresholds[i].text);
}

char *scenario_to_json(const struct scenario *sc)
{
    assert(sc != NULL);
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    add_head(root, sc);
    add_goods_and_load(root, sc);
    add_faults_and_crashes(root, sc);
    /* cJSON prints each double with enough digits to read back the same value */
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (text == NULL)
        return NULL;
    /* hand back plain malloc'd memory (cJSON's allocator may be hooked) */
    char *out = strdup(text);
    cJSON_free(text);
    return out;
}
