/* A tiny test harness: TEST(name) functions, CHECK macros, one summary line
 * "N passed, N failed" that CTest and CI read. */
#ifndef DM_TEST_HARNESS_H
#define DM_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_checks;
static const char *t_current;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, t_current,      \
                    #cond);                                                                        \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s: %s == %lld, expected %lld\n", __FILE__, __LINE__,        \
                    t_current, #a, a_, b_);                                                        \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_)) {                                                        \
            fprintf(stderr, "  %s:%d: %s: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,    \
                    t_current, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                        \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

/* relative tolerance */
#define CHECK_NEAR(a, b, rel)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (rel)*fmax(fabs(b_), 1e-12))) {                                     \
            fprintf(stderr, "  %s:%d: %s: %s == %.10g, expected %.10g (±%g)\n", __FILE__,          \
                    __LINE__, t_current, #a, a_, b_, (double)(rel));                               \
            t_failed_checks++;                                                                     \
        }                                                                                          \
    } while (0)

typedef struct t_case {
    const char *name;
    void (*fn)(void);
} t_case;

#define TEST(name) static void name(void)

static int t_run(const t_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        t_current = cases[i].name;
        int before = t_failed_checks;
        cases[i].fn();
        if (t_failed_checks == before) {
            passed++;
            printf("ok   %s\n", cases[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", cases[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define RUN(...)                                                                                   \
    int main(void)                                                                                 \
    {                                                                                              \
        static const t_case cases[] = {__VA_ARGS__};                                               \
        return t_run(cases, sizeof cases / sizeof cases[0]);                                       \
    }
#define T(fn)                                                                                      \
    {                                                                                              \
#fn, fn                                                                                    \
    }

#endif
