#ifndef CBENCHLZMA_SHIM_H
#define CBENCHLZMA_SHIM_H

// liblzma for the decompression lower bound (`decode-bound`). A module of its own, apart from the main package's
// `CLZMA`, so that the bound depends only on the system library and not on the reader it bounds.

#include <lzma.h>

/// `LZMA_STREAM_INIT` is a brace initializer, which Swift cannot import.
static inline lzma_stream CBenchLZMA_stream_init(void) {
    lzma_stream stream = LZMA_STREAM_INIT;
    return stream;
}

#endif
