#ifndef CSQUASHFS_SHIM_H
#define CSQUASHFS_SHIM_H

// libsquashfs 1.2 (squashfs-tools-ng, LGPL-3.0+), used only by the benchmarks as the reference reader.
// Include every header that *defines* a type Swift touches; <sqfs/predef.h> alone only forward-declares them.

#include <sqfs/predef.h>
#include <sqfs/block.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

/// The NUL-terminated name of a tree node; `name[]` is a flexible array member, which Swift does not import.
static inline const char *CSquashFS_tree_node_name(const sqfs_tree_node_t *node) {
    return (const char *)node->name;
}

/// The payload after an inode (a symbolic link's target, a file's block sizes); `extra[]` is a flexible array member.
static inline const void *CSquashFS_inode_payload(const sqfs_inode_generic_t *inode) {
    return (const void *)inode->extra;
}

#endif
