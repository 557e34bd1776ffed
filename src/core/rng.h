/* A small, fast, reproducible stream of random bits (splitmix64): the
 * seeded draws of the synthetic data, the scenario generator, the
 * forecasts' Monte Carlo and the minefield fit's prior and null test all
 * take it from here. Header only. */
#ifndef DM_CORE_RNG_H
#define DM_CORE_RNG_H

#include <stdint.h>

/* The next 64 bits of the stream whose state is *s (any value seeds it). */
static inline uint64_t dm_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform draw in [0, 1) from the stream: the top 53 bits over 2^53. */
static inline double dm_rng_unit(uint64_t *s)
{
    return (double)(dm_splitmix64(s) >> 11) * 0x1.0p-53;
}

#endif
