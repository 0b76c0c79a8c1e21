/* Carrier waybill number formats (API.md 3.3), shared by mockcarrier (which issues numbers) and
 * any sync core (which must check them). The real formats overlap and carry no check digit; ours
 * keep each carrier's documented shape and add a final mod-10 check digit (Luhn over the digits),
 * so a truncated or altered number is caught. scenarios/README.md documents the exact rules. */
#ifndef SHIPSIM_WAYBILL_H
#define SHIPSIM_WAYBILL_H

#include <stdint.h>

/* Carrier codes known to shipsim: "SF", "ZTO", "YUNDA", "YTO", "STO", "JD". */
int waybill_carrier_known(const char *carrier);
/* Kuaidi100 company code for a carrier ("SF" -> "shunfeng"), NULL when unknown; and back. */
const char *waybill_kuaidi100_code(const char *carrier);
const char *waybill_carrier_from_kuaidi100(const char *com);
/* Chinese carrier name ("SF" -> "顺丰速运"), NULL when unknown. */
const char *waybill_carrier_name(const char *carrier);

/* Write the waybill number with serial number `serial` for carrier into buf. Distinct serials give
 * distinct numbers (serial < 10^10). Returns 0, or -1 for an unknown carrier or small buffer. */
int waybill_make(const char *carrier, uint64_t serial, char *buf, int buf_len);
/* 1 when s is a well-formed number of that carrier, check digit included; else 0. */
int waybill_valid(const char *carrier, const char *s);

#endif
