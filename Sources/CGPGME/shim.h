#ifndef CGPGME_SHIM_H
#define CGPGME_SHIM_H

// gpgme's off_t must be 64 bits; system-library targets cannot carry cSettings, so it is set here.
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#include <gpgme.h>

// gpgme_check_version is also a function-like macro (it passes a layout check); Swift binds to the bare function.
static inline const char *CGPGME_check_version(const char *required) {
    return gpgme_check_version(required);
}

#endif
