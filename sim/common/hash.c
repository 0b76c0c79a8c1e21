/* Seeded draws: see hash.h. Frozen: the constants below are part of the replay format. */
#include "common/hash.h"

#include <string.h>

#include "common/check.h"

#define FNV64_OFFSET 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL
#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

uint64_t hash_mix64(uint64_t x)
{
    x += GOLDEN_GAMMA;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t hash_bytes(const void *data, unsigned long len)
{
    const unsigned char *p = data;
    uint64_t h = FNV64_OFFSET;
    for (unsigned long i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV64_PRIME;
    }
    return hash_mix64(h);
}

uint64_t hash_str(const char *s)
{
    assert(s != NULL);
    return hash_bytes(s, strlen(s));
}

uint64_t draw_u64(uint64_t seed, const char *stream, const char *key, uint64_t attempt)
{
    assert(stream != NULL);
    uint64_t h = hash_mix64(seed);
    h = hash_mix64(h ^ hash_str(stream));
    h = hash_mix64(h ^ hash_str(key != NULL ? key : ""));
    return hash_mix64(h ^ attempt);
}

static double unit_from(uint64_t x)
{
    /* top 53 bits: every double in [0,1) on a 2^-53 grid */
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

double draw_unit(uint64_t seed, const char *stream, const char *key, uint64_t attempt)
{
    double u = unit_from(draw_u64(seed, stream, key, attempt));
    assert(u >= 0.0);
    assert(u < 1.0);
    return u;
}

int64_t draw_range(uint64_t seed, const char *stream, const char *key, uint64_t attempt, int64_t lo,
                   int64_t hi)
{
    assert(lo <= hi);
    /* unsigned arithmetic: hi - lo overflows int64 for spans past INT64_MAX */
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    uint64_t x = draw_u64(seed, stream, key, attempt);
    if (span == 0) /* the whole int64 range */
        return (int64_t)x;
    /* multiply-shift keeps the bias below 2^-64 * span, far under any test's resolution */
    unsigned __int128 m = (unsigned __int128)x * span;
    int64_t v = (int64_t)((uint64_t)lo + (uint64_t)(m >> 64));
    assert(v >= lo);
    assert(v <= hi);
    return v;
}

int draw_bernoulli(uint64_t seed, const char *stream, const char *key, uint64_t attempt, double p)
{
    if (p <= 0.0)
        return 0;
    if (p >= 1.0)
        return 1;
    return draw_unit(seed, stream, key, attempt) < p;
}

double draw_unit_n(uint64_t seed, const char *stream, uint64_t key, uint64_t attempt)
{
    assert(stream != NULL);
    uint64_t h = hash_mix64(seed);
    h = hash_mix64(h ^ hash_str(stream));
    h = hash_mix64(h ^ hash_mix64(key));
    return unit_from(hash_mix64(h ^ attempt));
}
