/* Parcel lifecycle planning and rendering: see parcel.h. */
#include "carrier/parcel.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"

#define CHINA_OFFSET_S (8 * 3600)

struct city {
    const char *city;   /* "广东省深圳市" */
    const char *outlet; /* last-mile and first-mile point */
    const char *hub;    /* sorting centre */
};

static const struct city cities[] = {
    {"广东省深圳市", "深圳市南山区科技园营业点", "深圳华南中转场"},
    {"广东省广州市", "广州市天河区体育西营业点", "广州白云转运中心"},
    {"浙江省杭州市", "杭州市余杭区仓前营业点", "杭州萧山转运中心"},
    {"浙江省金华市", "义乌市稠城营业点", "义乌转运中心"},
    {"上海市", "上海市浦东新区张江营业点", "上海青浦转运中心"},
    {"北京市", "北京市朝阳区望京营业点", "北京顺义集散中心"},
    {"湖北省武汉市", "武汉市洪山区光谷营业点", "武汉转运中心"},
    {"四川省成都市", "成都市高新区天府营业点", "成都双流转运中心"},
    {"江苏省南京市", "南京市鼓楼区湖南路营业点", "南京转运中心"},
    {"湖南省长沙市", "长沙市岳麓区麓谷营业点", "长沙黄花转运中心"},
    {"陕西省西安市", "西安市雁塔区小寨营业点", "西安转运中心"},
    {"河南省郑州市", "郑州市金水区花园路营业点", "郑州转运中心"},
};
#define ORIGIN_CITIES 5 /* merchants ship from the first five (the southern and eastern hubs) */
#define CITY_COUNT ((int)ARRAY_LEN(cities))
/* place index = city * 2 + (0 outlet, 1 hub) */
#define PLACE(city, hub) ((uint8_t)((city)*2 + (hub)))

static const char *const couriers[] = {"王师傅", "李师傅", "张师傅", "刘师傅", "陈师傅", "杨师傅"};
static const char *const problems[] = {"地址不详", "收件人电话无法接通", "超出派送范围"};
static const char *const refusals[] = {"收件人拒收", "商品与描述不符，收件人拒收"};

struct planner {
    const struct parcel_mix *mix;
    uint64_t seed;
    const char *waybill;
    uint64_t n; /* draw counter */
    int64_t t;  /* current sim ms */
    struct parcel_plan *p;
};

static double u_next(struct planner *pl)
{
    return draw_unit(pl->seed, "parcel", pl->waybill, pl->n++);
}

static int64_t span_ms(struct planner *pl, const double range_s[2])
{
    double lo = range_s[0], hi = range_s[1] > range_s[0] ? range_s[1] : range_s[0];
    return (int64_t)((lo + (hi - lo) * u_next(pl)) * 1000.0);
}

static void add(struct planner *pl, enum parcel_ev_kind kind, int state, int opcode, uint8_t place,
                uint8_t place2)
{
    struct parcel_plan *p = pl->p;
    assert(p->count < PARCEL_EVENTS_MAX);
    struct parcel_event *e = &p->ev[p->count++];
    e->sim_ms = pl->t;
    e->kind = (uint8_t)kind;
    e->state = (int8_t)state;
    e->opcode = (int16_t)opcode;
    e->place = place;
    e->place2 = place2;
}

/* Transit from place a to place b over `hops` events, alternating departures and arrivals via
 * the hubs. Returns the place reached. Used for the outward and the return leg. */
static uint8_t leg(struct planner *pl, int hops, uint8_t from, uint8_t to, int returning)
{
    uint8_t at = from;
    for (int h = 0; h < hops; h++) {
        pl->t += span_ms(pl, pl->mix->hop_s);
        int last = h == hops - 1;
        uint8_t next;
        if (last)
            next = to;
        else if (h == 0)
            next = (uint8_t)(from | 1); /* the origin city's hub */
        else if (h == hops - 2)
            next = (uint8_t)(to | 1); /* the destination city's hub */
        else
            next = PLACE((int)(u_next(pl) * CITY_COUNT) % CITY_COUNT, 1);
        if (h % 2 == 0 && !last) {
            add(pl, returning ? EV_RETURN_DEPART : EV_DEPART, returning ? K100_RETURNING : 0, 36,
                at, next);
        } else {
            add(pl, returning ? EV_RETURN_ARRIVE : EV_ARRIVE, returning ? K100_RETURNING : 0, 31,
                next, next);
            at = next;
        }
    }
    return at;
}

static enum parcel_outcome pick_outcome(struct planner *pl)
{
    double u = u_next(pl);
    const struct parcel_mix *m = pl->mix;
    if (u < m->problem_share)
        return OUTCOME_PROBLEM;
    if (u < m->problem_share + m->refuse_share)
        return OUTCOME_REFUSED;
    if (u < m->problem_share + m->refuse_share + m->return_share)
        return OUTCOME_RETURNED;
    return OUTCOME_SIGNED;
}

static int clamp_hops(int h)
{
    return h < 1 ? 1 : (h > PARCEL_HOPS_MAX ? PARCEL_HOPS_MAX : h);
}

static void plan_return(struct planner *pl, uint8_t from, uint8_t home)
{
    int back = clamp_hops(pl->mix->hops[0] / 2 + 1);
    leg(pl, back, from, home, 1);
    pl->t += span_ms(pl, pl->mix->hop_s);
    add(pl, EV_RETURNED, K100_RETURNED, 80, home, home);
}

int parcel_plan_make(const struct parcel_mix *mix, uint64_t seed, const char *waybill,
                     int64_t create_ms, struct parcel_plan *out)
{
    assert(mix != NULL && waybill != NULL && out != NULL);
    if (mix->pickup_s[0] < 0 || mix->hop_s[0] < 0 || mix->hops[0] < 0 || mix->hops[1] < 0)
        return -1;
    memset(out, 0, sizeof(*out));
    struct planner pl = {mix, seed, waybill, 0, create_ms, out};
    int lo = mix->hops[0], hi = mix->hops[1] > lo ? mix->hops[1] : lo;
    int hops = clamp_hops(lo + (int)(u_next(&pl) * (hi - lo + 1)));
    uint8_t home = PLACE((int)(u_next(&pl) * ORIGIN_CITIES) % ORIGIN_CITIES, 0);
    uint8_t dest = PLACE((int)(u_next(&pl) * CITY_COUNT) % CITY_COUNT, 0);
    out->courier = (uint8_t)((int)(u_next(&pl) * ARRAY_LEN(couriers)) % (int)ARRAY_LEN(couriers));
    out->phone_tail = (uint16_t)((int)(u_next(&pl) * 10000) % 10000);
    out->outcome = pick_outcome(&pl);

    pl.t += span_ms(&pl, mix->pickup_s);
    add(&pl, EV_COLLECT, K100_COLLECTED, 50, home, home);
    if (out->outcome == OUTCOME_PROBLEM || out->outcome == OUTCOME_RETURNED) {
        int part = 1 + (int)(u_next(&pl) * hops) % hops; /* how far it gets before the branch */
        uint8_t at = leg(&pl, part, home, dest, 0);
        pl.t += span_ms(&pl, mix->hop_s);
        if (out->outcome == OUTCOME_PROBLEM) {
            add(&pl, EV_PROBLEM, K100_PROBLEM, 33, at, at);
            return 0;
        }
        add(&pl, EV_RETURN_START, K100_RETURNING, 99, at, home);
        plan_return(&pl, at, home);
        return 0;
    }
    uint8_t at = leg(&pl, hops, home, dest, 0);
    pl.t += span_ms(&pl, mix->hop_s);
    add(&pl, EV_DELIVER, K100_DELIVERING, 44, at, at);
    pl.t += span_ms(&pl, mix->hop_s);
    if (out->outcome == OUTCOME_SIGNED) {
        add(&pl, EV_SIGN, K100_SIGNED, 80, at, at);
        return 0;
    }
    add(&pl, EV_REFUSE, K100_REFUSED, 70, at, at);
    pl.t += span_ms(&pl, mix->hop_s);
    add(&pl, EV_RETURN_START, K100_RETURNING, 99, at, home);
    plan_return(&pl, at, home);
    return 0;
}

void parcel_plan_shift(struct parcel_plan *p, int from, int64_t shift_ms)
{
    assert(p != NULL);
    assert(from >= 0 && shift_ms >= 0);
    for (int i = from; i < p->count; i++)
        p->ev[i].sim_ms += shift_ms;
}

static const char *place_name(uint8_t place)
{
    int city = place / 2;
    assert(city < CITY_COUNT);
    return (place & 1) ? cities[city].hub : cities[city].outlet;
}

const char *parcel_place_city(const struct parcel_plan *p, int i)
{
    assert(i >= 0 && i < p->count);
    return cities[p->ev[i].place / 2].city;
}

void parcel_context(const struct parcel_plan *p, int i, const char *cname, char *buf, int len)
{
    assert(p != NULL && i >= 0 && i < p->count);
    const struct parcel_event *e = &p->ev[i];
    const char *at = place_name(e->place), *to = place_name(e->place2);
    const char *who = couriers[p->courier % ARRAY_LEN(couriers)];
    unsigned tail = p->phone_tail % 10000u;
    switch ((enum parcel_ev_kind)e->kind) {
    case EV_COLLECT: snprintf(buf, (size_t)len, "【%s】已揽收，%s已收取快件", at, cname); break;
    case EV_DEPART: snprintf(buf, (size_t)len, "快件已从【%s】发出，准备发往【%s】", at, to); break;
    case EV_ARRIVE: snprintf(buf, (size_t)len, "快件到达【%s】", at); break;
    case EV_DELIVER:
        snprintf(buf, (size_t)len, "【%s】派件中，派件人: %s 电话 138****%04u", at, who, tail);
        break;
    case EV_SIGN:
        snprintf(buf, (size_t)len, "已签收，签收人: 本人，感谢使用%s，期待再次为您服务", cname);
        break;
    case EV_PROBLEM:
        snprintf(buf, (size_t)len, "快件在【%s】滞留，原因: %s，正在处理", at,
                 problems[tail % ARRAY_LEN(problems)]);
        break;
    case EV_REFUSE:
        snprintf(buf, (size_t)len, "%s，派件人: %s 电话 138****%04u",
                 refusals[tail % ARRAY_LEN(refusals)], who, tail);
        break;
    case EV_RETURN_START:
        snprintf(buf, (size_t)len, "快件在【%s】办理退回，正在退回寄件人", at);
        break;
    case EV_RETURN_DEPART:
        snprintf(buf, (size_t)len, "退回件已从【%s】发出，准备发往【%s】", at, to);
        break;
    case EV_RETURN_ARRIVE: snprintf(buf, (size_t)len, "退回件到达【%s】", at); break;
    case EV_RETURNED: snprintf(buf, (size_t)len, "退回件已签收，签收人: 寄件人本人"); break;
    default: assert(0 && "unknown event kind");
    }
}

const char *parcel_state_name(int s)
{
    switch (s) {
    case K100_COLLECTED: return "collected";
    case K100_IN_TRANSIT: return "in_transit";
    case K100_DELIVERING: return "out_for_delivery";
    case K100_SIGNED: return "signed";
    case K100_PROBLEM: return "problem";
    case K100_REFUSED: return "refused";
    case K100_RETURNING: return "returning";
    case K100_RETURNED: return "returned";
    default: return NULL;
    }
}

const char *parcel_state_word(int s)
{
    switch (s) {
    case K100_COLLECTED: return "揽收";
    case K100_IN_TRANSIT: return "在途";
    case K100_DELIVERING: return "派件";
    case K100_SIGNED: return "签收";
    case K100_PROBLEM: return "疑难";
    case K100_REFUSED: return "拒签";
    case K100_RETURNING: return "退回";
    case K100_RETURNED: return "退签";
    default: return "";
    }
}

int parcel_state_final(int s)
{
    return s == K100_SIGNED || s == K100_RETURNED;
}

void parcel_format_time(int64_t sim_ms, char *buf, int len)
{
    assert(len >= 20);
    time_t t = (time_t)(sim_ms / 1000) + CHINA_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, (size_t)len, "%Y-%m-%d %H:%M:%S", &tm);
}
