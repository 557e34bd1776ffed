/* Import through GDAL/OGR: map, check, repair, store; rejects to a file. */
#include "io/import.h"

#include "core/buf.h"
#include "core/strmap.h"
#include "core/utf8.h"
#include "io/gdal_util.h"
#include "io/minefield_import.h"
#include "io/upload.h"

#include <errno.h>
#include <math.h>
#include <gdal.h>
#include <libgen.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CODE_TARGET "code"

/* Splits "target=rest" into target (copied into out) and rest. */
static const char *split_pair(const char *pair, char *target, size_t tsz)
{
    const char *eq = strchr(pair, '=');
    if (!eq || eq == pair || (size_t)(eq - pair) >= tsz)
        return NULL;
    memcpy(target, pair, (size_t)(eq - pair));
    target[eq - pair] = '\0';
    return eq + 1;
}

static void field_names(const dm_kind *k, char *out, size_t outsz)
{
    size_t used = (size_t)snprintf(out, outsz, "code");
    for (size_t i = 0; i < k->nfields && used < outsz; i++)
        used += (size_t)snprintf(out + used, outsz - used, ", %s", k->fields[i].name);
}

static dm_status check_target(const dm_kind *k, const char *opt, const char *pair,
                              const char *target, dm_error *err)
{
    if (!strcmp(target, CODE_TARGET) || dm_kind_field_index(k, target) >= 0)
        return DM_OK;
    char names[512];
    field_names(k, names, sizeof names);
    return dm_error_set(err, DM_EINVAL, "%s %s: %s have no field '%s'; their fields are: %s", opt,
                        pair, k->name, target, names);
}

dm_status dm_import_check_options(const dm_import_opts *o, dm_error *err)
{
    char target[128];
    for (size_t i = 0; i < o->nmap; i++) {
        const char *src = split_pair(o->map[i], target, sizeof target);
        if (!src || !*src)
            return dm_error_set(err, DM_EINVAL,
                                "--map %s: write --map FIELD=SOURCE_COLUMN (e.g. --map "
                                "name=shapeName)",
                                o->map[i]);
        dm_status st = check_target(o->kind, "--map", o->map[i], target, err);
        if (st)
            return st;
    }
    for (size_t i = 0; i < o->nset; i++) {
        const char *value = split_pair(o->set[i], target, sizeof target);
        if (!value)
            return dm_error_set(err, DM_EINVAL,
                                "--set %s: write --set FIELD=VALUE (e.g. --set status=SHA)",
                                o->set[i]);
        dm_status st = check_target(o->kind, "--set", o->set[i], target, err);
        if (st)
            return st;
        if (!strcmp(target, CODE_TARGET))
            return dm_error_set(err, DM_EINVAL,
                                "--set code=...: every record needs its own code; map a column "
                                "with --map code=COLUMN instead");
        char *canon = NULL;
        st = dm_field_normalise(&o->kind->fields[dm_kind_field_index(o->kind, target)], value,
                                &canon, err);
        free(canon);
        if (st) {
            dm_error_prefix(err, "--set %s", o->set[i]);
            return st;
        }
    }
    if (o->state && strcmp(o->state, "approved") && strcmp(o->state, "submitted") &&
        strcmp(o->state, "draft"))
        return dm_error_set(err, DM_EINVAL,
                            "--state %s: new records can be approved, submitted or draft",
                            o->state);
    if (!o->rejects_path || !*o->rejects_path)
        return dm_error_set(err, DM_EINVAL, "no rejects file given");
    return DM_OK;
}

/* Where each target field's value comes from. */
typedef struct mapping {
    int src[DM_MAX_FIELDS]; /* source field index per kind field, -1 = none */
    const char *constant[DM_MAX_FIELDS];
    int code_src;         /* source field for the code, -1 = assign */
    int lon_src, lat_src; /* lon/lat columns of a table without geometry, or -1 */
    bool *mapped;         /* per source field: used by a target */
    int nsrc;
    int key_src;         /* the column of a row's key, KEY_FID, or KEY_NONE */
    char key_label[400]; /* what a key value is prefixed with in its identity */
} mapping;

#define KEY_NONE (-1)
#define KEY_FID (-2)

/* True when name is one of the spellings of a longitude (or latitude) column. */
static bool coordinate_name(const char *name, bool lon)
{
    static const char *const lons[] = {"lon", "long", "lng", "longitude", "x", NULL};
    static const char *const lats[] = {"lat", "latitude", "y", NULL};
    for (const char *const *n = lon ? lons : lats; *n; n++)
        if (!strcasecmp(name, *n))
            return true;
    return false;
}

static dm_status build_mapping(const dm_import_opts *o, OGRFeatureDefnH defn, mapping *m,
                               dm_error *err)
{
    const dm_kind *k = o->kind;
    m->nsrc = OGR_FD_GetFieldCount(defn);
    m->mapped = calloc((size_t)m->nsrc + 1, sizeof(bool));
    if (!m->mapped)
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    m->code_src = -1;
    m->lon_src = m->lat_src = -1;
    /* a table without geometry (a spreadsheet, say) with lon/lat columns:
       points come from those columns */
    if (OGR_FD_GetGeomFieldCount(defn) == 0 && o->kind->geom != DM_GEOM_NONE) {
        for (int s = 0; s < m->nsrc; s++) {
            const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, s));
            if (m->lon_src < 0 && coordinate_name(name, true))
                m->lon_src = s;
            else if (m->lat_src < 0 && coordinate_name(name, false))
                m->lat_src = s;
        }
        if (m->lon_src >= 0 && m->lat_src >= 0)
            m->mapped[m->lon_src] = m->mapped[m->lat_src] = true;
        else
            m->lon_src = m->lat_src = -1;
    }
    for (size_t i = 0; i < DM_MAX_FIELDS; i++) {
        m->src[i] = -1;
        m->constant[i] = NULL;
    }
    /* source columns named like a field map to it by themselves */
    for (int s = 0; s < m->nsrc; s++) {
        const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, s));
        if (!strcasecmp(name, CODE_TARGET)) {
            m->code_src = s;
            m->mapped[s] = true;
            continue;
        }
        for (size_t f = 0; f < k->nfields; f++)
            if (!strcasecmp(name, k->fields[f].name) && m->src[f] < 0) {
                m->src[f] = s;
                m->mapped[s] = true;
            }
    }
    char target[128];
    for (size_t i = 0; i < o->nmap; i++) {
        const char *src = split_pair(o->map[i], target, sizeof target);
        int s = OGR_FD_GetFieldIndex(defn, src);
        if (s < 0) {
            dm_buf names;
            dm_buf_init(&names, 4096);
            for (int j = 0; j < m->nsrc; j++)
                dm_buf_printf(&names, "%s%s", j ? ", " : "",
                              OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, j)));
            dm_status st =
                dm_error_set(err, DM_EINVAL, "--map %s: %s has no column '%s'; its columns are: %s",
                             o->map[i], o->path, src, names.data ? names.data : "(none)");
            dm_buf_free(&names);
            return st;
        }
        /* a column that matched the field by name is no longer its source: it
           goes back to the attributes */
        int *slot =
            !strcmp(target, CODE_TARGET) ? &m->code_src : &m->src[dm_kind_field_index(k, target)];
        if (*slot >= 0 && *slot != s)
            m->mapped[*slot] = false;
        *slot = s;
        m->mapped[s] = true;
    }
    for (size_t i = 0; i < o->nset; i++) {
        const char *value = split_pair(o->set[i], target, sizeof target);
        int f = dm_kind_field_index(k, target);
        m->constant[f] = value;
        if (m->src[f] >= 0)
            m->mapped[m->src[f]] = false; /* the column is kept as an attribute */
        m->src[f] = -1;
    }
    return DM_OK;
}

/* The kinds whose rows are places, identified by key or content; victims
 * and casualty rows are people (import.h). */
static bool has_identity(const dm_kind *k)
{
    return k != &dm_kind_victims && k != &dm_kind_casualty_rows;
}

static int column_named(OGRFeatureDefnH defn, const char *name)
{
    int n = OGR_FD_GetFieldCount(defn);
    for (int s = 0; s < n; s++)
        if (!strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, s)), name))
            return s;
    for (int s = 0; s < n; s++)
        if (!strcasecmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, s)), name))
            return s;
    return -1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Which column identifies a row (import.h), into m->key_src and
 * m->key_label. */
static dm_status resolve_key(const dm_import_opts *o, OGRLayerH layer, OGRFeatureDefnH defn,
                             mapping *m, dm_error *err)
{
    m->key_src = KEY_NONE;
    if (!has_identity(o->kind))
        return o->key ? dm_error_set(err, DM_EINVAL,
                                     "--key: %s are people, identified by their incident, "
                                     "not by a key",
                                     o->kind->name)
                      : DM_OK;
    const char *fid_col = OGR_L_GetFIDColumn(layer);
    bool has_fid_col = fid_col && *fid_col;
    if (o->key) {
        int s = column_named(defn, o->key);
        if (s >= 0) {
            m->key_src = s;
            snprintf(m->key_label, sizeof m->key_label, "key:%s=", o->key);
            return DM_OK;
        }
        if (!strcasecmp(o->key, "id") || !strcasecmp(o->key, "fid") ||
            (has_fid_col && !strcasecmp(o->key, fid_col))) {
            m->key_src = KEY_FID;
            snprintf(m->key_label, sizeof m->key_label, "id:%s:", base_name(o->path));
            return DM_OK;
        }
        dm_buf names;
        dm_buf_init(&names, 4096);
        for (int j = 0; j < m->nsrc; j++)
            dm_buf_printf(&names, "%s%s", j ? ", " : "",
                          OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, j)));
        dm_status st =
            dm_error_set(err, DM_EINVAL, "--key %s: %s has no column '%s'; its columns are: %s",
                         o->key, o->path, o->key, names.data ? names.data : "(none)");
        dm_buf_free(&names);
        return st;
    }
    if (m->code_src >= 0) {
        m->key_src = m->code_src;
        snprintf(m->key_label, sizeof m->key_label, "code:");
        return DM_OK;
    }
    int s = column_named(defn, "id");
    if (s >= 0 && !m->mapped[s]) {
        m->key_src = s;
        snprintf(m->key_label, sizeof m->key_label, "key:id=");
    } else if (has_fid_col) {
        m->key_src = KEY_FID;
        snprintf(m->key_label, sizeof m->key_label, "id:%s:", base_name(o->path));
    }
    return DM_OK;
}

/* The text of source field s, with dates written as ISO 8601. Returns a
 * pointer valid until the next call, or NULL when the field is null/unset. */
static const char *field_text(OGRFeatureH f, int s, char *tmp, size_t tmpsz)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, s))
        return NULL;
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, s));
    if (t == OFTDate || t == OFTDateTime) {
        int y, mo, d, h, mi, tz;
        float sec;
        if (OGR_F_GetFieldAsDateTimeEx(f, s, &y, &mo, &d, &h, &mi, &sec, &tz)) {
            snprintf(tmp, tmpsz, "%04d-%02d-%02d", y, mo, d);
            return tmp;
        }
    }
    return OGR_F_GetFieldAsString(f, s);
}

struct dm_import_rejects {
    FILE *fp;
    char path[1100];
    char tmp_path[1200];
    int64_t count;
};
typedef struct dm_import_rejects rejects;

static dm_status reject(rejects *r, int64_t row, const char *reason, dm_error *err)
{
    if (!r->fp) {
        snprintf(r->tmp_path, sizeof r->tmp_path, "%s.part", r->path);
        r->fp = fopen(r->tmp_path, "w");
        if (!r->fp)
            return dm_error_set(err, DM_EIO, "cannot write the rejects file %s: %s", r->tmp_path,
                                strerror(errno));
        fputs("row,reason\n", r->fp);
    }
    fprintf(r->fp, "%lld,\"", (long long)row);
    for (const char *p = reason; *p; p++) {
        if (*p == '"')
            fputc('"', r->fp);
        fputc(*p == '\n' ? ' ' : *p, r->fp);
    }
    fputs("\"\n", r->fp);
    r->count++;
    if (ferror(r->fp))
        return dm_error_set(err, DM_EIO, "cannot write the rejects file %s", r->tmp_path);
    return DM_OK;
}

dm_status dm_import_reject(dm_import_rejects *rj, int64_t row, const char *reason, dm_error *err)
{
    return reject(rj, row, reason, err);
}

/* Finishes the rejects file: renamed into place when keep, else removed. */
static dm_status rejects_finish(rejects *r, bool keep, dm_error *err)
{
    if (!r->fp) {
        /* no rejects this time: a file of the same name from an earlier run
           would tell of rows that are not rejected now */
        if (keep && unlink(r->path) != 0 && errno != ENOENT)
            return dm_error_set(err, DM_EIO, "cannot remove the old rejects file %s: %s", r->path,
                                strerror(errno));
        return DM_OK;
    }
    int bad = fclose(r->fp) != 0;
    r->fp = NULL;
    if (!keep || bad) {
        unlink(r->tmp_path);
        return bad && keep
                   ? dm_error_set(err, DM_EIO, "cannot write the rejects file %s", r->tmp_path)
                   : DM_OK;
    }
    if (rename(r->tmp_path, r->path) != 0) {
        dm_status st = dm_error_set(err, DM_EIO, "cannot write the rejects file %s: %s", r->path,
                                    strerror(errno));
        unlink(r->tmp_path);
        return st;
    }
    return DM_OK;
}

/* Appends the unmapped source fields as a JSON object. A column whose name
 * or value is not UTF-8 is reported in *bad_field (the row is a reject);
 * numbers that are not finite are written as null, as JSON has no others. */
static dm_status unmapped_json(OGRFeatureH f, const mapping *m, dm_buf *b, bool *any,
                               int *bad_field)
{
    dm_buf_reset(b);
    *any = false;
    *bad_field = -1;
    dm_buf_puts(b, "{");
    char tmp[64];
    for (int s = 0; s < m->nsrc; s++) {
        if (m->mapped[s])
            continue;
        const char *v = field_text(f, s, tmp, sizeof tmp);
        if (!v)
            continue;
        const char *name = OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, s));
        if (!dm_utf8_valid(v, strlen(v), NULL) || !dm_utf8_valid(name, strlen(name), NULL)) {
            *bad_field = s;
            return DM_OK;
        }
        if (*any)
            dm_buf_puts(b, ",");
        dm_buf_json_string(b, name);
        dm_buf_puts(b, ":");
        OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, s));
        if (t == OFTInteger || t == OFTInteger64)
            dm_buf_puts(b, v);
        else if (t == OFTReal)
            dm_buf_json_number(b, OGR_F_GetFieldAsDouble(f, s));
        else
            dm_buf_json_string(b, v);
        *any = true;
    }
    dm_buf_puts(b, "}");
    return b->status;
}

/* One row as read from the source by the reader thread: text and WKB only,
 * no GEOS and no store, so that reading overlaps checking and storing. */
typedef struct raw_row {
    int64_t row;               /* 1-based row number in the source */
    char *code;                /* source code text or NULL */
    char *vals[DM_MAX_FIELDS]; /* source text per field (NULL: none/unset) */
    char *attrs;               /* JSON of unmapped columns or NULL */
    unsigned char *wkb;        /* 2D ISO WKB in EPSG:4326, or NULL (null geometry) */
    size_t wkb_len;
    char *reject;   /* set when the row is already known to be bad */
    char *identity; /* its key's identity (import.h), NULL: none (its content) */
} raw_row;

static void raw_free(raw_row *r)
{
    if (!r)
        return;
    free(r->code);
    for (size_t i = 0; i < DM_MAX_FIELDS; i++)
        free(r->vals[i]);
    free(r->attrs);
    free(r->wkb);
    free(r->reject);
    free(r->identity);
    free(r);
}

/* Marks the row as a reject with a formatted reason; returns DM_OK (a bad
 * row is not an error of the import) or DM_ENOMEM. */
static dm_status raw_reject(raw_row *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static dm_status raw_reject(raw_row *r, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->reject = strdup(msg);
    return r->reject ? DM_OK : DM_ENOMEM;
}

/* Converts the OGR geometry of a row to 2D ISO WKB in EPSG:4326. */
static dm_status row_wkb(OGRGeometryH og, OGRCoordinateTransformationH ct, raw_row *r)
{
    OGRGeometryH g = OGR_G_Clone(og);
    if (!g)
        return DM_ENOMEM;
    if (OGR_G_HasCurveGeometry(g, TRUE)) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        OGR_G_DestroyGeometry(g);
        g = lin;
        if (!g)
            return raw_reject(r, "curved geometry could not be converted to lines");
    }
    if (ct) {
        /* No coordinate reference system on Earth reaches a million kilometres;
           beyond that PROJ can spin for ever on a single value (seen with
           1e117 in EPSG:3857), so such a row stops here. */
        OGREnvelope env;
        OGR_G_GetEnvelope(g, &env);
        const double limit = 1e9;
        if (!(fabs(env.MinX) <= limit && fabs(env.MaxX) <= limit && fabs(env.MinY) <= limit &&
              fabs(env.MaxY) <= limit)) {
            OGR_G_DestroyGeometry(g);
            return raw_reject(r, "coordinates out of any plausible range for the file's "
                                 "coordinate system (beyond 1e9)");
        }
    }
    if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(g);
        return raw_reject(r, "coordinates could not be converted to WGS 84 longitude/latitude");
    }
    OGR_G_FlattenTo2D(g);
    if (OGR_G_IsEmpty(g)) {
        OGR_G_DestroyGeometry(g);
        return raw_reject(r, "empty geometry");
    }
    int n = OGR_G_WkbSize(g);
    r->wkb = malloc((size_t)n);
    if (!r->wkb) {
        OGR_G_DestroyGeometry(g);
        return DM_ENOMEM;
    }
    OGR_G_ExportToIsoWkb(g, wkbNDR, r->wkb);
    r->wkb_len = (size_t)n;
    OGR_G_DestroyGeometry(g);
    return DM_OK;
}

/* The point of a row given by lon/lat columns (empty cells: no geometry). */
static dm_status lon_lat_point(OGRFeatureH f, const mapping *m, OGRCoordinateTransformationH ct,
                               raw_row *r)
{
    char tmp[64];
    const char *sx = field_text(f, m->lon_src, tmp, sizeof tmp);
    char *x_text = sx ? strdup(sx) : NULL;
    const char *sy = field_text(f, m->lat_src, tmp, sizeof tmp);
    dm_status st = DM_OK;
    if ((sx && !x_text))
        st = DM_ENOMEM;
    else if (x_text && *x_text && sy && *sy) {
        char *ex, *ey;
        double x = strtod(x_text, &ex), y = strtod(sy, &ey);
        if (*ex || *ey || ex == x_text || ey == sy) {
            st = raw_reject(r, "longitude/latitude '%.30s' / '%.30s' are not numbers", x_text, sy);
        } else {
            OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
            if (!pt) {
                st = DM_ENOMEM;
            } else {
                OGR_G_SetPoint_2D(pt, 0, x, y);
                st = row_wkb(pt, ct, r);
                OGR_G_DestroyGeometry(pt);
            }
        }
    }
    free(x_text);
    return st;
}

/* Reader side: takes what the row says, checks that its text is UTF-8.
 * Returns DM_OK (the row may carry a reject reason) or DM_ENOMEM. */
static dm_status extract_row(const dm_import_opts *o, OGRFeatureH f, const mapping *m,
                             OGRCoordinateTransformationH ct, dm_buf *attrs, raw_row *r)
{
    const dm_kind *k = o->kind;
    char tmp[64];
    if (m->key_src != KEY_NONE) {
        char fid[32];
        const char *v = NULL;
        if (m->key_src == KEY_FID) {
            snprintf(fid, sizeof fid, "%lld", (long long)OGR_F_GetFID(f));
            v = fid;
        } else {
            v = field_text(f, m->key_src, tmp, sizeof tmp);
        }
        if (v && *v) {
            size_t bad;
            if (!dm_utf8_valid(v, strlen(v), &bad))
                return raw_reject(r, "its key is not valid UTF-8 text (byte %zu)", bad + 1);
            if (strlen(m->key_label) + strlen(v) >= DM_IMPORT_IDENTITY_MAX)
                return raw_reject(r, "its key is longer than %d bytes",
                                  DM_IMPORT_IDENTITY_MAX - 1 - (int)strlen(m->key_label));
            size_t n = strlen(m->key_label) + strlen(v) + 1;
            if (!(r->identity = malloc(n)))
                return DM_ENOMEM;
            snprintf(r->identity, n, "%s%s", m->key_label, v);
        }
    }
    if (m->code_src >= 0) {
        const char *code = field_text(f, m->code_src, tmp, sizeof tmp);
        if (code && *code) {
            dm_error cerr;
            if (dm_code_check(code, &cerr))
                return raw_reject(r, "%s", cerr.msg);
            if (!(r->code = strdup(code)))
                return DM_ENOMEM;
        }
    }
    for (size_t i = 0; i < k->nfields; i++) {
        if (m->constant[i] || m->src[i] < 0)
            continue;
        const char *v = field_text(f, m->src[i], tmp, sizeof tmp);
        if (!v)
            continue;
        size_t bad;
        if (!dm_utf8_valid(v, strlen(v), &bad))
            return raw_reject(r,
                              "column '%s' is not valid UTF-8 text (byte %zu): save the file as "
                              "UTF-8",
                              OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, m->src[i])), bad + 1);
        if (!(r->vals[i] = strdup(v)))
            return DM_ENOMEM;
    }
    bool any;
    int bad_field;
    if (unmapped_json(f, m, attrs, &any, &bad_field))
        return DM_ENOMEM;
    if (bad_field >= 0)
        return raw_reject(r,
                          "column %d has a name or value that is not valid UTF-8 text: save the "
                          "file as UTF-8",
                          bad_field + 1);
    if (any && !(r->attrs = strdup(attrs->data)))
        return DM_ENOMEM;
    if (m->lon_src >= 0)
        return lon_lat_point(f, m, ct, r);
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (og && k->geom != DM_GEOM_NONE)
        return row_wkb(og, ct, r);
    return DM_OK;
}

/* Store side: builds the record from a raw row. A DM_EINVAL status means
 * "reject this row" (reason in err); anything else stops the import. */
static dm_status build_record(const dm_import_opts *o, dm_geo *geo, raw_row *r, const mapping *m,
                              dm_record *rec, char *warning, size_t warnsz, dm_error *err)
{
    const dm_kind *k = o->kind;
    dm_status st;
    warning[0] = '\0';
    if (r->reject)
        return dm_error_set(err, DM_EINVAL, "%s", r->reject);
    if (r->code && (st = dm_record_set_code(rec, r->code, err)))
        return st;
    for (size_t i = 0; i < k->nfields; i++) {
        const char *v = m->constant[i] ? m->constant[i] : r->vals[i];
        if (v && (st = dm_record_set(rec, k->fields[i].name, v, err)))
            return st;
    }
    rec->attributes = r->attrs;
    r->attrs = NULL;
    if (r->wkb) {
        GEOSGeometry *g;
        st = dm_geo_from_wkb(geo, r->wkb, r->wkb_len, &g, err);
        if (st && strstr(err->msg, "closed"))
            return dm_error_set(err, DM_EINVAL,
                                "polygon ring not closed: its first and last points differ");
        if (st && strstr(err->msg, "must contain 0 or >=4 elements"))
            return dm_error_set(err, DM_EINVAL, "polygon ring has fewer than 4 points");
        if (st)
            return st;
        st = dm_geo_prepare(geo, g, k->geom, o->strict, &rec->geom, warning, warnsz, err);
        if (st)
            return st;
    } else if (k->geom_required) {
        return dm_error_set(err, DM_EINVAL, "no geometry (null)");
    }
    return dm_record_check_complete(rec, err);
}

/* ---- the pipeline: reader -> checker -> writer ----
 *
 * Three threads, each with one kind of work: the reader parses the source
 * with GDAL (raw rows), the checker turns raw rows into records (values
 * checked, geometries read, checked and repaired with GEOS in its own
 * context), and the calling thread, the writer, stores them in order. On two
 * cores the three overlap; bounded queues keep memory flat. */

#define QUEUE_CAP 16 /* batches */
#define BATCH 128    /* rows per batch: one hand-off between threads per batch */

/* A batch of rows travelling between two threads. */
typedef struct batch {
    void *rows[BATCH];
    size_t n;
} batch;

typedef struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    void *items[QUEUE_CAP];
    size_t head, count;
    bool done;      /* the producer has finished */
    bool cancelled; /* the consumer gave up: the producer should stop */
} queue;

static void queue_init(queue *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
}

static void queue_destroy(queue *q)
{
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

/* False when the consumer cancelled: the item was not taken. */
static bool queue_push(queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == QUEUE_CAP && !q->cancelled)
        pthread_cond_wait(&q->not_full, &q->lock);
    bool ok = !q->cancelled;
    if (ok) {
        q->items[(q->head + q->count) % QUEUE_CAP] = item;
        q->count++;
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->lock);
    return ok;
}

/* The next item, or NULL once the producer has finished and all is taken. */
static void *queue_pop(queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->done)
        pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = NULL;
    if (q->count) {
        item = q->items[q->head];
        q->head = (q->head + 1) % QUEUE_CAP;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

static void queue_close(queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->done = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static void queue_cancel(queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->cancelled = true;
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->lock);
}

/* The hash of what a record says (its values, attributes and geometry, not
 * its code or state) in lower-case hex: the content of a row's identity. */
static dm_status content_hash(dm_geo *geo, const dm_record *rec, char out[DM_CONTENT_HASH_MAX],
                              dm_error *err)
{
    crypto_generichash_state h;
    enum { BYTES = 16 };
    crypto_generichash_init(&h, NULL, 0, BYTES);
    const dm_kind *k = rec->kind;
    for (size_t i = 0; i <= k->nfields; i++) {
        /* each value with a tag (absent, or present and NUL-ended), so that no
           two records hash the same bytes */
        const char *v = i < k->nfields ? rec->values[i] : rec->attributes;
        unsigned char tag = v ? 1 : 0;
        crypto_generichash_update(&h, &tag, 1);
        if (v)
            crypto_generichash_update(&h, (const unsigned char *)v, strlen(v) + 1);
    }
    if (rec->geom) {
        unsigned char *wkb;
        size_t len;
        dm_status st = dm_geo_to_wkb(geo, rec->geom, &wkb, &len, err);
        if (st)
            return st;
        crypto_generichash_update(&h, wkb, len);
        free(wkb);
    }
    unsigned char bin[BYTES];
    crypto_generichash_final(&h, bin, BYTES);
    sodium_bin2hex(out, DM_CONTENT_HASH_MAX, bin, BYTES);
    return DM_OK;
}

/* A row after the checker: a record ready to store, or why it is not. */
typedef struct checked_row {
    int64_t row;
    char *identity;                 /* from its key, or NULL (see raw_row) */
    char hash[DM_CONTENT_HASH_MAX]; /* content_hash of rec, "" without identity */
    dm_record rec;
    dm_status st; /* DM_OK, DM_EINVAL & co. (a reject), or a failure */
    dm_error err;
    char warning[600];
} checked_row;

static void checked_free(checked_row *c, dm_geo *geo);

typedef struct pipeline {
    const dm_import_opts *o;
    OGRLayerH layer;
    const mapping *m;
    OGRCoordinateTransformationH ct;
    dm_geo *checker_geo;
    queue raw, checked;
    dm_status reader_st; /* set by the reader before it closes `raw` */
    char reader_msg[DM_ERROR_MSG_MAX];
    dm_status checker_st; /* set by the checker before it closes `checked` */
} pipeline;

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    dm_buf attrs;
    dm_buf_init(&attrs, 16u << 20);
    int64_t row = 0;
    batch *b = NULL;
    for (;;) {
        if (!b && !(b = calloc(1, sizeof *b))) {
            p->reader_st = DM_ENOMEM;
            snprintf(p->reader_msg, sizeof p->reader_msg, "out of memory");
            break;
        }
        dm_gdal_capture_push();
        OGRFeatureH f = OGR_L_GetNextFeature(p->layer);
        if (!f) {
            dm_gdal_capture_pop();
            if (*dm_gdal_last_error()) {
                p->reader_st = DM_EFORMAT;
                snprintf(p->reader_msg, sizeof p->reader_msg,
                         "%s: reading stopped after row %lld: %s", p->o->path, (long long)row,
                         dm_gdal_last_error());
            }
            break;
        }
        raw_row *r = calloc(1, sizeof *r);
        bool oom = !r;
        if (r) {
            r->row = ++row;
            oom = extract_row(p->o, f, p->m, p->ct, &attrs, r) != DM_OK;
        }
        OGR_F_Destroy(f);
        dm_gdal_capture_pop();
        if (!oom && *dm_gdal_last_error()) {
            /* GDAL handed over a row it could not read whole (a damaged file):
               the import stops, nothing of it is kept */
            raw_free(r);
            p->reader_st = DM_EFORMAT;
            snprintf(p->reader_msg, sizeof p->reader_msg, "%s is damaged at row %lld: %s",
                     p->o->path, (long long)row, dm_gdal_last_error());
            break;
        }
        if (oom) {
            raw_free(r);
            p->reader_st = DM_ENOMEM;
            snprintf(p->reader_msg, sizeof p->reader_msg, "out of memory reading row %lld",
                     (long long)row + (r ? 0 : 1));
            break;
        }
        b->rows[b->n++] = r;
        if (b->n == BATCH) {
            if (!queue_push(&p->raw, b))
                break;
            b = NULL;
        }
    }
    /* the last, partial batch (or the one a cancel left behind) */
    if (b && b->n && !p->reader_st && queue_push(&p->raw, b))
        b = NULL;
    if (b)
        for (size_t i = 0; i < b->n; i++)
            raw_free(b->rows[i]);
    free(b);
    dm_buf_free(&attrs);
    queue_close(&p->raw);
    return NULL;
}

static void *checker_main(void *arg)
{
    pipeline *p = arg;
    const char *state = p->o->state ? p->o->state : "approved";
    batch *in;
    while ((in = queue_pop(&p->raw))) {
        batch *out = calloc(1, sizeof *out);
        for (size_t i = 0; out && i < in->n; i++) {
            raw_row *r = in->rows[i];
            checked_row *c = calloc(1, sizeof *c);
            if (!c)
                break;
            c->row = r->row;
            dm_record_init(&c->rec, p->o->kind);
            snprintf(c->rec.state, sizeof c->rec.state, "%s", state);
            c->st = build_record(p->o, p->checker_geo, r, p->m, &c->rec, c->warning,
                                 sizeof c->warning, &c->err);
            c->identity = r->identity;
            r->identity = NULL;
            if (!c->st && has_identity(p->o->kind))
                c->st = content_hash(p->checker_geo, &c->rec, c->hash, &c->err);
            out->rows[out->n++] = c;
        }
        bool complete = out && out->n == in->n;
        for (size_t i = 0; i < in->n; i++)
            raw_free(in->rows[i]);
        free(in);
        if (!complete)
            p->checker_st = DM_ENOMEM; /* read by the writer after the joins */
        if (!complete || !queue_push(&p->checked, out)) {
            for (size_t i = 0; out && i < out->n; i++) {
                checked_free(out->rows[i], p->checker_geo);
            }
            free(out);
            queue_cancel(&p->raw);
            break;
        }
    }
    queue_close(&p->checked);
    return NULL;
}

static void checked_free(checked_row *c, dm_geo *geo)
{
    dm_record_clear(&c->rec, geo);
    free(c->identity);
    free(c);
}

/* Frees what is left in a queue of batches (after the producer stopped). */
static void drain(queue *q, bool checked, dm_geo *geo)
{
    batch *b;
    while ((b = queue_pop(q))) {
        for (size_t i = 0; i < b->n; i++) {
            if (checked) {
                checked_free(b->rows[i], geo);
            } else {
                raw_free(b->rows[i]);
            }
        }
        free(b);
    }
}

/* The identities met in this import: identity -> the first row with it and
 * that row's content hash. */
typedef struct identities {
    dm_strmap seen;
    int64_t *first_row;
    char (*first_hash)[DM_CONTENT_HASH_MAX];
    bool *first_present; /* the first row was in the database already */
    size_t cap;
    int64_t log_id; /* this import's entry in the import log */
} identities;

static void identities_free(identities *ids)
{
    dm_strmap_free(&ids->seen);
    free(ids->first_row);
    free(ids->first_hash);
    free(ids->first_present);
}

/* Remembers identity for row c (when it is new in the file: *first = 0),
 * or gives the first row that had it (*first, and its hash in first_hash). */
static dm_status identity_meet(identities *ids, const char *identity, const checked_row *c,
                               long *idx_out, int64_t *first, const char **first_hash)
{
    long idx;
    int added;
    if (dm_strmap_intern(&ids->seen, identity, &idx, &added))
        return DM_ENOMEM;
    *idx_out = idx;
    if (!added) {
        *first = ids->first_row[idx];
        *first_hash = ids->first_hash[idx];
        return DM_OK;
    }
    if ((size_t)idx >= ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 1024;
        int64_t *r = realloc(ids->first_row, cap * sizeof *r);
        if (r)
            ids->first_row = r;
        char(*h)[DM_CONTENT_HASH_MAX] = realloc(ids->first_hash, cap * sizeof *h);
        if (h)
            ids->first_hash = h;
        bool *pr = realloc(ids->first_present, cap * sizeof *pr);
        if (pr)
            ids->first_present = pr;
        if (!r || !h || !pr)
            return DM_ENOMEM;
        ids->cap = cap;
    }
    ids->first_row[idx] = c->row;
    ids->first_present[idx] = false;
    snprintf(ids->first_hash[idx], DM_CONTENT_HASH_MAX, "%s", c->hash);
    *first = 0;
    return DM_OK;
}

static void warn_row(const dm_import_opts *o, int64_t row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn_row(const dm_import_opts *o, int64_t row, const char *fmt, ...)
{
    if (!o->warn)
        return;
    char msg[900];
    int n = snprintf(msg, sizeof msg, "row %lld: ", (long long)row);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    o->warn(msg, o->ctx);
}

/* What becomes of a row with an identity. */
typedef enum row_fate {
    ROW_NEW,     /* store it as a new record */
    ROW_SKIP,    /* present, or a copy: nothing to do (counted) */
    ROW_CHANGE,  /* a changed version of record `code` */
    ROW_REJECTED /* written to the rejects file */
} row_fate;

/* The identity of a row by its content alone (import.h). */
static void content_identity(const checked_row *c, char out[DM_IMPORT_IDENTITY_MAX])
{
    snprintf(out, DM_IMPORT_IDENTITY_MAX, "content:%s", c->hash);
}

/* A row found in the database already: counted, and its first meeting in
 * this file remembered as present (its copies are present too). */
static void mark_present(identities *ids, long idx, dm_import_result *res, row_fate *fate)
{
    res->present++;
    ids->first_present[idx] = true;
    *fate = ROW_SKIP;
}

/* A keyed row with the code of a record that was not imported through that
 * key (made in demine, or imported before identities were kept): the same
 * content is present, another is a change. */
static dm_status compare_stored(dm_store *store, const dm_kind *k, const checked_row *c,
                                bool *exists, bool *same, dm_error *err)
{
    dm_record stored;
    dm_record_init(&stored, k);
    dm_status st = dm_store_get(store, k, c->rec.code, &stored, err);
    *exists = st == DM_OK;
    *same = false;
    if (st == DM_ENOTFOUND)
        st = DM_OK;
    char hash[DM_CONTENT_HASH_MAX];
    if (!st && *exists && !(st = content_hash(dm_store_geo(store), &stored, hash, err)))
        *same = !strcmp(hash, c->hash);
    dm_record_clear(&stored, dm_store_geo(store));
    return st;
}

/* Decides a row's fate from its identity (import.h); code gets the record
 * a change is for. */
static dm_status identify_row(dm_store *store, const dm_import_opts *o, identities *ids,
                              checked_row *c, rejects *rj, dm_import_result *res,
                              const char **identity_out, char *identity_buf, row_fate *fate,
                              char code[DM_CODE_MAX], dm_error *err)
{
    const char *identity = c->identity;
    if (!identity) {
        content_identity(c, identity_buf);
        identity = identity_buf;
    }
    *identity_out = identity;
    *fate = ROW_NEW;
    int64_t first;
    const char *first_hash;
    long idx;
    if (identity_meet(ids, identity, c, &idx, &first, &first_hash))
        return dm_error_set(err, DM_ENOMEM, "out of memory");
    if (first && ids->first_present[idx] && !strcmp(first_hash, c->hash)) {
        /* a copy of a row that was in the database already: so is the copy
           (with --keep-duplicates, each copy was imported the first time) */
        res->present++;
        *fate = ROW_SKIP;
        return DM_OK;
    }
    if (first) {
        if (strcmp(first_hash, c->hash)) {
            char why[700];
            snprintf(why, sizeof why,
                     "row %lld claims the key %s of row %lld with different content: only row "
                     "%lld is taken",
                     (long long)c->row, strchr(identity, ':') + 1, (long long)first,
                     (long long)first);
            *fate = ROW_REJECTED;
            return reject(rj, c->row, why, err);
        }
        if (!c->identity && o->keep_duplicates)
            return DM_OK; /* a copy, imported as asked */
        warn_row(o, c->row,
                 "a copy of row %lld (same %s, attributes and geometry): imported once%s",
                 (long long)first, c->identity ? "key" : "values",
                 c->identity ? "" : "; --keep-duplicates imports every copy");
        res->duplicates++;
        *fate = ROW_SKIP;
        return DM_OK;
    }
    char content[DM_CONTENT_HASH_MAX];
    bool found;
    dm_status st = dm_store_import_key_get(store, o->kind, identity, content, code, &found, err);
    if (st)
        return st;
    if (found) {
        if (!strcmp(content, c->hash)) {
            mark_present(ids, idx, res, fate);
            return DM_OK;
        }
        if (!c->identity) /* content identities never differ in content */
            return DM_OK;
        *fate = ROW_CHANGE;
        return DM_OK;
    }
    if (!strncmp(identity, "code:", 5)) {
        bool exists, same;
        if ((st = compare_stored(store, o->kind, c, &exists, &same, err)))
            return st;
        if (exists) {
            snprintf(code, DM_CODE_MAX, "%s", c->rec.code);
            if (same) {
                mark_present(ids, idx, res, fate);
                return dm_store_import_key_put(store, o->kind, identity, c->hash, code, ids->log_id,
                                               err);
            }
            *fate = ROW_CHANGE;
            return DM_OK;
        }
    }
    if (c->identity) {
        /* a key not met before, on a row whose content was imported before
           (the same records from a file of another name or format): present */
        char by_content[DM_IMPORT_IDENTITY_MAX];
        content_identity(c, by_content);
        if ((st = dm_store_import_key_get(store, o->kind, by_content, content, code, &found, err)))
            return st;
        if (found) {
            mark_present(ids, idx, res, fate);
            return dm_store_import_key_put(store, o->kind, identity, c->hash, code, ids->log_id,
                                           err);
        }
    }
    return DM_OK;
}

/* A keyed row whose content changed: a change of record `code` through the
 * workflow. A refusal (rejected record, a change already waiting) is
 * DM_ECONFLICT with the reason. */
static dm_status change_record(dm_store *store, const dm_import_opts *o, checked_row *c,
                               const char *code, dm_error *err)
{
    dm_record stored;
    dm_record_init(&stored, o->kind);
    dm_status st = dm_store_get(store, o->kind, code, &stored, err);
    if (st == DM_ENOTFOUND) {
        dm_record_clear(&stored, dm_store_geo(store));
        return st;
    }
    if (!st && !strcmp(stored.state, "rejected"))
        st = dm_error_set(err, DM_ECONFLICT,
                          "its record %s was rejected: a changed row does not bring it back; "
                          "change it in demine",
                          code);
    char detail[400];
    snprintf(detail, sizeof detail, "import: %s row %lld", base_name(o->path), (long long)c->row);
    if (!st) {
        snprintf(c->rec.code, sizeof c->rec.code, "%s", code);
        if (!strcmp(stored.state, "approved")) {
            dm_pending info;
            dm_status pst = dm_store_pending_get(store, o->kind, code, &info, NULL, err);
            if (pst == DM_OK)
                st = dm_error_set(err, DM_ECONFLICT,
                                  "it changes %s, which has a change waiting for review "
                                  "(proposed by %s at %s): review that first",
                                  code, info.by, info.at);
            else if (pst != DM_ENOTFOUND)
                st = pst;
            else
                st = dm_store_pending_put(store, o->kind, code, "replace", &c->rec, stored.version,
                                          o->who, detail, err);
        } else {
            snprintf(c->rec.state, sizeof c->rec.state, "%s", stored.state);
            st = dm_store_update(store, &c->rec, stored.version, o->who, detail, err);
        }
    }
    bool approved = !strcmp(stored.state, "approved");
    dm_record_clear(&stored, dm_store_geo(store));
    if (!st)
        warn_row(o, c->row, "%s differs from what was imported before: %s", code,
                 approved ? "the change is proposed for review" : "the record was changed");
    return st;
}

/* Stores one checked row or writes it to the rejects file. Returns a failure
 * of the import (not of the row). */
static dm_status store_row(dm_store *store, const dm_import_opts *o, identities *ids,
                           checked_row *c, rejects *rj, dm_import_result *res, dm_error *err)
{
    dm_status rst = c->st;
    const char *identity = NULL;
    char identity_buf[DM_IMPORT_IDENTITY_MAX];
    char code[DM_CODE_MAX] = "";
    row_fate fate = ROW_NEW;
    if (!rst && c->hash[0]) {
        dm_status st =
            identify_row(store, o, ids, c, rj, res, &identity, identity_buf, &fate, code, err);
        if (st || fate == ROW_SKIP || fate == ROW_REJECTED)
            return st;
    }
    if (!rst && fate == ROW_CHANGE) {
        rst = change_record(store, o, c, code, &c->err);
        if (!rst) {
            res->changed++;
            content_identity(c, identity_buf);
            dm_status st =
                dm_store_import_key_put(store, o->kind, identity, c->hash, code, ids->log_id, err);
            return st ? st
                      : dm_store_import_key_put(store, o->kind, identity_buf, c->hash, code,
                                                ids->log_id, err);
        }
        if (rst == DM_ENOTFOUND) /* its record is gone: a new one */
            rst = DM_OK;
    }
    if (!rst) {
        char origin[400];
        snprintf(origin, sizeof origin, "%s row %lld", base_name(o->path), (long long)c->row);
        c->rec.origin = strdup(origin);
        if (!c->rec.origin)
            rst = dm_error_set(&c->err, DM_ENOMEM, "out of memory");
        /* an upload's codes are a client's: they may not move the numbering */
        c->rec.code_within_numbering = o->upload;
        bool present = false;
        if (!rst && o->link)
            rst = o->link(store, &c->rec, c->row, o->hook_ctx, &present, &c->err);
        if (!rst && present) {
            res->present++;
            return DM_OK;
        }
        if (!rst && o->take) {
            rst = o->take(&c->rec, c->row, o->hook_ctx, &c->err);
            if (!rst) {
                dm_record_init(&c->rec, o->kind); /* handed over */
                return DM_OK;
            }
        } else if (!rst) {
            rst = dm_store_insert(store, &c->rec, o->who, &c->err);
        }
        if (!rst && identity)
            rst = dm_store_import_key_put(store, o->kind, identity, c->hash, c->rec.code,
                                          ids->log_id, &c->err);
        if (!rst && c->identity) { /* its content too (identify_row) */
            content_identity(c, identity_buf);
            rst = dm_store_import_key_put(store, o->kind, identity_buf, c->hash, c->rec.code,
                                          ids->log_id, &c->err);
        }
    }
    if (rst == DM_EINVAL || rst == DM_ECONFLICT || rst == DM_ENOTFOUND)
        return reject(rj, c->row, c->err.msg, err);
    if (rst)
        return dm_error_set(err, rst, "row %lld: %s", (long long)c->row, c->err.msg);
    res->imported++;
    if (c->warning[0]) {
        res->repaired++;
        if (o->warn) {
            char msg[800];
            snprintf(msg, sizeof msg, "row %lld (%s): %s", (long long)c->row, c->rec.code,
                     c->warning);
            o->warn(msg, o->ctx);
        }
    }
    return DM_OK;
}

static bool has_extension(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && !strcasecmp(path + n - e, ext);
}

/* Open options by format: CSV columns stay text (values are checked here);
 * its points come from lon/lat columns (coordinate_name()) like a
 * spreadsheet's. (Spreadsheets: see dm_gdal_init.) */
static const char *const *open_options(bool csv)
{
    /* no X_/Y_POSSIBLE_NAMES: GDAL 3.6 crashes on a header with two
       longitude-like columns before the latitude (x,lon,lat); the points
       come from build_mapping's lon/lat columns instead, as for spreadsheets */
    static const char *const options[] = {"AUTODETECT_TYPE=NO", NULL};
    return csv ? options : NULL;
}

/* An upload (dm_import_opts.upload): a regular file of one of the upload
 * formats, opened by that format's driver alone and with no file beside
 * it (GDAL would otherwise look for .csvt, .prj and the like). */
static dm_status open_upload(const dm_import_opts *o, GDALDatasetH *ds, dm_error *err)
{
    struct stat sb;
    if (!strncmp(o->path, "/vsi", 4)) /* GDAL's virtual file systems: URLs, archives */
        return dm_error_set(err, DM_EFORMAT, "%s is not a plain file", o->path);
    if (lstat(o->path, &sb) != 0)
        return dm_error_set(err, DM_EIO, "cannot read %s: %s", o->path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return dm_error_set(err, DM_EFORMAT, "%s is not a plain file", o->path);
    const dm_upload_format *fmt;
    dm_status st = dm_upload_sniff_file(o->path, &fmt, err);
    if (!st && !strcmp(fmt->driver, "GPKG"))
        st = dm_upload_check_gpkg(o->path, err);
    if (st)
        return st;
    dm_gdal_lock_down();
    const char *const drivers[] = {fmt->driver, NULL};
    const char *const no_siblings[] = {NULL};
    *ds = GDALOpenEx(o->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers,
                     open_options(!strcmp(fmt->driver, "CSV")), no_siblings);
    return DM_OK;
}

static dm_status open_source(const dm_import_opts *o, GDALDatasetH *ds, OGRLayerH *layer,
                             dm_error *err)
{
    if (access(o->path, R_OK) != 0)
        return dm_error_set(err, DM_EIO, "cannot read %s: %s", o->path, strerror(errno));
    *ds = NULL;
    dm_gdal_capture_push();
    dm_status st = DM_OK;
    if (o->upload)
        st = open_upload(o, ds, err);
    else
        *ds = GDALOpenEx(o->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                         open_options(has_extension(o->path, ".csv")), NULL);
    dm_gdal_capture_pop();
    if (st)
        return st;
    if (!*ds) {
        const char *why = dm_gdal_last_error();
        if (*why)
            return dm_error_set(err, DM_EFORMAT, "%s could not be read as geodata: %s", o->path,
                                why);
        return dm_error_set(err, DM_EFORMAT,
                            "%s is not geodata: no vector format GDAL knows recognises it "
                            "(GeoJSON, GeoPackage, Shapefile, KML, GPX, CSV with lon/lat, "
                            "XLSX ...)",
                            o->path);
    }
    if (GDALDatasetGetLayerCount(*ds) == 0) {
        GDALClose(*ds);
        return dm_error_set(err, DM_EFORMAT, "%s has no layers", o->path);
    }
    *layer = o->layer ? GDALDatasetGetLayerByName(*ds, o->layer) : GDALDatasetGetLayer(*ds, 0);
    if (!*layer) {
        GDALClose(*ds);
        return dm_error_set(err, DM_ENOTFOUND, "%s has no layer '%s'", o->path, o->layer);
    }
    return DM_OK;
}

static dm_status make_transform(OGRLayerH layer, OGRCoordinateTransformationH *ct,
                                OGRSpatialReferenceH *wgs84, dm_error *err)
{
    *ct = NULL;
    *wgs84 = NULL;
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(layer);
    if (!src)
        return DM_OK; /* no CRS given: lon/lat degrees, as GeoJSON says */
    /* WGS 84 already (GDAL hands its coordinates over as lon/lat): nothing to
       convert, and no need to look anything up in PROJ's database */
    const char *auth = OSRGetAuthorityName(src, NULL), *code = OSRGetAuthorityCode(src, NULL);
    if (auth && code &&
        ((!strcmp(auth, "EPSG") && !strcmp(code, "4326")) ||
         (!strcmp(auth, "OGC") && !strcmp(code, "CRS84"))))
        return DM_OK;
    *wgs84 = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(*wgs84, 4326);
    OSRSetAxisMappingStrategy(*wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRIsSame(src, *wgs84))
        return DM_OK;
    OGRSpatialReferenceH s2 = OSRClone(src);
    OSRSetAxisMappingStrategy(s2, OAMS_TRADITIONAL_GIS_ORDER);
    dm_gdal_capture_push();
    *ct = OCTNewCoordinateTransformation(s2, *wgs84);
    dm_gdal_capture_pop();
    OSRDestroySpatialReference(s2);
    if (!*ct)
        return dm_error_set(err, DM_EINVAL,
                            "the file's coordinate system cannot be converted to WGS 84: %s",
                            dm_gdal_last_error());
    return DM_OK;
}

/* The SHA-256 of the file's bytes in lower-case hex (of the path's text
 * when it is not a file one can read through, like a folder of shapefiles). */
static dm_status file_sha256(const char *path, char out[DM_CONTENT_HASH_MAX], dm_error *err)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    struct stat sb;
    FILE *fp = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? fopen(path, "rb") : NULL;
    if (fp) {
        unsigned char buf[1 << 16];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
            crypto_hash_sha256_update(&h, buf, n);
        bool bad = ferror(fp) != 0;
        fclose(fp);
        if (bad)
            return dm_error_set(err, DM_EIO, "cannot read %s: %s", path, strerror(errno));
    } else {
        crypto_hash_sha256_update(&h, (const unsigned char *)path, strlen(path));
    }
    unsigned char bin[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, bin);
    sodium_bin2hex(out, DM_CONTENT_HASH_MAX, bin, sizeof bin);
    return DM_OK;
}

dm_status dm_import(dm_store *store, const dm_import_opts *o, dm_import_result *res, dm_error *err)
{
    memset(res, 0, sizeof *res);
    dm_status st = dm_import_check_options(o, err);
    if (st)
        return st;
    /* a minefield record is a JSON file of its own format, not geodata */
    if (o->kind == &dm_kind_minefield_records)
        return dm_mf_import(store, o, res, err);
    dm_import_entry entry;
    memset(&entry, 0, sizeof entry);
    snprintf(entry.who, sizeof entry.who, "%s", o->who ? o->who : "");
    snprintf(entry.kind, sizeof entry.kind, "%s", o->kind->name);
    dm_utf8_copy(entry.file, sizeof entry.file, base_name(o->path));
    st = file_sha256(o->path, entry.sha256, err);
    if (!st)
        st = dm_store_import_find(store, o->kind->name, entry.sha256, &res->before,
                                  &res->before_found, err);
    if (st)
        return st;
    dm_gdal_init();
    GDALDatasetH ds = NULL;
    OGRLayerH layer = NULL;
    st = open_source(o, &ds, &layer, err);
    if (st)
        return st;
    mapping m;
    memset(&m, 0, sizeof m);
    OGRCoordinateTransformationH ct = NULL;
    OGRSpatialReferenceH wgs84 = NULL;
    rejects rj;
    memset(&rj, 0, sizeof rj);
    snprintf(rj.path, sizeof rj.path, "%s", o->rejects_path);
    bool in_tx = false;

    identities ids;
    memset(&ids, 0, sizeof ids);
    dm_strmap_init(&ids.seen);
    st = build_mapping(o, OGR_L_GetLayerDefn(layer), &m, err);
    if (!st)
        st = resolve_key(o, layer, OGR_L_GetLayerDefn(layer), &m, err);
    if (!st)
        st = make_transform(layer, &ct, &wgs84, err);
    bool refuse = !st && res->before_found && !has_identity(o->kind) && !o->again;
    if (refuse) /* people: the same file again would be the same people twice */
        res->refused_again = true;
    if (!st && !refuse)
        st = o->kind->table ? dm_store_begin_bulk(store, o->kind, err) : dm_store_begin(store, err);
    in_tx = !st && !refuse;
    if (in_tx) {
        st = dm_store_import_begin(store, &entry, err);
        ids.log_id = entry.id;
    }
    /* counting may cost a whole extra pass over the file (GeoJSON): only when
       someone shows progress */
    dm_gdal_capture_push();
    int64_t total = st ? -1 : OGR_L_GetFeatureCount(layer, o->progress != NULL);
    OGR_L_ResetReading(layer);
    dm_gdal_capture_pop();
    pipeline p;
    memset(&p, 0, sizeof p);
    p.o = o;
    p.layer = layer;
    p.m = &m;
    p.ct = ct;
    queue_init(&p.raw);
    queue_init(&p.checked);
    pthread_t reader, checker;
    bool running = false;
    if (!st && in_tx) {
        st = dm_geo_new(&p.checker_geo, err);
        if (!st && pthread_create(&reader, NULL, reader_main, &p) != 0)
            st = dm_error_set(err, DM_ENOMEM, "cannot start the reader thread");
        else if (!st && pthread_create(&checker, NULL, checker_main, &p) != 0) {
            queue_close(&p.checked);
            queue_cancel(&p.raw);
            drain(&p.raw, false, NULL);
            pthread_join(reader, NULL);
            st = dm_error_set(err, DM_ENOMEM, "cannot start the checker thread");
        } else if (!st)
            running = true;
    }
    int64_t row = 0;
    batch *b = NULL;
    while (running && !st && (b = queue_pop(&p.checked))) {
        for (size_t i = 0; i < b->n; i++) {
            checked_row *c = b->rows[i];
            if (!st)
                st = store_row(store, o, &ids, c, &rj, res, err);
            row = c->row;
            checked_free(c, dm_store_geo(store));
            if (o->progress && (row % 256 == 0))
                o->progress(row, total, o->ctx);
        }
        free(b);
    }
    if (running) {
        /* stop the others if we stopped early, then take what is left */
        queue_cancel(&p.checked);
        queue_cancel(&p.raw);
        drain(&p.checked, true, dm_store_geo(store));
        pthread_join(checker, NULL);
        drain(&p.raw, false, NULL);
        pthread_join(reader, NULL);
        if (!st && p.reader_st)
            st = dm_error_set(err, p.reader_st, "%s",
                              p.reader_msg[0] ? p.reader_msg : "out of memory");
        if (!st && p.checker_st)
            st = dm_error_set(err, p.checker_st, "out of memory checking rows");
    }
    dm_geo_free(p.checker_geo);
    queue_destroy(&p.raw);
    queue_destroy(&p.checked);
    res->rows = row;
    res->rejected = rj.count;
    if (!st && o->progress)
        o->progress(row, total, o->ctx);
    if (!st && in_tx && o->finish)
        st = o->finish(store, &rj, res, o->hook_ctx, err);
    res->rejected = rj.count;
    if (!st && in_tx && (res->imported || res->changed)) {
        entry.rows = res->rows;
        entry.imported = res->imported;
        entry.changed = res->changed;
        entry.present = res->present;
        entry.duplicates = res->duplicates;
        entry.rejected = res->rejected;
        st = dm_store_import_end(store, &entry, err);
        res->log_id = entry.id;
    }
    if (!st && in_tx && res->imported == 0 && res->changed == 0) {
        /* nothing imported: nothing changes, not even the bookkeeping (the
           stamps, the sequences); the rejects say why */
        dm_store_rollback(store);
        in_tx = false;
        st = rejects_finish(&rj, true, err);
    } else if (!st && in_tx) {
        /* the rejects file goes into place first: a failed commit removes it */
        st = rejects_finish(&rj, true, err);
        if (!st) {
            st = dm_store_commit(store, err);
            if (st && rj.count)
                unlink(rj.path);
        } else {
            dm_store_rollback(store);
        }
    } else {
        if (in_tx)
            dm_store_rollback(store);
        dm_error ignored;
        rejects_finish(&rj, false, &ignored);
    }
    if (st) {
        res->imported = 0;
        res->repaired = 0;
        res->changed = 0;
        res->log_id = 0;
    }
    identities_free(&ids);
    free(m.mapped);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (wgs84)
        OSRDestroySpatialReference(wgs84);
    GDALClose(ds);
    return st;
}
