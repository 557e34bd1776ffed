/* CQL2 text filters (OGC API - Features - Part 3: Filtering; OGC 21-065,
 * Common Query Language) parsed against one kind of record and evaluated on
 * records.
 *
 * Supported: the basic-cql2 conformance class and S_INTERSECTS with every WKT
 * geometry type and BBOX (basic-spatial-functions, and the geometry types of
 * basic-spatial-functions-plus):
 *
 *   filter     = or
 *   or         = and { OR and }
 *   and        = factor { AND factor }            NOT binds tighter than AND,
 *   factor     = NOT factor | primary             AND tighter than OR
 *   primary    = "(" or ")" | TRUE | FALSE | spatial | predicate
 *   predicate  = operand ( ("=" | "<>" | "<" | ">" | "<=" | ">=") operand
 *                        | IS [NOT] NULL )        one operand a property, the
 *                                                 other a literal (either side)
 *   spatial    = S_INTERSECTS "(" geomarg "," geomarg ")"
 *                                                 one a geometry literal, the
 *                                                 other the property geometry
 *   operand    = property | literal
 *   property   = name | '"' name '"'
 *   literal    = 'text' ('' is a quote) | number | TRUE | FALSE
 *              | DATE('YYYY-MM-DD') | TIMESTAMP('YYYY-MM-DDTHH:MM:SS[.f]Z')
 *   geometry   = POINT | LINESTRING | POLYGON | MULTIPOINT | MULTILINESTRING
 *              | MULTIPOLYGON | GEOMETRYCOLLECTION (WKT, optional Z, which is
 *                dropped) | BBOX(minx, miny, maxx, maxy) (or the 6-number
 *                form with heights; minx > maxx crosses the antimeridian)
 *
 * Keywords are case-insensitive. DATE, TIMESTAMP, BBOX and the geometry
 * names are keywords only before "(", so fields called "date" need no quotes.
 *
 * The queryables of a kind are its fields plus "code", "state", "version" and,
 * for kinds with a geometry, "geometry". Literals are checked against the
 * field type: text and enum fields take strings (an enum value must be one of
 * the field's values or aliases; it is compared as its canonical spelling),
 * int and real fields numbers, date fields DATE(...), TIMESTAMP(...) or a
 * string that is a date, bool fields TRUE/FALSE (with = and <> only), "state"
 * one of draft/submitted/approved/rejected, "version" a number. A date value
 * compared with a TIMESTAMP is the instant 00:00:00Z of that day.
 *
 * Evaluation follows SQL's three-valued logic: a comparison with an unknown
 * value (NULL) is unknown, NOT unknown is unknown, FALSE AND unknown is false,
 * TRUE OR unknown is true, and a record matches only when the filter is true.
 * A record without geometry (or with a damaged one) makes S_INTERSECTS
 * unknown. Strings compare byte by byte (code point order), case-sensitively.
 *
 * Left out: LIKE, BETWEEN, IN, CASEI/ACCENTI, property-property comparisons,
 * arithmetic, functions, temporal (T_*), array (A_*) and the other spatial
 * predicates (S_WITHIN ...); each is refused with a message saying so.
 *
 * Limits: 64 KiB of text, nesting 64 deep (parentheses, NOT, geometry
 * collections), 4096 nodes.
 *
 * A dm_cql2 holds GEOS prepared geometries, which build their index on first
 * use: use it from one thread at a time.
 */
#ifndef DM_SERVER_CQL2_H
#define DM_SERVER_CQL2_H

#include "core/error.h"
#include "core/kind.h"
#include "geo/geo.h"
#include "store/record.h"

#include <stdbool.h>
#include <stddef.h>

#define DM_CQL2_MAX_LEN 65536
#define DM_CQL2_MAX_DEPTH 64
#define DM_CQL2_MAX_NODES 4096

typedef struct dm_cql2 dm_cql2;

/* Parses text (NUL-terminated UTF-8) as a filter on records of `kind`.
 * Geometry literals are made with geo's GEOS context (geo may be NULL for a
 * filter without geometry; S_INTERSECTS is then DM_EINTERNAL). geo must
 * outlive *out, which is owned by the caller (dm_cql2_free). Parsing the same
 * text twice gives filters that agree on every record.
 * Errors are DM_EINVAL with a message such as "position 17: expected a
 * property name or a literal, found ')'" (1-based character position); an
 * unknown property lists the queryables. */
dm_status dm_cql2_parse(const char *text, const dm_kind *kind, dm_geo *geo, dm_cql2 **out,
                        dm_error *err);

/* Evaluates f on rec (a record of the kind f was parsed for): *match is true
 * only when the filter is true for the record. geo is the GEOS context of
 * this thread (the one given to dm_cql2_parse). Fails with DM_EINVAL for a
 * record of another kind, DM_EGEOM when GEOS fails. */
dm_status dm_cql2_eval(const dm_cql2 *f, const dm_record *rec, dm_geo *geo, bool *match,
                       dm_error *err);

/* The envelope out[] = {minx, miny, maxx, maxy} every matching record's
 * geometry must intersect, when the filter implies one: S_INTERSECTS, an AND
 * with such a term (the smallest of its envelopes) or an OR whose every branch
 * has one (their union). *has is false when there is none. */
void dm_cql2_bbox(const dm_cql2 *f, double out[4], bool *has);

/* True when the filter reads a personal-data field (DM_FIELD_PERSONAL), so
 * that the caller can refuse it to users who may not see such data. */
bool dm_cql2_uses_personal(const dm_cql2 *f);

/* The kind f was parsed for. */
const dm_kind *dm_cql2_kind(const dm_cql2 *f);

/* Writes the queryable names of kind ("name, status, ..., code, state,
 * version, geometry") into out: never a personal-data field, which no
 * filter may read. */
void dm_cql2_queryables(const dm_kind *kind, char *out, size_t outsz);

/* Frees f (NULL allowed), its geometries with the dm_geo given at parse. */
void dm_cql2_free(dm_cql2 *f);

#endif
