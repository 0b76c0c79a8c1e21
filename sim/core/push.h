/* Pushes in (API.md 1.5, 2.4): Shopee order pushes signed with HMAC-SHA256 over url|body, WeChat
 * events (URL check, msg_signature, optional AES payload). Every push is verified before it is
 * read; a forged or tampered one changes nothing, gets an error and is journaled. A push only
 * says "look at this order": it queues a fresh detail read, never a state change by itself. */
#ifndef SHIPSIM_CORE_PUSH_H
#define SHIPSIM_CORE_PUSH_H

#include <stddef.h>
#include <stdint.h>
#include "core/core.h"

/* A push whose signed timestamp is further from now is refused (a replay). Platforms re-send an
 * unacknowledged push with its original timestamp for a while (mockplat: 1+10+60+300+1800 s). */
#define PUSH_FRESH_S 3600

struct evhttp_request;

/* POST /push/shopee/<shop> and GET|POST /push/wechat/<shop>. */
void push_shopee(struct core *c, struct evhttp_request *req, const char *shop);
void push_wechat(struct core *c, struct evhttp_request *req, const char *shop);

/* 1 when auth (hex HMAC-SHA256) signs url|body or the body alone with key. Pure. */
int push_shopee_sig_ok(const char *key, const char *url, const char *body, size_t len,
                       const char *auth);
/* 1 when a signed timestamp ts_s is within PUSH_FRESH_S of now_s. Pure. */
int push_fresh(double ts_s, double now_s);
/* WeChat event check: msg_signature = sha1(sort(token, timestamp, nonce, signed_text)) where
 * signed_text is the body (plain mode) or Encrypt (AES mode), and the timestamp fresh. 1 when
 * both hold; else 0 and why says which failed. Pure. */
int push_wechat_verify(const char *token, const char *ts, const char *nonce, const char *msg_sig,
                       const char *signed_text, double now_s, const char **why);
/* The order id digits after "order_id": in raw JSON (a 19-digit number must not go through a
 * double). 0 and the id, or -1. Pure. */
int push_wechat_order_id(const char *json, char *out, int out_len);
/* WXBizMsgCrypt decrypt of Encrypt with the 43-char EncodingAESKey; the message is copied to out
 * NUL-terminated. 0 or -1. Pure. */
int push_wechat_decrypt(const char *aes_key, const char *encrypt, char *out, int out_len);

#endif
