#ifndef CBENCHDEFLATE_SHIM_H
#define CBENCHDEFLATE_SHIM_H

// libdeflate for the decompression lower bound (`decode-bound`), the whole-buffer zlib decoder the Swift reader uses
// for gzip images.

#include <libdeflate.h>

#endif
