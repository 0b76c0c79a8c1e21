/* Seeded deterministic draws (DESIGN.md section 3).
 *
 * Every random choice in shipsim is draw(seed, stream, key, attempt): a pure function through
 * SplitMix64 finalisers and FNV-1a-64 over the strings. The functions and constants here are part
 * of the replay format: changing any of them changes which faults hit which orders, so they are
 * frozen (tests pin known outputs). */
#ifndef SHIPSIM_HASH_H
#define SHIPSIM_HASH_H

#include <stdint.h>

uint64_t hash_mix64(uint64_t x);                          /* SplitMix64 finaliser */
uint64_t hash_bytes(const void *data, unsigned long len); /* FNV-1a 64 then mixed */
uint64_t hash_str(const char *s);

/* The raw 64-bit draw. stream and key are strings (key: an order id, a request key). */
uint64_t draw_u64(uint64_t seed, const char *stream, const char *key, uint64_t attempt);
/* Uniform double in [0, 1). */
double draw_unit(uint64_t seed, const char *stream, const char *key, uint64_t attempt);
/* Uniform integer in [lo, hi] (inclusive); lo <= hi. */
int64_t draw_range(uint64_t seed, const char *stream, const char *key, uint64_t attempt, int64_t lo,
                   int64_t hi);
/* 1 with probability p (p <= 0: never, p >= 1: always). */
int draw_bernoulli(uint64_t seed, const char *stream, const char *key, uint64_t attempt, double p);

/* Same draws with an integer key (an order sequence number). */
double draw_unit_n(uint64_t seed, const char *stream, uint64_t key, uint64_t attempt);

#endif
