/* Sorting doubles and reading quantiles of a sorted array: the one
 * comparison and the one quantile the analyses share. Header only. */
#ifndef DM_CORE_SORTED_H
#define DM_CORE_SORTED_H

#include <math.h>

/* qsort comparison of doubles, ascending (NaN compares equal to all). */
static inline int dm_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q quantile (0-1) of v[0..n), sorted ascending, n >= 1: linear
 * interpolation between the order statistics. */
static inline double dm_quantile_sorted(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

#endif
