/* Every limit of shipsim as a named constant, unit last in the name. */
#ifndef SHIPSIM_LIMITS_H
#define SHIPSIM_LIMITS_H

/* HTTP, both directions */
#define HTTP_BODY_BYTES_MAX (4 * 1024 * 1024) /* request or response body */
#define HTTP_HEADERS_BYTES_MAX (16 * 1024)    /* all request headers */
#define HTTP_URL_BYTES_MAX 2048               /* one URL */
#define HTTP_TIMEOUT_MS_DEFAULT 5000          /* client per-request timeout */
#define HTTP_SERVER_TIMEOUT_S 10              /* evhttp read/write timeout */
#define HTTP_REQUEST_READ_DEADLINE_MS 10000   /* server: a request read whole from its 1st byte */
#define HTTP_CLIENT_CONNECTIONS_MAX 64        /* per http_client, per host */
#define HTTP_CLIENT_PENDING_MAX 200000        /* queued requests per client */

/* Scenario */
#define SCENARIO_FILE_BYTES_MAX (1024 * 1024)
#define SCENARIO_NAME_BYTES_MAX 64
#define SCENARIO_TEXT_BYTES_MAX 1024
#define SCENARIO_SHOP_GROUPS_MAX 16
#define SCENARIO_SHOPS_MAX 64 /* shop instances, all groups */
#define SCENARIO_SHOPS_PER_GROUP_MAX 16
#define SCENARIO_CARRIERS_MAX 8
#define SCENARIO_SKUS_MAX 256
#define SCENARIO_STAGES_MAX 32
#define SCENARIO_FAULTS_MAX 64
#define SCENARIO_CRASHES_MAX 256
#define SCENARIO_THRESHOLDS_MAX 64
#define SCENARIO_DURATION_S_MAX (30 * 24 * 3600)
#define SCENARIO_TIME_SCALE_MAX 100000.0
#define SCENARIO_RATE_PER_S_MAX 100000.0
#define SCENARIO_LINES_PER_ORDER_MAX 5
#define SCENARIO_BUYERS_MAX 10000000

/* Shared names */
#define SKU_BYTES_MAX 32
#define SHOP_NAME_BYTES_MAX 32
#define CARRIER_CODE_BYTES_MAX 8
#define ORDER_ID_BYTES_MAX 32
#define WAYBILL_BYTES_MAX 32
#define ENDPOINT_BYTES_MAX 96
#define SECRET_BYTES_MAX 80

/* Errors written into caller buffers */
#define ERR_BYTES_MAX 512

/* Histograms (hdr.h): values 1 .. 3.6e9 units */
#define HDR_VALUE_MAX 3600000000LL

/* Logging */
#define LOG_LINE_BYTES_MAX 2048

#endif
