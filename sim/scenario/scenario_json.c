/* scenario_to_json: the scenario as run, every default written out, so that
 * scenario_parse(scenario_to_json(x)) == x (a results folder's scenario.json replays exactly). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

static void add_pair(cJSON *obj, const char *key, double lo, double hi)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(lo));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(hi));
}

static void add_head(cJSON *root, const struct scenario *sc)
{
    cJSON_AddStringToObject(root, "name", sc->name);
    cJSON_AddStringToObject(root, "description", sc->description);
    cJSON_AddNumberToObject(root, "seed", (double)sc->seed);
    cJSON *sim = cJSON_AddObjectToObject(root, "sim");
    cJSON_AddNumberToObject(sim, "duration_s", sc->duration_s);
    cJSON_AddNumberToObject(sim, "time_scale", sc->time_scale);
    cJSON_AddNumberToObject(sim, "drain_s", sc->drain_s);
    cJSON *shops = cJSON_AddArrayToObject(root, "shops");
    for (int i = 0; i < sc->shop_group_count; i++) {
        cJSON *g = cJSON_CreateObject();
        cJSON_AddStringToObject(g, "id", sc->shop_groups[i].id);
        cJSON_AddStringToObject(g, "flavor", flavor_name(sc->shop_groups[i].flavor));
        cJSON_AddNumberToObject(g, "count", sc->shop_groups[i].count);
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
        cJSON_AddNumberToObject(o, "stock", (double)s->stock);
        cJSON_AddNumberToObject(o, "daily_mean_sales", s->daily_mean_sales);
        cJSON_AddNumberToObject(o, "weight", s->weight);
        cJSON_AddStringToObject(o, "ship_delay", ship_delay_name(s->ship_delay));
        cJSON_AddItemToArray(cat, o);
    }
    cJSON *stages = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "load"), "stages");
    for (int i = 0; i < sc->stage_count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "ramp_to_per_s", sc->stages[i].ramp_to_per_s);
        cJSON_AddNumberToObject(o, "sim_s", sc->stages[i].sim_s);
        cJSON_AddItemToArray(stages, o);
    }
    const struct buyer_mix *b = &sc->buyers;
    cJSON *bo = cJSON_AddObjectToObject(root, "buyers");
    cJSON_AddNumberToObject(bo, "population", (double)b->population);
    cJSON_AddNumberToObject(bo, "repeat_share", b->repeat_share);
    cJSON_AddNumberToObject(bo, "unpaid_share", b->unpaid_share);
    cJSON_AddNumberToObject(bo, "cancel_share", b->cancel_share);
    cJSON_AddNumberToObject(bo, "burst_share", b->burst_share);
    cJSON_AddNumberToObject(bo, "lines_max", b->lines_max);
    add_pair(bo, "pay_delay_s", b->pay_delay_s[0], b->pay_delay_s[1]);
    add_pair(bo, "cancel_delay_s", b->cancel_delay_s[0], b->cancel_delay_s[1]);
    const struct parcel_mix *p = &sc->parcels;
    cJSON *po = cJSON_AddObjectToObject(root, "parcels");
    add_pair(po, "pickup_s", p->pickup_s[0], p->pickup_s[1]);
    add_pair(po, "hop_s", p->hop_s[0], p->hop_s[1]);
    add_pair(po, "hops", p->hops[0], p->hops[1]);
    cJSON_AddNumberToObject(po, "problem_share", p->problem_share);
    cJSON_AddNumberToObject(po, "refuse_share", p->refuse_share);
    cJSON_AddNumberToObject(po, "return_share", p->return_share);
}

/* Only the parameters of the rule's kind: the loader rejects the others. */
static void add_fault_params(cJSON *o, const struct fault_rule *f)
{
    switch (f->kind) {
    case FAULT_LATENCY:
        cJSON_AddStringToObject(o, "dist", latency_dist_name(f->dist));
        cJSON_AddNumberToObject(o, "delay_ms", f->delay_ms);
        if (f->dist != LATENCY_FIXED)
            cJSON_AddNumberToObject(o, "delay_ms_max", f->delay_ms_max);
        break;
    case FAULT_STALE_CACHE: cJSON_AddNumberToObject(o, "max_age_s", f->max_age_s); break;
    case FAULT_RATE_LIMIT: cJSON_AddNumberToObject(o, "rate_per_s", f->rate_per_s); break;
    case FAULT_TRACKING_STALL: cJSON_AddNumberToObject(o, "duration_s", f->duration_s); break;
    case FAULT_ERROR: cJSON_AddNumberToObject(o, "status", f->status); break;
    case FAULT_STOCK_DRIFT:
        cJSON_AddNumberToObject(o, "drift_units", (double)f->drift_units);
        break;
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
        cJSON_AddNumberToObject(o, "probability", f->probability);
        add_pair(o, "window_s", f->window_s[0], f->window_s[1]);
        cJSON_AddNumberToObject(o, "attempts", f->attempts);
        add_fault_params(o, f);
        cJSON_AddItemToArray(faults, o);
    }
    /* crashes as the expanded, sorted events */
    cJSON *crashes = cJSON_AddArrayToObject(root, "crashes");
    for (int i = 0; i < sc->crash_count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "process", crash_process_name(sc->crashes[i].process));
        cJSON_AddNumberToObject(o, "at_s", sc->crashes[i].at_s);
        cJSON_AddNumberToObject(o, "restart_after_s", sc->crashes[i].restart_after_s);
        cJSON_AddItemToArray(crashes, o);
    }
    cJSON *sla = cJSON_AddObjectToObject(root, "sla");
    cJSON_AddNumberToObject(sla, "ship_within_s", sc->sla_ship_within_s);
    cJSON_AddNumberToObject(sla, "deliver_within_s", sc->sla_deliver_within_s);
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
