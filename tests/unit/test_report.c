/* Unit tests of the report module's parts that need no database: the
 * translation files (complete, nothing extra, parsed strictly), numbers and
 * dates as each language writes them, and output files that appear whole or
 * not at all. */
#include "harness.h"
#include "report/i18n.h"
#include "report/outfile.h"
#include "report/report.h"

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define I18N DM_SOURCE_DIR "/data/i18n"

static const char *const langs[] = {"en", "az", "ru"};

TEST(translations_are_complete_and_hold_nothing_else)
{
    size_t nkeys;
    const char *const *keys = dm_i18n_keys(&nkeys);
    CHECK(nkeys > 100);
    for (size_t l = 0; l < 3; l++) {
        dm_i18n *t = NULL;
        dm_error err;
        dm_error_clear(&err);
        dm_status st = dm_i18n_load(I18N, langs[l], &t, &err);
        if (st)
            fprintf(stderr, "  %s: %s\n", langs[l], err.msg);
        CHECK(st == DM_OK);
        if (!t)
            continue;
        char miss[200];
        CHECK_EQ_INT(dm_i18n_missing(t, miss, sizeof miss), 0);
        for (size_t i = 0; i < nkeys; i++)
            CHECK(dm_i18n_get(t, keys[i])[0] != '[' || !strcmp(keys[i], "nope"));
        dm_i18n_free(t);
        /* no key the reports do not use (a stale or misspelt one) */
        char path[512];
        snprintf(path, sizeof path, "%s/reports.%s.json", I18N, langs[l]);
        json_object *o = json_object_from_file(path);
        CHECK(o != NULL);
        if (!o)
            continue;
        json_object_object_foreach(o, key, v)
        {
            (void)v;
            bool known = false;
            for (size_t i = 0; i < nkeys && !known; i++)
                known = !strcmp(keys[i], key);
            if (!known)
                fprintf(stderr, "  %s: key %s is not used\n", langs[l], key);
            CHECK(known);
        }
        CHECK_EQ_INT(json_object_object_length(o), (long long)nkeys);
        json_object_put(o);
    }
}

TEST(numbers_and_dates_as_each_language_writes_them)
{
    dm_i18n *en = NULL, *az = NULL, *ru = NULL;
    CHECK(dm_i18n_load(I18N, "en", &en, NULL) == DM_OK);
    CHECK(dm_i18n_load(I18N, "az", &az, NULL) == DM_OK);
    CHECK(dm_i18n_load(I18N, "ru", &ru, NULL) == DM_OK);
    if (!en || !az || !ru)
        return;
    char b[64];
    CHECK_STR(dm_i18n_int(en, 1234567, b, sizeof b), "1,234,567");
    CHECK_STR(dm_i18n_int(en, 999, b, sizeof b), "999");
    CHECK_STR(dm_i18n_int(en, 0, b, sizeof b), "0");
    CHECK_STR(dm_i18n_int(ru, 1234567, b, sizeof b), "1\u00a0234\u00a0567");
    CHECK_STR(dm_i18n_int(az, -2470, b, sizeof b), "\u22122\u00a0470");
    CHECK_STR(dm_i18n_num(en, 11160.6, 1, b, sizeof b), "11,160.6");
    CHECK_STR(dm_i18n_num(ru, 1116.06, 1, b, sizeof b), "1\u00a0116,1");
    CHECK_STR(dm_i18n_num(az, 0.05, 1, b, sizeof b), "0,1");  /* rounded as printf rounds */
    CHECK_STR(dm_i18n_num(az, -0.01, 1, b, sizeof b), "0,0"); /* no minus zero */
    CHECK_STR(dm_i18n_num(en, NAN, 1, b, sizeof b), "\u2013");
    CHECK_STR(dm_i18n_date(en, "2025-04-15", b, sizeof b), "15 April 2025");
    CHECK_STR(dm_i18n_date(az, "2025-04-15", b, sizeof b), "15.04.2025");
    CHECK_STR(dm_i18n_date(ru, "2025-04-05", b, sizeof b), "05.04.2025");
    CHECK_STR(dm_i18n_date(ru, "not a date", b, sizeof b), "not a date");
    CHECK_STR(dm_i18n_month(ru, 2025, 4, b, sizeof b), "апрель 2025");
    CHECK_STR(dm_i18n_month(az, 2025, 4, b, sizeof b), "aprel 2025");
    const char *args[] = {"A", "B"};
    char out[300];
    CHECK_STR(dm_i18n_fmt(en, "period.since_to", out, sizeof out, 2, args), "A – B");
    /* cut on a character boundary */
    CHECK_STR(dm_i18n_int(ru, 1234567, b, 6), "1\u00a023");
    CHECK_STR(dm_i18n_get(en, "no.such.key"), "[no.such.key]");
    dm_i18n_free(en);
    dm_i18n_free(az);
    dm_i18n_free(ru);
}

TEST(translation_files_are_parsed_strictly)
{
    static const struct {
        const char *text, *named;
    } bad[] = {
        {"[]", "one JSON object"},
        {"{\"a\": 1}", "a: the value is not a text"},
        {"{\"a b\": \"x\"}", "bad key"},
        {"{\"a\": \"x\"} x", "text after"},
        {"{\"a\": \"x\\u0001\"}", "control character"},
        {"{\"locale.decimal\": \"..\"}", "locale.decimal"},
        {"{\"locale.decimal\": \",\", \"locale.group\": \",\"}", "locale.group"},
        {"{\"locale.date\": \"DD.MM\"}", "locale.date"},
        {"{\"a\": \"\xff\"}", "UTF-8"},
        {"{\"a\": ", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dm_i18n *t = (dm_i18n *)1;
        dm_error err;
        dm_error_clear(&err);
        dm_status st = dm_i18n_parse(bad[i].text, strlen(bad[i].text), &t, &err);
        CHECK(st == DM_EFORMAT);
        CHECK(t == NULL);
        if (!strstr(err.msg, bad[i].named))
            fprintf(stderr, "  %s: '%s' does not say %s\n", bad[i].text, err.msg, bad[i].named);
        CHECK(strstr(err.msg, bad[i].named) != NULL);
    }
    dm_i18n *t = NULL;
    const char *ok = "{\"a\": \"x {1} {2} {9}\"}";
    CHECK(dm_i18n_parse(ok, strlen(ok), &t, NULL) == DM_OK);
    if (t) {
        const char *args[] = {"one", "two"};
        char out[64];
        CHECK_STR(dm_i18n_fmt(t, "a", out, sizeof out, 2, args), "x one two {9}");
        char miss[64];
        CHECK(dm_i18n_missing(t, miss, sizeof miss) > 100);
        CHECK(strstr(miss, "locale.decimal") != NULL);
        dm_i18n_free(t);
    }
    /* languages: a code, a file that exists, a complete file */
    dm_error err;
    dm_error_clear(&err);
    CHECK(dm_i18n_load(I18N, "../x", &t, &err) == DM_EINVAL);
    CHECK(dm_i18n_load(I18N, "xx", &t, &err) == DM_ENOTFOUND);
    CHECK(strstr(err.msg, "az, en, ru") != NULL);
    char dir[] = "/tmp/dm_i18n_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/reports.fr.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"cas.killed\": \"Tués\"}", f);
    fclose(f);
    CHECK(dm_i18n_load(dir, "fr", &t, &err) == DM_EFORMAT);
    CHECK(strstr(err.msg, "locale.decimal") != NULL);
    unlink(path);
    rmdir(dir);
}

TEST(output_files_appear_whole_or_not_at_all)
{
    char dir[] = "/tmp/dm_out_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char dest[256], tmp[DM_OUTFILE_PATH_MAX];
    snprintf(dest, sizeof dest, "%s/r.pdf", dir);
    dm_error err;
    CHECK(dm_outfile_begin(dest, true, tmp, sizeof tmp, &err) == DM_OK);
    struct stat sb;
    CHECK(stat(tmp, &sb) == 0 && stat(dest, &sb) != 0);
    dm_outfile_abort(tmp);
    CHECK(stat(tmp, &sb) != 0 && stat(dest, &sb) != 0);
    CHECK(dm_outfile_begin(dest, true, tmp, sizeof tmp, &err) == DM_OK);
    CHECK(dm_outfile_commit(tmp, dest, &err) == DM_OK);
    CHECK(stat(dest, &sb) == 0 && stat(tmp, &sb) != 0);
    CHECK(dm_outfile_begin(dest, false, tmp, sizeof tmp, &err) == DM_ECONFLICT);
    char bad[300];
    snprintf(bad, sizeof bad, "%s/r.pdf/x.pdf", dir);
    CHECK(dm_outfile_begin(bad, true, tmp, sizeof tmp, &err) != DM_OK);
    CHECK(tmp[0] == '\0');
    CHECK(dm_outfile_begin(dir, true, tmp, sizeof tmp, &err) == DM_EINVAL);
    char ext[16];
    dm_outfile_ext("a/b.c/chart.SVG", ext);
    CHECK_STR(ext, "svg");
    dm_outfile_ext("a.b/chart", ext);
    CHECK_STR(ext, "");
    unlink(dest);
    rmdir(dir);
    char m[8];
    CHECK(dm_report_month_parse("2025-04", m, &err) == DM_OK);
    CHECK_STR(m, "2025-04");
    CHECK(dm_report_month_parse("2025-13", m, &err) == DM_EINVAL);
    CHECK(dm_report_month_parse("2025-4", m, &err) == DM_EINVAL);
    CHECK(dm_report_month_parse("+025-04", m, &err) == DM_EINVAL);
    CHECK(dm_report_month_parse("2025-04-01", m, &err) == DM_EINVAL);
}

RUN(T(translations_are_complete_and_hold_nothing_else),
    T(numbers_and_dates_as_each_language_writes_them), T(translation_files_are_parsed_strictly),
    T(output_files_appear_whole_or_not_at_all))
