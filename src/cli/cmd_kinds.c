/* demine kinds [KIND]: the data model, straight from the kind table. */
#include "cli/cli.h"
#include "core/kind.h"

#include <stdio.h>
#include <string.h>

static const char usage[] = "demine kinds [KIND]";

static const char *type_name(dm_field_type t)
{
    switch (t) {
    case DM_FT_TEXT: return "text";
    case DM_FT_INT: return "whole number";
    case DM_FT_REAL: return "number";
    case DM_FT_DATE: return "date (YYYY-MM-DD or DD.MM.YYYY)";
    case DM_FT_ENUM: return "one of";
    case DM_FT_BOOL: return "yes/no";
    }
    return "?";
}

static const char *geom_name(dm_geom_type g)
{
    switch (g) {
    case DM_GEOM_NONE: return "no geometry";
    case DM_GEOM_POINT: return "point";
    case DM_GEOM_POLYGON: return "polygon";
    case DM_GEOM_ANY: return "point, line or polygon";
    }
    return "?";
}

static void print_kind(const dm_kind *k)
{
    if (k->prefix) {
        printf("%s (%s): codes %s-0001..., %s%s\n", k->name, k->title, k->prefix,
               geom_name(k->geom),
               k->geom != DM_GEOM_NONE && !k->geom_required ? " (optional)" : "");
        printf("  %-16s text, the record's stable id (assigned when not given)\n", "code");
    } else {
        printf("%s (%s): imported as accidents and victims; point from lon/lat\n"
               "  (rows of one incident_ref make one accident)\n",
               k->name, k->title);
        printf("  %-16s text, the victim's stable id (assigned when not given)\n", "code");
    }
    for (size_t i = 0; i < k->nfields; i++) {
        const dm_field *f = &k->fields[i];
        printf("  %-16s %s", f->name, type_name(f->type));
        if (f->type == DM_FT_ENUM) {
            for (size_t v = 0; f->values[v]; v++) {
                const char *bar = strchr(f->values[v], '|');
                int len = bar ? (int)(bar - f->values[v]) : (int)strlen(f->values[v]);
                printf("%s %.*s", v ? "," : "", len, f->values[v]);
            }
        }
        if ((f->type == DM_FT_INT || f->type == DM_FT_REAL) && f->min < f->max)
            printf(", %g..%g", f->min, f->max);
        if (f->unit)
            printf(" %s", f->unit);
        if (f->flags & DM_FIELD_REQUIRED)
            printf(" (required)");
        if (f->flags & DM_FIELD_PERSONAL)
            printf(" (personal data)");
        printf("\n");
    }
}

int cmd_kinds(int argc, char **argv)
{
    if (argc > 2)
        return cli_usage(usage, "kinds takes at most one KIND");
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s\n\nLists the kinds of record demine keeps and their fields: what "
               "--map and --set\nof `demine import` can fill, with the values each field "
               "accepts.\n",
               usage);
        return EXIT_DONE;
    }
    if (argc == 2) {
        const dm_kind *k =
            !strcmp(argv[1], "casualties") ? &dm_kind_casualty_rows : dm_kind_find(argv[1]);
        if (!k) {
            char kinds[512];
            dm_kind_list_names(kinds, sizeof kinds);
            return cli_usage(usage, "unknown kind '%s'; kinds are: %s", argv[1], kinds);
        }
        print_kind(k);
        return EXIT_DONE;
    }
    for (size_t i = 0; i < dm_kind_count(); i++) {
        if (i)
            printf("\n");
        print_kind(dm_kind_at(i));
    }
    return EXIT_DONE;
}
