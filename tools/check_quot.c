/*
 * The piecewise-linear functions divide by 6 with cact_quot_ff / cact_quot_f64
 * (a product and one FMA correction where the CPU has FMA): check that
 * hardsigmoid, hardswish (z ((z + 3) / 6)) and hardswish' ((2z + 3) / 6) give
 * the bits of the plain division,
 * for every float32 and for 10^9 float64 (uniform over the sloped range, and
 * log-uniform over the magnitudes, subnormals included).
 *
 *   gcc -O2 -march=x86-64-v3 -Isrc tools/check_quot.c -o /tmp/check_quot -lm
 *   /tmp/check_quot            (prints the mismatches per function; exit 1 if any)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cact_activations.h"

#define REF(C)                                                                 \
static C ref_hardsigmoid_##C(C z)                                              \
{ C x = z + (C)3; return x <= (C)0 ? (C)0 : (x >= (C)6 ? (C)1 : x / (C)6); }  \
static C ref_hardswish_##C(C z)                                                \
{ C x = z + (C)3; return x <= (C)0 ? (C)0 : (x >= (C)6 ? z : z * (x / (C)6)); } \
static C ref_hardswish_d_##C(C z)                                              \
{ return z <= (C)-3 ? (C)0 : (z < (C)3 ? ((C)2 * z + (C)3) / (C)6 : (z == z ? (C)1 : z)); }
REF(float)
REF(double)

static int same_f(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y || (a != a && b != b);
}
static int same_d(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    return x == y || (a != a && b != b);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(void)
{
    uint64_t bad[6] = {0}, i;
    for (i = 0; i < (1ull << 32); i++) {
        uint32_t b = (uint32_t)i;
        float z;
        memcpy(&z, &b, 4);
        bad[0] += !same_f(cact_hardsigmoid_f32(z), ref_hardsigmoid_float(z));
        bad[1] += !same_f(cact_hardswish_f32(z), ref_hardswish_float(z));
        bad[2] += !same_f(cact_hardswish_derivative_f32(z), ref_hardswish_d_float(z));
    }
    for (i = 0; i < 1000000000ull; i++) {
        uint64_t r = next();
        double z;
        if (i & 1) {
            z = ((double)(r >> 11) * 0x1p-53 - 0.5) * 7.0;          /* (-3.5, 3.5) */
        } else {
            /* sign, exponent in [-1074, 2], random significand */
            uint64_t e = (r >> 11) % 1077, m = next() >> 12;
            z = e < 52 ? (double)(m >> (52 - e)) * 0x1p-1074
                       : ldexp(1.0 + (double)m * 0x1p-52, (int)e - 1075);
            z = (r & 1) ? -z : z;
        }
        bad[3] += !same_d(cact_hardsigmoid_f64(z), ref_hardsigmoid_double(z));
        bad[4] += !same_d(cact_hardswish_f64(z), ref_hardswish_double(z));
        bad[5] += !same_d(cact_hardswish_derivative_f64(z), ref_hardswish_d_double(z));
    }
    printf("float32 (all 2^32): hardsigmoid %llu, hardswish %llu, hardswish' %llu mismatches\n",
           (unsigned long long)bad[0], (unsigned long long)bad[1], (unsigned long long)bad[2]);
    printf("float64 (10^9): hardsigmoid %llu, hardswish %llu, hardswish' %llu mismatches\n",
           (unsigned long long)bad[3], (unsigned long long)bad[4], (unsigned long long)bad[5]);
    return (bad[0] | bad[1] | bad[2] | bad[3] | bad[4] | bad[5]) != 0;
}
