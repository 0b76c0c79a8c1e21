/* Pushes in (API.md 1.5, 2.4): Shopee order pushes signed with HMAC-SHA256 over url|body, WeChat
 * events (URL check, msg_signature, optional AES payload). Every push is verified before it is
 * read; a forged or tampered one changes nothing, gets an error and is journaled. A push only
 * says "look at this order": it queues a fresh detail read, never a state change by itself. */
#ifndef SHIPSIM_CORE_PUSH_H
#define SHIPSIM_CORE_PUSH_H

#include <stddef.h>
#include <stdint.h>
#include "core/core.h"

#define PUSH_FRESH_S (24 * 3600) /* a push timestamp further from now is refused */

struct evhttp_request;

/* POST /push/shopee/<shop> and GET|POST /push/wechat/<shop>. */
void push_shopee(struct core *c, struct evhttp_request *req, const char *shop);
void push_wechat(struct core *c, struct evhttp_request *req, const char *shop);

/* 1 when auth (hex HMAC-SHA256) signs url|body or the body alone with key. Pure. */
int push_shopee_sig_ok(const char *key, const char *url, const char *body, size_t len,
                       const char *auth);
/* The order id digits after "order_id": in raw JSON (a 19-digit number must not go through a
 * double). 0 and the id, or -1. Pure. */
int push_wechat_order_id(const char *json, char *out, int out_len);
/* WXBizMsgCrypt decrypt of Encrypt with the 43-char EncodingAESKey; the message is copied to out
 * NUL-terminated. 0 or -1. Pure. */
int push_wechat_decrypt(const char *aes_key, const char *encrypt, char *out, int out_len);

#endif
