#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

#include <zlib.h>

/// `inflateInit` is a macro that passes the header's version and stream size; Swift cannot import it.
static inline int CZlib_inflateInit(z_stream *stream) {
    return inflateInit(stream);
}

/// `deflateInit` is a macro as well (used by tests to make reference streams).
static inline int CZlib_deflateInit(z_stream *stream, int level) {
    return deflateInit(stream, level);
}

/// `inflateInit2` is a macro as well (content identification inflates gzip streams with automatic header detection).
static inline int CZlib_inflateInit2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
