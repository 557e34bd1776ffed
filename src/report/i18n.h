/* Translations of the reports, and numbers and dates as each language
 * writes them.
 *
 * A translation file is data/i18n/reports.LANG.json: one JSON object whose
 * members are all strings, key -> text. Keys are 1-64 ASCII letters,
 * digits, '.', '_' and '-'; texts are valid UTF-8 of at most 4,000 bytes
 * without control characters but line feed. "{1}", "{2}"... in a text are
 * replaced by dm_i18n_fmt's arguments (plain substitution, never a printf
 * format). The locale keys say how numbers and dates are written:
 *   locale.decimal   the decimal mark ("." or ","), 1 character;
 *   locale.group     the thousands separator (",", " ", U+00A0, U+202F, "")
 *   locale.date      a pattern of DD, D, MM, MMMM (month.N), YYYY and any
 *                    other characters ("DD.MM.YYYY", "D MMMM YYYY").
 * Every key of dm_i18n_keys() must be there: a file that lacks one is
 * refused naming it, so a report never shows a key instead of a text.
 */
#ifndef DM_REPORT_I18N_H
#define DM_REPORT_I18N_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

typedef struct dm_i18n dm_i18n;

#define DM_I18N_KEY_MAX 64
#define DM_I18N_TEXT_MAX 4000

/* The keys every translation file must have (static, *n of them). */
const char *const *dm_i18n_keys(size_t *n);

/* Parses a translation file of len bytes (no NUL needed). A file that is not
 * such an object, or whose locale keys are bad, is DM_EFORMAT with a message
 * naming the key; missing keys are not checked here (dm_i18n_missing).
 * *out is owned by the caller: dm_i18n_free(). */
dm_status dm_i18n_parse(const char *text, size_t len, dm_i18n **out, dm_error *err);

/* Writes the missing required keys, comma-separated, into out (cut to
 * outsz); returns how many are missing. */
size_t dm_i18n_missing(const dm_i18n *t, char *out, size_t outsz);

/* Loads DIR/reports.LANG.json and checks it is complete. LANG is 2 or 3
 * lowercase ASCII letters, else DM_EINVAL; no such file is DM_ENOTFOUND
 * naming the languages there are; a missing key is DM_EFORMAT naming it.
 * *out is owned by the caller: dm_i18n_free(). */
dm_status dm_i18n_load(const char *dir, const char *lang, dm_i18n **out, dm_error *err);

void dm_i18n_free(dm_i18n *t);

/* The languages with a reports file in dir, sorted: "az, en, ru" ("" when
 * none or dir cannot be read). */
void dm_i18n_languages(const char *dir, char *out, size_t outsz);

/* The language code ("az"). Owned by t. */
const char *dm_i18n_lang(const dm_i18n *t);

/* The text of key; "[key]" (static storage inside t) when there is none, so
 * a gap shows instead of crashing. Owned by t. */
const char *dm_i18n_get(const dm_i18n *t, const char *key);

/* The text of key with "{1}".."{n}" replaced by args[0..n-1], into out
 * (cut at outsz on a character boundary). Returns out. */
char *dm_i18n_fmt(const dm_i18n *t, const char *key, char *out, size_t outsz, int n,
                  const char *const *args);

/* A whole number with the thousands separator: "12 345". */
char *dm_i18n_int(const dm_i18n *t, int64_t v, char *out, size_t outsz);

/* A number with `decimals` decimals (0-6), rounded as printf rounds, with
 * the locale's marks: "1 234,5". Non-finite: "–". */
char *dm_i18n_num(const dm_i18n *t, double v, int decimals, char *out, size_t outsz);

/* An ISO date "YYYY-MM-DD" written by locale.date; other text as it is. */
char *dm_i18n_date(const dm_i18n *t, const char *iso, char *out, size_t outsz);

/* "April 2025" / "aprel 2025": month.N and the year. */
char *dm_i18n_month(const dm_i18n *t, int year, int month, char *out, size_t outsz);

#endif
