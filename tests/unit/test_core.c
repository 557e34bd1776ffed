#include "core/buf.h"
#include "core/date.h"
#include "core/kind.h"
#include "core/utf8.h"
#include "harness.h"

TEST(date_iso_and_dotted_forms_parse)
{
    dm_date d;
    CHECK(dm_date_parse("2021-03-07", &d, NULL) == DM_OK);
    CHECK(d.year == 2021 && d.month == 3 && d.day == 7);
    CHECK(dm_date_parse("07.03.2021", &d, NULL) == DM_OK);
    CHECK(d.year == 2021 && d.month == 3 && d.day == 7);
    CHECK(dm_date_parse("2021-03-07T10:20:30Z", &d, NULL) == DM_OK);
    char out[11];
    dm_date_format(d, out);
    CHECK_STR(out, "2021-03-07");
}

TEST(date_other_forms_are_rejected_with_a_message)
{
    dm_date d;
    dm_error err;
    CHECK(dm_date_parse("03/07/2021", &d, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "YYYY-MM-DD") != NULL);
    CHECK(dm_date_parse("2021-02-29", &d, &err) == DM_EINVAL);
    CHECK(dm_date_parse("2020-02-29", &d, &err) == DM_OK);
    CHECK(dm_date_parse("2021-13-01", &d, &err) == DM_EINVAL);
    CHECK(dm_date_parse("", &d, &err) == DM_EINVAL);
    CHECK(dm_date_parse("2021-03-07T25:00", &d, &err) == DM_EINVAL);
}

TEST(enum_fields_take_aliases_and_reject_unknown_values)
{
    const dm_field *method =
        &dm_kind_releases.fields[dm_kind_field_index(&dm_kind_releases, "method")];
    char *out = NULL;
    dm_error err;
    CHECK(dm_field_normalise(method, " Clearance ", &out, &err) == DM_OK);
    CHECK_STR(out, "cleared");
    free(out);
    CHECK(dm_field_normalise(method, "bulldozed", &out, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "cancelled, reduced, cleared") != NULL);
    CHECK(dm_field_normalise(method, "   ", &out, &err) == DM_OK);
    CHECK(out == NULL);
}

TEST(int_fields_reject_units_and_out_of_range)
{
    const dm_field *age = &dm_kind_victims.fields[dm_kind_field_index(&dm_kind_victims, "age")];
    char *out = NULL;
    dm_error err;
    CHECK(dm_field_normalise(age, "12y", &out, &err) == DM_EINVAL);
    CHECK(dm_field_normalise(age, "-3", &out, &err) == DM_EINVAL);
    CHECK(dm_field_normalise(age, "111", &out, &err) == DM_EINVAL);
    CHECK(dm_field_normalise(age, "12.0", &out, &err) == DM_OK);
    CHECK_STR(out, "12");
    free(out);
}

TEST(utf8_validation)
{
    CHECK(dm_utf8_valid("Goražde", strlen("Goražde"), NULL));
    size_t bad = 0;
    CHECK(!dm_utf8_valid("ab\xff", 3, &bad));
    CHECK_EQ_INT(bad, 2);
    CHECK(!dm_utf8_valid("\xc0\xaf", 2, NULL));        /* overlong */
    CHECK(!dm_utf8_valid("\xed\xa0\x80", 3, NULL));    /* surrogate */
    CHECK(!dm_utf8_valid("\xe2\x82", 2, NULL));        /* truncated */
    CHECK(dm_utf8_valid("\xf0\x9f\x92\xa3", 4, NULL)); /* U+1F4A3 */
}

TEST(utf8_copy_never_cuts_a_character)
{
    char out[8];
    dm_utf8_copy(out, sizeof out,
                 "Gora\xc5\xbe"
                 "de"); /* Goražde: ž at bytes 4-5 */
    CHECK_STR(out, "Gora\xc5\xbe"
                   "d");
    dm_utf8_copy(out, 6,
                 "Gora\xc5\xbe"
                 "de"); /* room for 5: ž would be cut */
    CHECK_STR(out, "Gora");
    dm_utf8_copy(out, sizeof out, "short");
    CHECK_STR(out, "short");
}

TEST(buf_caps_growth_and_writes_json)
{
    dm_buf b;
    dm_buf_init(&b, 16);
    CHECK(dm_buf_puts(&b, "0123456789") == DM_OK);
    CHECK(dm_buf_puts(&b, "0123456789") == DM_ENOMEM);
    CHECK_EQ_INT(b.len, 10);
    dm_buf_free(&b);
    dm_buf_init(&b, 0);
    dm_buf_json_string(&b, "a\"b\n\x01");
    CHECK_STR(b.data, "\"a\\\"b\\n\\u0001\"");
    dm_buf_reset(&b);
    dm_buf_json_number(&b, 0.1);
    CHECK_STR(b.data, "0.1"); /* shortest form that reads back exactly */
    dm_buf_reset(&b);
    dm_buf_json_number(&b, NAN);
    CHECK_STR(b.data, "null");
    dm_buf_free(&b);
}

TEST(kinds_are_found_by_cli_and_table_names)
{
    CHECK(dm_kind_find("admin-areas") == &dm_kind_admin_areas);
    CHECK(dm_kind_find("admin_areas") == &dm_kind_admin_areas);
    CHECK(dm_kind_find("eo-items") == &dm_kind_eo_items);
    CHECK(dm_kind_find("nonsense") == NULL);
    for (size_t i = 0; i < dm_kind_count(); i++)
        CHECK(dm_kind_at(i)->nfields <= DM_MAX_FIELDS);
}

TEST(codes_and_text_fields_follow_the_rules)
{
    dm_error err;
    CHECK(dm_code_check("HA-0001", &err) == DM_OK);
    CHECK(dm_code_check("2585-III.b_1", &err) == DM_OK);
    CHECK(dm_code_check("", &err) == DM_EINVAL);
    CHECK(dm_code_check("a/b", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "code 'a/b' has '/'") != NULL);
    CHECK(dm_code_check("HA-1\nX", &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "'HA-1?X' has a control character (0x0A)") != NULL);
    CHECK(dm_code_check("<script>", &err) == DM_EINVAL);
    CHECK(dm_code_check("-1", &err) == DM_EINVAL);
    CHECK(dm_code_check(".1", &err) == DM_EINVAL);
    CHECK(dm_code_check("a b", &err) == DM_EINVAL);
    CHECK(dm_code_check("\xc5\xbe"
                        "epce",
                        &err) == DM_EINVAL); /* past ASCII */
    CHECK(dm_code_check("abcdefghijabcdefghijabcdefghij1", &err) == DM_OK);
    CHECK(dm_code_check("abcdefghijabcdefghijabcdefghij12", &err) == DM_EINVAL);
    long long n;
    CHECK(dm_kind_code_number(&dm_kind_hazards, "HA-0042", &n) && n == 42);
    CHECK(!dm_kind_code_number(&dm_kind_hazards, "HA-42a", &n));
    CHECK(!dm_kind_code_number(&dm_kind_hazards, "EO-42", &n));
    CHECK(!dm_kind_code_number(&dm_kind_hazards, "HA-", &n));
    /* short text: 200 characters (not bytes), one line */
    const dm_field *name = &dm_kind_hazards.fields[dm_kind_field_index(&dm_kind_hazards, "name")];
    const dm_field *desc =
        &dm_kind_hazards.fields[dm_kind_field_index(&dm_kind_hazards, "description")];
    char *v = NULL;
    char big[20001];
    memset(big, 'x', 201);
    big[201] = 0;
    CHECK(dm_field_normalise(name, big, &v, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "name is 201 characters long: at most 200") != NULL);
    big[200] = 0;
    CHECK(dm_field_normalise(name, big, &v, &err) == DM_OK);
    free(v);
    /* 150 two-byte characters are 150 characters */
    for (int i = 0; i < 150; i++)
        memcpy(big + 2 * i, "\xc5\xbe", 2);
    big[300] = 0;
    CHECK(dm_field_normalise(name, big, &v, &err) == DM_OK);
    free(v);
    CHECK(dm_field_normalise(name, "two\nlines", &v, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "one line") != NULL);
    CHECK(dm_field_normalise(name, "a\tb", &v, &err) == DM_EINVAL);
    CHECK(dm_field_normalise(name,
                             "a\xc2\x85"
                             "b",
                             &v, &err) == DM_EINVAL); /* U+0085 */
    CHECK(dm_field_normalise(name, "\xff", &v, &err) == DM_EINVAL);
    CHECK(dm_field_normalise(name, "  blanks around  \n", &v, &err) == DM_OK);
    CHECK_STR(v, "blanks around");
    free(v);
    /* free text: lines and tabs, CR LF kept as LF, 10,000 characters */
    CHECK(dm_field_normalise(desc, "line 1\r\nline\t2", &v, &err) == DM_OK);
    CHECK_STR(v, "line 1\nline\t2");
    free(v);
    CHECK(dm_field_normalise(desc, "bell\a", &v, &err) == DM_EINVAL);
    CHECK(dm_field_normalise(desc, "lone\rCR", &v, &err) == DM_EINVAL);
    memset(big, 'y', 10001);
    big[10001] = 0;
    CHECK(dm_field_normalise(desc, big, &v, &err) == DM_EINVAL);
    CHECK(strstr(err.msg, "at most 10000") != NULL);
    big[10000] = 0;
    CHECK(dm_field_normalise(desc, big, &v, &err) == DM_OK);
    free(v);
}

RUN(T(date_iso_and_dotted_forms_parse), T(date_other_forms_are_rejected_with_a_message),
    T(enum_fields_take_aliases_and_reject_unknown_values),
    T(int_fields_reject_units_and_out_of_range), T(utf8_validation),
    T(utf8_copy_never_cuts_a_character), T(buf_caps_growth_and_writes_json),
    T(kinds_are_found_by_cli_and_table_names), T(codes_and_text_fields_follow_the_rules))
