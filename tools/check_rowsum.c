/*
 * cact_row_sum_max_f32 (src/cact_math.h: the one pass that gives the long
 * float32 rows of softmax and its losses their sum, and the cross-entropy
 * their largest exponential) against the two functions it stands for, bit for
 * bit: the sum of cact_rows_sum_f32(a, 1, K, &s), which the short rows take,
 * and the maximum of cact_max_f32.  Rows of K = 16 to 300 and longer ones
 * up to 5000, of positive floats spread over 2^-90 to 2^90 (the unshifted
 * exponentials of rows within float32's bound), with ties and one dominant
 * term.
 *
 *   gcc -O2 -march=x86-64-v3 -Isrc tools/check_rowsum.c -o /tmp/check_rowsum -lm
 *   /tmp/check_rowsum      (the rows that differ; exit status 1 if any)
 *
 * Run it with the flags of every variant: with AVX the header takes its own
 * vector code, otherwise the two functions.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cact_activations.h"

static uint64_t state = 0x9e3779b97f4a7c15u;
static double uniform(void)                     /* [0, 1), xorshift64* */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 0x2545f4914f6cdd1du) >> 11) * 0x1p-53;
}

int main(void)
{
    static float a[5000];
    long rows = 0, bad = 0;
    int K, rep, k;
    for (K = 16; K <= 5000; K += K < 300 ? 1 : 97)
        for (rep = 0; rep < 12; rep++) {
            double s1, s2, m1, m2, w = rep % 3 == 0 ? 180.0 : 12.0;
            for (k = 0; k < K; k++)
                a[k] = (float)exp2(w * (uniform() - 0.5));
            if (rep % 4 == 1)                                /* one dominant term */
                a[(int)(uniform() * K)] = 0x1p60f;
            if (rep % 4 == 2)                                /* ties */
                for (k = 0; k < K; k += 7)
                    a[k] = 0x1.8p10f;
            cact_rows_sum_f32(a, 1, K, &s1);
            cact_max_f32(a, K, &m1);
            s2 = cact_row_sum_max_f32(a, K, &m2);
            rows++;
            if (memcmp(&s1, &s2, sizeof s1) != 0 || m1 != m2) {
                if (bad < 10)
                    printf("K = %d, row %d: sum %a, %a; max %a, %a\n", K, rep, s1, s2, m1, m2);
                bad++;
            }
        }
    printf("cact_row_sum_max_f32: %ld of %ld rows differ\n", bad, rows);
    return bad != 0;
}
