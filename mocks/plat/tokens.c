/* Access and refresh tokens of both flavors. Tokens are derived from (seed, shop, generation) so a
 * restarted mock re-creates exactly the tokens it had issued: each issue is journalled as
 * {"type":"token","shop":..,"gen":..,"issued_ms":..} and replayed through truth's aux lines
 * (tokens_replay_line also restores {"type":"callback","shop","url"} registrations).
 * Shopee: the refresh token of generation g is single-use; trading it issues generation g+1
 * (access token valid SHOPEE_ACCESS_TOKEN_S sim seconds). Generation 0's refresh token is the
 * scenario's. WeChat: stable_token returns the live token unless forced or expired. */
#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "plat/plat.h"

static void derive(const struct plat *p, const char *what, const struct plat_shop *s, uint32_t gen,
                   char *out, int len)
{
    uint64_t a = draw_u64(p->sc.seed, what, s->si.name, gen);
    uint64_t b = hash_mix64(a ^ 0x746f6b656eULL);
    snprintf(out, len, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static void issue(struct plat *p, int shop, uint32_t gen, int64_t issued_ms)
{
    struct plat_shop *s = &p->shops[shop];
    int wechat = s->si.flavor == FLAVOR_WECHAT;
    s->token_gen = gen;
    if (!wechat)
        derive(p, "token/shopee/refresh", s, gen, s->refresh_token, sizeof(s->refresh_token));
    struct plat_token *t = &s->access[s->access_pos];
    s->access_pos = (s->access_pos + 1) % PLAT_ACCESS_TOKENS_MAX;
    derive(p, wechat ? "token/wechat/access" : "token/shopee/access", s, gen, t->value,
           sizeof(t->value));
    t->expire_ms = issued_ms + (wechat ? WECHAT_TOKEN_S : SHOPEE_ACCESS_TOKEN_S) * 1000LL;
}

void tokens_init(struct plat *p)
{
    for (int i = 0; i < p->shop_count; i++) {
        struct plat_shop *s = &p->shops[i];
        memset(s->access, 0, sizeof(s->access));
        s->access_pos = 0;
        s->token_gen = 0;
        size_t n = strlen(s->si.refresh_token);
        assert(n < sizeof(s->refresh_token));
        memcpy(s->refresh_token, s->si.refresh_token, n + 1);
    }
}

static void journal_issue(struct plat *p, int shop, int64_t now)
{
    char line[256];
    snprintf(line, sizeof(line),
             "{\"type\":\"token\",\"shop\":\"%s\",\"gen\":%u,\"issued_ms\":%lld}",
             p->shops[shop].si.name, p->shops[shop].token_gen, (long long)now);
    truth_journal_aux(p->truth, line);
}

int tokens_shopee_refresh(struct plat *p, int shop, const char *refresh_token)
{
    assert(shop >= 0 && shop < p->shop_count);
    struct plat_shop *s = &p->shops[shop];
    if (s->refresh_token[0] == '\0' || strcmp(s->refresh_token, refresh_token) != 0)
        return -1;
    int64_t now = simclock_now_ms(&p->clock);
    issue(p, shop, s->token_gen + 1, now);
    journal_issue(p, shop, now);
    return 0;
}

const struct plat_token *tokens_wechat_get(struct plat *p, int shop, int force)
{
    assert(shop >= 0 && shop < p->shop_count);
    struct plat_shop *s = &p->shops[shop];
    int64_t now = simclock_now_ms(&p->clock);
    int last = (s->access_pos + PLAT_ACCESS_TOKENS_MAX - 1) % PLAT_ACCESS_TOKENS_MAX;
    /* the platform renews 5 minutes before expiry (API.md 2.1) */
    if (!force && s->access[last].value[0] != '\0' && s->access[last].expire_ms - 300000 > now)
        return &s->access[last];
    issue(p, shop, s->token_gen + 1, now);
    journal_issue(p, shop, now);
    last = (s->access_pos + PLAT_ACCESS_TOKENS_MAX - 1) % PLAT_ACCESS_TOKENS_MAX;
    return &s->access[last];
}

int tokens_check(const struct plat *p, int shop, const char *token)
{
    assert(shop >= 0 && shop < p->shop_count);
    const struct plat_shop *s = &p->shops[shop];
    for (int i = 0; i < PLAT_ACCESS_TOKENS_MAX; i++)
        if (s->access[i].value[0] != '\0' && strcmp(s->access[i].value, token) == 0)
            return s->access[i].expire_ms > simclock_now_ms(&p->clock) ? 1 : -1;
    return 0;
}

int tokens_wechat_shop(const struct plat *p, const char *token)
{
    for (int i = 0; i < p->shop_count; i++)
        if (p->shops[i].si.flavor == FLAVOR_WECHAT && tokens_check(p, i, token) != 0)
            return i;
    return -1;
}

void tokens_replay_line(void *arg, const char *line)
{
    struct plat *p = arg;
    cJSON *doc = cJSON_Parse(line);
    if (doc == NULL)
        return;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    const cJSON *shop = cJSON_GetObjectItemCaseSensitive(doc, "shop");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(doc, "gen");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(doc, "issued_ms");
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(doc, "url");
    int i = cJSON_IsString(shop) ? scenario_shop_index(&p->sc, shop->valuestring) : -1;
    if (i >= 0 && i < p->shop_count && cJSON_IsString(type)) {
        if (strcmp(type->valuestring, "token") == 0 && cJSON_IsNumber(gen) && cJSON_IsNumber(ms))
            issue(p, i, (uint32_t)gen->valuedouble, (int64_t)ms->valuedouble);
        else if (strcmp(type->valuestring, "callback") == 0 && cJSON_IsString(url))
            snprintf(p->shops[i].callback_url, sizeof(p->shops[i].callback_url), "%s",
                     url->valuestring);
    }
    cJSON_Delete(doc);
}
