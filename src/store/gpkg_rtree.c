/* Packed R-tree: writes a whole spatial index at once into SQLite's R*Tree
 * shadow tables, the way a bulk load should be, instead of inserting entries
 * one by one (each insertion searches, splits and reinserts).
 *
 * The layout is SQLite's own (ext/rtree/rtree.c): %_node(nodeno, data) holds
 * nodes of `node_size` bytes — a 2-byte tree depth (read from the root, node
 * 1), a 2-byte cell count, then cells of an 8-byte big-endian rowid or child
 * node number and four big-endian float32 (minx, maxx, miny, maxy);
 * %_rowid(rowid, nodeno) maps each entry to its leaf; %_parent(nodeno,
 * parentnode) maps each node but the root to its parent. Boxes are rounded
 * outwards to float32 as SQLite does. The tree is packed with the
 * Sort-Tile-Recursive method. SQLite's rtreecheck() accepts the result (the
 * tests run it).
 */
#include "store/gpkg_internal.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    int64_t id;   /* rowid (leaves) or node number (internal) */
    float box[4]; /* minx, maxx, miny, maxy */
} entry;

static float down(double v)
{
    float f = (float)v;
    return (double)f > v ? nextafterf(f, -INFINITY) : f;
}

static float up(double v)
{
    float f = (float)v;
    return (double)f < v ? nextafterf(f, INFINITY) : f;
}

static int cmp_x(const void *a, const void *b)
{
    const entry *p = a, *q = b;
    float x = p->box[0] + p->box[1], y = q->box[0] + q->box[1];
    return x < y ? -1 : x > y;
}

static int cmp_y(const void *a, const void *b)
{
    const entry *p = a, *q = b;
    float x = p->box[2] + p->box[3], y = q->box[2] + q->box[3];
    return x < y ? -1 : x > y;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static void put_be32f(unsigned char *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

typedef struct writer {
    sqlite3 *db;
    sqlite3_stmt *node, *rowid, *parent;
    int node_size, max_cells;
    int64_t next_node;
} writer;

/* Writes one node holding cells[0..n) with number nodeno. */
static int write_node(writer *w, int64_t nodeno, int depth, const entry *cells, int n)
{
    unsigned char *data = calloc(1, (size_t)w->node_size);
    if (!data)
        return SQLITE_NOMEM;
    data[0] = (unsigned char)(depth >> 8);
    data[1] = (unsigned char)depth;
    data[2] = (unsigned char)(n >> 8);
    data[3] = (unsigned char)n;
    for (int i = 0; i < n; i++) {
        unsigned char *c = data + 4 + 24 * i;
        put_be64(c, (uint64_t)cells[i].id);
        for (int k = 0; k < 4; k++)
            put_be32f(c + 8 + 4 * k, cells[i].box[k]);
    }
    sqlite3_bind_int64(w->node, 1, nodeno);
    sqlite3_bind_blob(w->node, 2, data, w->node_size, SQLITE_STATIC);
    int rc = sqlite3_step(w->node);
    sqlite3_reset(w->node);
    free(data);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int link_row(sqlite3_stmt *q, int64_t a, int64_t b)
{
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Packs `n` entries of one level into nodes; returns the parent-level entries
 * (malloc'd) in *up_out. Leaves (depth 0) also fill %_rowid. When the level
 * fits in one node, that node is the root, number 1. */
static int pack_level(writer *w, entry *e, size_t n, int depth, int tree_depth, entry **up_out,
                      size_t *nup)
{
    size_t m = (size_t)w->max_cells;
    size_t nodes = (n + m - 1) / m;
    *up_out = NULL;
    *nup = 0;
    bool root = nodes <= 1;
    if (!root) {
        /* Sort-Tile-Recursive: vertical slices of whole nodes, each sorted by y */
        size_t slices = (size_t)ceil(sqrt((double)nodes));
        size_t per_slice = ((nodes + slices - 1) / slices) * m;
        qsort(e, n, sizeof *e, cmp_x);
        for (size_t s = 0; s < n; s += per_slice)
            qsort(e + s, (n - s < per_slice ? n - s : per_slice), sizeof *e, cmp_y);
        *up_out = malloc(nodes * sizeof **up_out);
        if (!*up_out)
            return SQLITE_NOMEM;
    }
    for (size_t i = 0; i < n || (root && i == 0); i += m) {
        int cnt = (int)(n - i < m ? n - i : m);
        int64_t nodeno = root ? 1 : w->next_node++;
        const entry *cells = cnt ? e + i : NULL; /* an empty tree has no entries at all */
        int rc = write_node(w, nodeno, root ? tree_depth : 0, cells, cnt);
        for (int k = 0; rc == SQLITE_OK && k < cnt; k++)
            rc = depth == 0 ? link_row(w->rowid, e[i + k].id, nodeno)
                            : link_row(w->parent, e[i + k].id, nodeno);
        if (rc != SQLITE_OK)
            return rc;
        if (!root) {
            entry *u = &(*up_out)[(*nup)++];
            u->id = nodeno;
            u->box[0] = u->box[2] = INFINITY;
            u->box[1] = u->box[3] = -INFINITY;
            for (int k = 0; k < cnt; k++) {
                const float *b = e[i + k].box;
                u->box[0] = fminf(u->box[0], b[0]);
                u->box[1] = fmaxf(u->box[1], b[1]);
                u->box[2] = fminf(u->box[2], b[2]);
                u->box[3] = fmaxf(u->box[3], b[3]);
            }
        }
        if (cnt == 0)
            break;
    }
    return SQLITE_OK;
}

static int tree_depth_for(size_t n, size_t m)
{
    int d = 0;
    size_t nodes = (n + m - 1) / m;
    while (nodes > 1) {
        d++;
        nodes = (nodes + m - 1) / m;
    }
    return d;
}

dm_status dm_gpkg_rtree_rebuild(sqlite3 *db, const char *table, dm_error *err)
{
    char sql[512];
    sqlite3_stmt *q = NULL;
    entry *e = NULL;
    size_t n = 0, cap = 0;
    writer w = {.db = db};
    int rc;
    /* the node size of this rtree: the length of its root node */
    snprintf(sql, sizeof sql, "SELECT length(data) FROM \"rtree_%s_geom_node\" WHERE nodeno = 1",
             table);
    rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        w.node_size = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_OK || w.node_size < 4 + 24 * 2)
        return dm_error_set(err, DM_ESTORE, "spatial index of %s: unexpected node layout", table);
    w.max_cells = (w.node_size - 4) / 24;
    w.next_node = 2;
    snprintf(sql, sizeof sql,
             "SELECT fid, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom) FROM "
             "\"%s\" WHERE geom NOT NULL AND NOT ST_IsEmpty(geom)",
             table);
    rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            entry *p = realloc(e, ncap * sizeof *e);
            if (!p) {
                rc = SQLITE_NOMEM;
                break;
            }
            e = p;
            cap = ncap;
        }
        e[n].id = sqlite3_column_int64(q, 0);
        e[n].box[0] = down(sqlite3_column_double(q, 1));
        e[n].box[1] = up(sqlite3_column_double(q, 2));
        e[n].box[2] = down(sqlite3_column_double(q, 3));
        e[n].box[3] = up(sqlite3_column_double(q, 4));
        n++;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql,
                 "DELETE FROM \"rtree_%1$s_geom_node\"; DELETE FROM \"rtree_%1$s_geom_rowid\";"
                 " DELETE FROM \"rtree_%1$s_geom_parent\";",
                 table);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql, "INSERT INTO \"rtree_%s_geom_node\" VALUES (?, ?)", table);
        rc = sqlite3_prepare_v2(db, sql, -1, &w.node, NULL);
    }
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql, "INSERT INTO \"rtree_%s_geom_rowid\" VALUES (?, ?)", table);
        rc = sqlite3_prepare_v2(db, sql, -1, &w.rowid, NULL);
    }
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql, "INSERT INTO \"rtree_%s_geom_parent\" VALUES (?, ?)", table);
        rc = sqlite3_prepare_v2(db, sql, -1, &w.parent, NULL);
    }
    int depth = tree_depth_for(n, (size_t)w.max_cells);
    entry *level = e;
    size_t nlevel = n;
    for (int d = 0; rc == SQLITE_OK && d <= depth; d++) {
        entry *upper = NULL;
        size_t nupper = 0;
        rc = pack_level(&w, level, nlevel, d, depth, &upper, &nupper);
        if (level != e)
            free(level);
        level = upper;
        nlevel = nupper;
    }
    if (level != e)
        free(level);
    free(e);
    sqlite3_finalize(w.node);
    sqlite3_finalize(w.rowid);
    sqlite3_finalize(w.parent);
    if (rc == SQLITE_NOMEM)
        return dm_error_set(err, DM_ENOMEM, "out of memory building the spatial index");
    if (rc != SQLITE_OK)
        return dm_error_set(err, (rc & 0xff) == SQLITE_FULL ? DM_EFULL : DM_ESTORE,
                            "building the spatial index of %s failed: %s (%d)", table,
                            sqlite3_errmsg(db), rc);
    return DM_OK;
}
