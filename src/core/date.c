#include "core/date.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int dm_date_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/* Reads exactly n digits at s into *v. */
static bool digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static bool valid_time_suffix(const char *t)
{
    /* THH:MM[:SS[.fff]][Z|±HH:MM] */
    int v;
    if (*t != 'T' && *t != ' ')
        return false;
    t++;
    if (!digits(t, 2, &v) || v > 23 || t[2] != ':' || !digits(t + 3, 2, &v) || v > 59)
        return false;
    t += 5;
    if (*t == ':') {
        if (!digits(t + 1, 2, &v) || v > 60)
            return false;
        t += 3;
        if (*t == '.') {
            t++;
            if (!isdigit((unsigned char)*t))
                return false;
            while (isdigit((unsigned char)*t))
                t++;
        }
    }
    if (*t == 'Z')
        t++;
    else if (*t == '+' || *t == '-') {
        if (!digits(t + 1, 2, &v) || t[3] != ':' || !digits(t + 4, 2, &v))
            return false;
        t += 6;
    }
    return *t == '\0';
}

dm_status dm_date_parse(const char *s, dm_date *out, dm_error *err)
{
    dm_date d = {0, 0, 0};
    bool ok = false;
    size_t n = strlen(s);
    if (n >= 10 && s[4] == '-' && s[7] == '-') {
        ok = digits(s, 4, &d.year) && digits(s + 5, 2, &d.month) && digits(s + 8, 2, &d.day) &&
             (n == 10 || valid_time_suffix(s + 10));
    } else if (n == 10 && s[2] == '.' && s[5] == '.') {
        ok = digits(s, 2, &d.day) && digits(s + 3, 2, &d.month) && digits(s + 6, 4, &d.year);
    }
    if (!ok)
        return dm_error_set(err, DM_EINVAL,
                            "'%.40s' is not a date: use YYYY-MM-DD (ISO 8601) or DD.MM.YYYY", s);
    if (d.year < 1000 || d.month < 1 || d.month > 12 || d.day < 1 ||
        d.day > dm_date_days_in_month(d.year, d.month))
        return dm_error_set(err, DM_EINVAL, "'%.40s' is not a real calendar date", s);
    *out = d;
    return DM_OK;
}

void dm_date_format(dm_date d, char out[11])
{
    unsigned y = (unsigned)d.year % 10000u, m = (unsigned)d.month % 100u,
             dd = (unsigned)d.day % 100u;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + dd / 10);
    out[9] = (char)('0' + dd % 10);
    out[10] = '\0';
}

dm_date dm_date_today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return (dm_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

void dm_time_now_iso(char out[DM_TIME_ISO_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char sec[20];
    strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, DM_TIME_ISO_LEN, "%.19s.%03dZ", sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

int dm_date_compare(dm_date a, dm_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}
