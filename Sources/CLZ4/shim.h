#ifndef CLZ4_SHIM_H
#define CLZ4_SHIM_H

#include <lz4.h>
#include <lz4frame.h>

/// `LZ4_COMPRESSBOUND` is a function-like macro.
static inline int CLZ4_compressBound(int size) {
    return LZ4_COMPRESSBOUND(size);
}

#endif
