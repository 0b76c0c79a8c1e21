#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target into tests/fixtures/fuzz/<target>/seed-*.

Seeds come from the repository (scenarios/, tests/fixtures/, the JSON examples in the API notes)
plus hand-written bodies in the real APIs' shapes. Run from the repo root; it only adds or
rewrites files named seed-*, so saved regression inputs (crash-*, leak-*, ...) stay."""
import glob, hashlib, json, os, re

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "tests/fixtures/fuzz")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


scen = sorted(glob.glob("scenarios/*.json") + glob.glob("scenarios/bad/*.json") +
              glob.glob("tests/fixtures/**/scenario.json", recursive=True))
for p in scen:
    put("scenario_parse", read(p))
    try:
        doc = json.loads(read(p))
    except ValueError:
        continue
    if isinstance(doc, dict) and isinstance(doc.get("faults"), list):
        put("scenario_faults", json.dumps({"faults": doc["faults"]}))
        put("common_json", read(p))
put("scenario_faults", '{"faults":[]}')
put("scenario_faults", '{"faults":[{"kind":"latency","target":"platform:order/*","probability":0.5,'
    '"window_s":[0,600],"dist":"fixed","ms":100}]}')
put("scenario_faults", '{"faults":[{"kind":"garbled_tracking","target":"carrier:push",'
    '"carrier":"SF","probability":1,"window_s":[0,100]}]}')

for p in glob.glob("tests/fixtures/**/*.jsonl", recursive=True)[:20]:
    lines = read(p).splitlines()
    for line in lines[:3]:
        put("common_json", line)
for s in ['{}', '[]', '{"a":1,"b":"x","name":"n","faults":[1,2]}', '"\\ud800"', '1e999',
          '{"a":{"a":{"a":[[[]]]}}}', '{"a":"\xe4\xb8\xad"}', '{"a":1,"a":2}']:
    put("common_json", s)

# API examples (Shopee, WeChat, SF, Kuaidi100 bodies) from the API notes, when present.
api = "/work/shared/API.md"
bodies = []
if os.path.exists(api):
    for _, b in re.findall(r"```(\w*)\n(.*?)```", open(api, encoding="utf-8").read(), re.S):
        try:
            json.loads(b)
            bodies.append(b.encode())
        except ValueError:
            pass

shopee = [
    '{"error":"","message":"","request_id":"r1","response":{"more":true,"next_cursor":"20",'
    '"order_list":[{"order_sn":"220810QSK8S7BX","order_status":"READY_TO_SHIP"},'
    '{"order_sn":"220810QSK8S7BY"}]}}',
    '{"error":"","message":"","request_id":"r2","response":{"order_list":[{"order_sn":"2208A",'
    '"order_status":"READY_TO_SHIP","update_time":1700000000,"pay_time":1699999000,'
    '"buyer_user_id":42,"buyer_username":"b000042","item_list":[{"item_sku":"TEE-01",'
    '"model_sku":"","model_quantity_purchased":2}]}]}}',
    '{"error":"","message":"","request_id":"r3","response":{}}',
    '{"error":"error_server","message":"maintenance","request_id":"r4"}',
    '{"error":"error_rate_limit","message":"too many","request_id":"r5"}',
    '{"error":"logistics.package_already_shipped","message":"x","request_id":"r6"}',
    '{"error":"error_auth","message":"invalid_access_token","request_id":"r7"}',
]
wechat = [
    '{"errcode":0,"errmsg":"ok","order_id_list":["3705115058471208928"],"has_more":false,'
    '"next_key":"k1"}',
    '{"errcode":0,"errmsg":"ok","order":{"order_id":3705115058471208928,"status":20,'
    '"update_time":1700000000,"openid":"o1","order_detail":{"pay_info":{"pay_time":1699999000},'
    '"product_infos":[{"product_id":"1","sku_id":"2","sku_cnt":1,"sku_code":"TEE-01"}]}}}',
    '{"errcode":45009,"errmsg":"reach max api daily quota limit"}',
    '{"errcode":0,"errmsg":"ok"}',
    '{"errcode":10020019,"errmsg":"not_ready"}',
]
for i, b in enumerate(shopee + wechat + [x.decode() for x in bodies]):
    for which in range(6):
        put("core_platform", bytes([which, 0]) + b.encode())
    put("core_platform", bytes([i % 6, 5]) + b.encode())

# stock answers (fuzz_core_platform bytes 6-9: Shopee get/set, WeChat get/set)
stock = [
    '{"error":"","message":"","request_id":"s1","response":{"item_id":800000000,"model":['
    '{"model_id":900000000,"model_sku":"TEE-01","stock_info_v2":{"summary_info":'
    '{"total_reserved_stock":0,"total_available_stock":42}}}]}}',
    '{"error":"","message":"","request_id":"s2","response":{"failure_list":[],'
    '"success_list":[{"model_id":900000000,"location_id":"","stock":40}]}}',
    '{"error":"","message":"","request_id":"s3","response":{"failure_list":[{"model_id":1,'
    '"failed_reason":"x"}],"success_list":[]}}',
    '{"errcode":0,"errmsg":"ok","data":{"spu_stock_num":42,"total_stock_num":42}}',
    '{"errcode":0,"errmsg":"ok","data":{"total_stock_num":-1}}',
]
for b in stock + shopee[3:5] + wechat[2:4]:
    for which in range(6, 10):
        put("core_platform", bytes([which, 0]) + b.encode())
put("core_platform", bytes([6, 4]) + stock[0].encode())

sf_data = json.dumps({"success": True, "errorCode": "S0000", "msgData": {
    "waybillNoInfoList": [{"waybillType": 1, "waybillNo": "SF1234567890123"}]}})
sf = [json.dumps({"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": "x",
                  "apiResultData": sf_data}),
      json.dumps({"apiResultCode": "A1006", "apiErrorMsg": "bad digest", "apiResponseID": "x",
                  "apiResultData": None}),
      json.dumps({"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": "x",
                  "apiResultData": json.dumps({"success": False, "errorCode": "8016"})}),
      json.dumps({"apiResultCode": "A1000", "apiResultData": "{not json"})]
for b in sf + [x.decode() for x in bodies]:
    put("core_carrier", b"\x00" + b.encode())
put("core_carrier", b"\x05" + sf[0].encode())

put("core_push", b"\x00partner-key\nhttp://127.0.0.1:1/push/shopee/sp1-1\n"
    b'{"code":3,"shop_id":1,"data":{"ordersn":"2208A","status":"READY_TO_SHIP"}}\n'
    b"0123456789abcdef")
put("core_push", b'\x01{"Event":"channels_ec_order_pay","order_info":{"order_id":3705115058471208928}}')
put("core_push", b'\x01{"order_id":"12"}')
put("core_push", b"\x02abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\nAAAAAAAAAAAAAAAAAAAAAAAA")
put("core_push", b"\x03a+b%20c%E4%B8%AD%zz")
put("core_push", "\x04msgData={\"x\":1} 中文 *-_.~".encode())

# fuzz_core_push handler modes (tests/fuzz/fuzz_core_push.c): byte 0 mode, byte 1 variant. The
# harness's sim clock starts at 1795000000 s; its store knows Shopee order 2208KNOWN01 (paid),
# WeChat order 3705115058471208928 (shipped) and 2208TRACK01 shipped with SF7400000000013.
PUSH_TS = 1795000000
WAYBILL = "SF7400000000013"


def shopee_push(ordersn, status, code=3, shop_id=1001, ts=PUSH_TS):
    data = ({"ordersn": ordersn, "status": status, "completed_scenario": "",
             "update_time": ts, "items": []} if code == 3 else
            {"ordersn": ordersn, "package_number": "P1", "tracking_no": WAYBILL})
    return json.dumps({"data": data, "shop_id": shop_id, "code": code, "timestamp": ts},
                      separators=(",", ":"))


def wechat_event(order_id, event="channels_ec_order_pay", ts=PUSH_TS):
    return ('{"ToUserName":"gh_wxfuzz1","FromUserName":"o1","CreateTime":%d,"MsgType":"event",'
            '"Event":"%s","order_info":{"order_id":%s,"pay_time":%d}}' % (ts, event, order_id, ts))


shopee_bodies = [shopee_push("2208NEW01", "READY_TO_SHIP"), shopee_push("2208KNOWN01", "SHIPPED"),
                 shopee_push("2208KNOWN01", "READY_TO_SHIP"), shopee_push("2208NEW02", "UNPAID"),
                 shopee_push("2208NEW03", "CANCELLED"), shopee_push("2208NEW04", "X", code=4),
                 shopee_push("2208NEW05", "READY_TO_SHIP", code=0),
                 shopee_push("2208NEW06", "READY_TO_SHIP", shop_id=1002),
                 shopee_push("2208NEW07", "READY_TO_SHIP", ts=PUSH_TS - 7200),
                 shopee_push("bad id!", "READY_TO_SHIP"), '{"code":3}', "not json"]
for b in shopee_bodies:
    for v in (0, 1, 2):
        put("core_push", bytes([6, v]) + b.encode())
put("core_push", bytes([6, 3]) + shopee_bodies[0].encode())
put("core_push", bytes([6, 0x10]) + shopee_bodies[0].encode())
put("core_push", bytes([6, 0x20]) + shopee_bodies[0].encode())
put("core_push", bytes([5, 0]) + b"0123abcd\n127.0.0.1:9100\n" + shopee_bodies[0].encode())
put("core_push", bytes([5, 0]) + b"\n\n" + shopee_bodies[1].encode())

wechat_bodies = [wechat_event("3705115058471208929"), wechat_event("3705115058471208928",
                 "channels_ec_order_cancel"), wechat_event("37051150584712089299999999999999"),
                 wechat_event("3705115058471208930", "channels_ec_order_new", PUSH_TS - 7200),
                 '{"Event":"product_spu_update"}', '{"CreateTime":"x","order_id":"12"}', "[]"]
for b in wechat_bodies:
    for v in (0, 1, 0x30):
        put("core_push", bytes([8, v]) + b.encode())
        put("core_push", bytes([9, v]) + b.encode())
put("core_push", bytes([8, 2]) + wechat_bodies[0].encode())
put("core_push", bytes([8, 3]) + wechat_bodies[0].encode())
put("core_push", bytes([8, 0]) + b'{"ToUserName":"gh_x","Encrypt":"AAAA"}')
put("core_push", bytes([9, 0x10]) + wechat_bodies[0].encode())
put("core_push", bytes([7, 0]) + b"timestamp=1795000000&nonce=1&msg_signature=00&signature=00\n" +
    wechat_bodies[0].encode())
put("core_push", bytes([7, 0]) + b"\n" + wechat_bodies[0].encode())
put("core_push", bytes([10, 0]) + b"signature=00&timestamp=1795000000&nonce=1&echostr=hi")
put("core_push", bytes([11, 0]) + b"echo 1234")
put("core_push", bytes([11, 2]) + b"echo")


def k100_param(nu=WAYBILL, com="shunfeng", status="polling", events=None):
    if events is None:
        events = [("2026-11-18 19:05:00", "顺丰速运 已收取快件", "1"),
                  ("2026-11-18 19:30:00", "快件到达【深圳华南中转场】", "0")]
    data = [{"time": t, "ftime": t, "context": c, "location": "", "status": "在途",
             "statusCode": st, "areaName": "深圳"} for t, c, st in reversed(events)]
    return json.dumps({"status": status, "billstatus": "got", "message": "", "autoCheck": "0",
                       "comOld": "", "comNew": "", "lastResult": {
                           "message": "ok", "nu": nu, "ischeck": "0", "condition": "F00",
                           "com": com, "status": "200", "state": "0", "data": data}},
                      ensure_ascii=False)


k100 = [k100_param(), k100_param(status="abort"),
        k100_param(events=[("2026-11-18 19:05:00", "已收取快件", "1"),
                           ("2026-11-18 20:00:00", "已签收", "3")]),
        k100_param(events=[("2026-11-18 20:00:00", "退回", "4")]),
        k100_param(events=[("2026-11-18 19:05:00", "å¿«ä»¶", "0")]),        # mojibake
        k100_param(events=[("2026-11-18 25:05:00", "快件", "0")]),         # bad time
        k100_param(events=[("2026-11-18 19:05:00", "快件", "99")]),        # unknown state
        k100_param(events=[("2026-11-18 19:30:00", "b", "0"), ("2026-11-18 19:05:00", "a", "1"),
                           ("2026-11-18 19:05:00", "a", "1")]),          # order, repeat
        k100_param(com="zhongtong"), k100_param(nu="SF7400000000020"), '{"lastResult":{}}']
for p in glob.glob("tests/fixtures/check/truth-carrier.jsonl"):
    for line in read(p).splitlines()[:2]:
        rec = json.loads(line)
        k100.append(k100_param(nu=rec["waybill"]))      # a waybill syncd never shipped
for b in k100:
    put("core_push", bytes([13, 0]) + b.encode())
put("core_push", bytes([13, 1]) + k100[0].encode())
put("core_push", bytes([13, 2]) + k100[0].encode())
put("core_push", bytes([13, 4]) + k100[2].encode())
put("core_push", bytes([12, 0]) + b"param=%7B%7D&sign=0123")
put("core_push", bytes([12, 0]) + b"param=%zz&sign=")

# fuzz_core_k100: byte 0 call (0 query, 1 subscribe), byte 1 HTTP status (0: 200), then the body.
for b in k100[:9]:
    res = json.loads(b)["lastResult"]
    res["data"] = list(reversed(res["data"]))  # poll/query.do answers ascending (order=asc)
    put("core_k100", b"\x00\x00" + json.dumps(res, ensure_ascii=False).encode())
put("core_k100", b"\x00\x00" + json.dumps(json.loads(k100[0])["lastResult"],
                                          ensure_ascii=False).encode())  # descending
for b in ['{"result":false,"returnCode":"503","message":"查询太频繁"}',
          '{"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}',
          '{"message":"ok","nu":"SF7400000000013","com":"shunfeng","data":{}}', "not json", ""]:
    put("core_k100", b"\x00\x00" + b.encode())
put("core_k100", b"\x00\x01" + k100[0].encode())
put("core_k100", b"\x00\x03{}")
for b in ['{"result":true,"returnCode":"200","message":"提交成功"}',
          '{"result":false,"returnCode":"501","message":"重复订阅"}',
          '{"result":false,"returnCode":"600","message":"您不是合法的订阅者"}',
          '{"result":true,"returnCode":200}', "[]", ""]:
    put("core_k100", b"\x01\x00" + b.encode())
put("core_k100", b"\x01\x04" + b'{"result":true,"returnCode":"200"}')

cfg = {"shops": [{"name": "sp1-1", "flavor": "shopee", "base_url": "http://127.0.0.1:1",
                  "shop_id": 1001, "partner_id": 2001, "partner_key": "k", "refresh_token": "r"},
                 {"name": "wx1-1", "flavor": "wechat", "base_url": "http://127.0.0.1:1",
                  "appid": "wx1", "secret": "s", "push_token": "t"}],
       "carriers": [{"code": "SF", "base_url": "http://127.0.0.1:2/SF", "partner_id": "p",
                     "checkword": "c"},
                    {"code": "ZTO", "base_url": "http://127.0.0.1:2/ZTO", "partner_id": "p",
                     "checkword": "c"}],
       "carrier_primary": "SF", "carrier_backup": "ZTO",
       "tracking": {"base_url": "http://127.0.0.1:2/kuaidi100", "customer": "c", "key": "k",
                    "salt": "s"},
       "push_base_url": "http://127.0.0.1:3",
       "catalog": [{"sku": "TEE-01", "stock": 5000, "daily_mean_sales": 800,
                    "ship_delay": "immediate"}],
       "sla_ship_within_s": 7200, "poll_interval_s": 60, "reconcile_interval_s": 900,
       "stock_sync_interval_s": 300, "admin_token": "tok"}
put("core_config", json.dumps(cfg))
small = dict(cfg)
del small["tracking"]
put("core_config", json.dumps(small))
put("core_config", "{}")

for i, c in enumerate(["SF", "ZTO", "YUNDA", "YTO", "STO", "JD"]):
    put("common_waybill", bytes([i]) + b"SF1234567890123")
    put("common_waybill", bytes([i]) + b"73100012345678")
for p in glob.glob("tests/fixtures/check/truth-carrier.jsonl"):
    for line in read(p).splitlines()[:10]:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        code = ["SF", "ZTO", "YUNDA", "YTO", "STO", "JD"]
        if rec.get("carrier") in code and rec.get("waybill"):
            put("common_waybill", bytes([code.index(rec["carrier"])]) + rec["waybill"].encode())

for s in ["hdr1 0", "hdr1 3 5:1 100:2", "hdr1 1 2000:1", "hdr1 2 0:1 1:1", "hdr2 1 1:1"]:
    put("common_hdr", s)

for s in [b"\x00\x001700000000000", b"\x00\x001700000000", b"\x01\x00ORD-2208A_1.x:y",
          b"\x02\x00http://127.0.0.1:8080/cb", b"\x02\x00http://localhost/cb",
          b"\x02\x00http://127.0.0.1.evil.com/x",
          b'\x03\x00{"orderId":"A1"}\n1700000000000\ncheckword', b'\x03\x01{"a":"b c*~"}\n1\nk',
          "\x04\x01快件到达【深圳华南中转场】".encode(), b"\x04\x02SF1234567890123",
          b"\x05\x00a b+c%"]:
    put("carrier_wire", s)

# fuzz_carrier_http: byte 0 kind (0 SF, 1 query, 2 subscribe, 3 raw), byte 1 carrier/service.
create = {"orderId": "ORD-1", "language": "zh-CN", "expressTypeId": 1, "payMethod": 1,
          "cargoDetails": [{"name": "T-shirt", "count": 1}],
          "contactInfoList": [{"contactType": 1, "contact": "A", "tel": "1", "address": "x"},
                              {"contactType": 2, "contact": "B", "tel": "2", "address": "y"}]}
sf_msgs = [(0, create), (3, {"orderId": "ORD-1", "searchType": 1}),
           (6, {"orderId": "ORD-1", "dealType": 2}),
           (9, {"trackingType": 1, "trackingNumber": ["SF1234567890123"], "language": "0"}),
           (12, {"waybillNo": "SF1234567890123"}), (15, {"x": 1})]
for sel, msg in sf_msgs:
    put("carrier_http", bytes([0, sel]) + json.dumps(msg, ensure_ascii=False).encode())
    put("carrier_http", bytes([0, sel + 1]) + json.dumps(msg).encode())
put("carrier_http", b"\x01\x00" + json.dumps({"com": "shunfeng", "num": "SF1234567890123",
                                                 "phone": "", "resultv2": "1"}).encode())
put("carrier_http", b"\x02\x00" + json.dumps({"company": "shunfeng", "number": "SF1234567890123",
                                                 "key": "k", "parameters": {
                                                     "callbackurl": "http://example.invalid/cb",
                                                     "salt": "s", "resultv2": "1"}}).encode())
put("carrier_http", b"\x03\x00Host: x\r\nContent-Length: 5\r\n\r\na=b&c")
put("carrier_http", b"\x03\x00Host: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n0\r\n\r\n")

for s in ["快件到达【深圳华南中转场】", "ascii only", "\u00e5\u00bf\u00ab", "2026-11-22 09:30:00",
          "2026-02-30 25:61:61", "1999-01-01 00:00:00"]:
    put("core_tracking", b"\x00" + s.encode())
    put("core_tracking", b"\x01" + s.encode())
for b in [b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe4\xb8", b"\xff", b"a\x01b"]:
    put("core_tracking", b"\x00" + b)
