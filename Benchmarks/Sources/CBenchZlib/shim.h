#ifndef CBENCHZLIB_SHIM_H
#define CBENCHZLIB_SHIM_H

// zlib for the decompression lower bound (`decode-bound`), the decoder `unsquashfs` and libsquashfs use.

#include <zlib.h>

/// `inflateInit` is a macro that passes the header's version and stream size, which Swift cannot import.
static inline int CBenchZlib_inflateInit(z_stream *stream) {
    return inflateInit(stream);
}

#endif
