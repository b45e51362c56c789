#ifndef CZSTD_SHIM_H
#define CZSTD_SHIM_H

#include <zstd.h>

/// `ZSTD_CONTENTSIZE_*` are `0ULL - n` macros; re-exported as constants.
static const unsigned long long CZstd_CONTENTSIZE_UNKNOWN = ZSTD_CONTENTSIZE_UNKNOWN;
static const unsigned long long CZstd_CONTENTSIZE_ERROR = ZSTD_CONTENTSIZE_ERROR;

#endif
