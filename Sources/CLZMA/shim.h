#ifndef CLZMA_SHIM_H
#define CLZMA_SHIM_H

#include <lzma.h>

/// `LZMA_STREAM_INIT` is a brace initializer; Swift cannot import it.
static inline lzma_stream CLZMA_stream_init(void) {
    lzma_stream stream = LZMA_STREAM_INIT;
    return stream;
}

/// `UINT32_C(...)` flag macros are not imported either.
static const uint32_t CLZMA_TELL_UNSUPPORTED_CHECK = LZMA_TELL_UNSUPPORTED_CHECK;
static const uint32_t CLZMA_CONCATENATED = LZMA_CONCATENATED;

/// `LZMA_VLI_UNKNOWN` (the filter chain terminator) and the filter IDs are `LZMA_VLI_C(...)` macros too.
static const lzma_vli CLZMA_VLI_UNKNOWN = LZMA_VLI_UNKNOWN;
static const lzma_vli CLZMA_FILTER_LZMA2 = LZMA_FILTER_LZMA2;
static const lzma_vli CLZMA_FILTER_DELTA = LZMA_FILTER_DELTA;

#endif
