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

RUN(T(date_iso_and_dotted_forms_parse), T(date_other_forms_are_rejected_with_a_message),
    T(enum_fields_take_aliases_and_reject_unknown_values),
    T(int_fields_reject_units_and_out_of_range), T(utf8_validation),
    T(utf8_copy_never_cuts_a_character), T(buf_caps_growth_and_writes_json),
    T(kinds_are_found_by_cli_and_table_names))
