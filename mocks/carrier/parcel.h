/* A parcel's life on the sim clock (API.md 5.3), planned in full when its waybill is created.
 *
 * The plan is a pure function of (seed, waybill, create time, parcel mix), so a restarted mock
 * re-plans the same events from its journal. Times come from seeded draws over the mix's ranges:
 *   created -> collected (pickup_s) -> hops x in transit (hop_s each) -> out for delivery -> signed
 * or one of the branches: problem (stuck, state 2, nothing after), refused at the door (14) then
 * returning (6) and returned-signed (4), or returned to sender from transit (6 -> 4).
 * Events carry both vocabularies: the Kuaidi100 state number and an SF opCode. */
#ifndef SHIPSIM_CARRIER_PARCEL_H
#define SHIPSIM_CARRIER_PARCEL_H

#include <stdint.h>
#include "common/check.h"
#include "scenario/scenario.h"

#define PARCEL_HOPS_MAX 16   /* transit events per leg, whatever the mix asks */
#define PARCEL_EVENTS_MAX 32 /* collected + hops + delivery + return leg + end */
#define PARCEL_CONTEXT_BYTES_MAX 256

/* Kuaidi100 state numbers (API.md 3.2). */
enum k100_state {
    K100_IN_TRANSIT = 0,
    K100_COLLECTED = 1,
    K100_PROBLEM = 2,
    K100_SIGNED = 3,
    K100_RETURNED = 4,
    K100_DELIVERING = 5,
    K100_RETURNING = 6,
    K100_REFUSED = 14
};

enum parcel_outcome { OUTCOME_SIGNED = 0, OUTCOME_PROBLEM, OUTCOME_REFUSED, OUTCOME_RETURNED };

enum parcel_ev_kind {
    EV_COLLECT = 0,
    EV_DEPART,
    EV_ARRIVE,
    EV_DELIVER,
    EV_SIGN,
    EV_PROBLEM,
    EV_REFUSE,
    EV_RETURN_START,
    EV_RETURN_DEPART,
    EV_RETURN_ARRIVE,
    EV_RETURNED
};

struct parcel_event {
    int64_t sim_ms;
    int8_t state;   /* enum k100_state */
    int16_t opcode; /* SF opCode */
    uint8_t kind;   /* enum parcel_ev_kind */
    uint8_t place;  /* place table index (where it happens) */
    uint8_t place2; /* next place (departures) */
};

struct parcel_plan {
    struct parcel_event ev[PARCEL_EVENTS_MAX];
    int count;
    enum parcel_outcome outcome;
    uint8_t courier;     /* courier table index */
    uint16_t phone_tail; /* last 4 digits of the courier's masked phone */
};

/* Plan a parcel. Returns 0, or -1 when the mix is unusable (negative ranges). */
int parcel_plan_make(const struct parcel_mix *mix, uint64_t seed, const char *waybill,
                     int64_t create_ms, struct parcel_plan *out) WARN_UNUSED_RESULT;
/* Shift events [from, count) later by shift_ms (the tracking_stall fault). */
void parcel_plan_shift(struct parcel_plan *p, int from, int64_t shift_ms);

/* Chinese text of event i ("快件到达【深圳华南中转场】") and its place ("深圳市"), for carrier
 * name cname ("顺丰速运"). */
void parcel_context(const struct parcel_plan *p, int i, const char *cname, char *buf, int len);
const char *parcel_place_city(const struct parcel_plan *p, int i);
/* The state name mockplat's /__sim/parcel takes (INTERFACES.md section 4); NULL when unknown. */
const char *parcel_state_name(int k100_state);
/* Chinese state word for Kuaidi100's per-event "status" ("在途", "揽收", ...). */
const char *parcel_state_word(int k100_state);
/* 1 for final states (signed 3, returned-signed 4). */
int parcel_state_final(int k100_state);
/* sim ms -> "yyyy-MM-dd HH:mm:ss" in UTC+8 (buf >= 20 bytes). */
void parcel_format_time(int64_t sim_ms, char *buf, int len);

#endif
