/*
 * The piecewise-linear functions (src/cact_family_pwl.h) against their plain
 * formulas, bit for bit: the selects nested as in the definitions (relu,
 * hardtanh, relu6, leaky_relu', hardsigmoid', relu's backward) and the
 * division by 6 (hardsigmoid = (z + 3)/6, hardswish = z ((z + 3)/6),
 * hardswish' = (2z + 3)/6), which the header computes without a division on
 * CPUs with FMA.  Every float32 (with NaN: any NaN for any NaN) and 2e8
 * float64 (uniform over [-7, 7], and log-uniform magnitudes from the smallest
 * subnormal to 4, of both signs).
 *
 *   gcc -O2 -march=x86-64-v3 -Isrc tools/check_pwl.c -o /tmp/check_pwl -lm
 *   /tmp/check_pwl          (the mismatches per function; exit status 1 if any)
 *
 * Run it for -march=x86-64, x86-64-v3 and x86-64-v4: the header's arithmetic
 * differs with FMA.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cact_activations.h"

#define REF(T, C)                                                              \
static C ref_relu_##T(C z) { return z < (C)0 ? (C)0 : z; }                    \
static C ref_relu_d_##T(C z) { return z > (C)0 ? (C)1 : (z == z ? (C)0 : z); } \
static C ref_relu_b_##T(C g, C y) { return y > (C)0 ? g : (y == y ? (C)0 : y); } \
static C ref_hardtanh_##T(C z, double lo, double hi)                           \
{ return z < (C)lo ? (C)lo : (z > (C)hi ? (C)hi : z); }                        \
static C ref_hardtanh_d_##T(C z, double lo, double hi)                         \
{ return (z > (C)lo && z < (C)hi) ? (C)1 : (z == z ? (C)0 : z); }              \
static C ref_leaky_d_##T(C z, double s)                                        \
{ return z > (C)0 ? (C)1 : (z == z ? (C)s : z); }                              \
static C ref_hardsigmoid_##T(C z)                                              \
{ C x = z + (C)3; return x <= (C)0 ? (C)0 : (x >= (C)6 ? (C)1 : x / (C)6); }  \
static C ref_hardsigmoid_d_##T(C z)                                            \
{ return (z > (C)-3 && z < (C)3) ? (C)1 / (C)6 : (z == z ? (C)0 : z); }        \
static C ref_hardswish_##T(C z)                                                \
{ C x = z + (C)3; return x <= (C)0 ? (C)0 : (x >= (C)6 ? z : z * (x / (C)6)); } \
static C ref_hardswish_d_##T(C z)                                              \
{ return z <= (C)-3 ? (C)0 : (z < (C)3 ? ((C)2 * z + (C)3) / (C)6 : (z == z ? (C)1 : z)); }
REF(f32, float)
REF(f64, double)

static int same_f32(float a, float b)
{
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y || (a != a && b != b);
}
static int same_f64(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    return x == y || (a != a && b != b);
}

enum { RELU, RELU_D, RELU_B, HARDTANH, HARDTANH_D, RELU6, RELU6_D, LEAKY_D,
       HARDSIGMOID, HARDSIGMOID_D, HARDSWISH, HARDSWISH_D, NFUNC };
static const char *names[NFUNC] = {
    "relu", "relu'", "relu_backward", "hardtanh", "hardtanh'", "relu6", "relu6'",
    "leaky_relu'", "hardsigmoid", "hardsigmoid'", "hardswish", "hardswish'"};
/* (min_val, max_val) of hardtanh and slopes of leaky_relu' */
static const double bounds[3][2] = {{-1.0, 1.0}, {-0.3, 2.5}, {0.5, 0.5}};
static const double slopes[3] = {0.01, -2.0, 0.1};

#define CHECK(T, z, bad)                                                       \
do {                                                                           \
    const C g = (C)0.75;                                                       \
    int j;                                                                     \
    bad[RELU] += !same_##T(cact_relu_##T(z), ref_relu_##T(z));                 \
    bad[RELU_D] += !same_##T(cact_relu_derivative_##T(z), ref_relu_d_##T(z));  \
    bad[RELU_B] += !same_##T(cact_relu_backward_##T(g, z), ref_relu_b_##T(g, z)); \
    for (j = 0; j < 3; j++) {                                                  \
        double lo = bounds[j][0], hi = bounds[j][1];                           \
        bad[HARDTANH] += !same_##T(cact_hardtanh_##T(z, lo, hi), ref_hardtanh_##T(z, lo, hi)); \
        bad[HARDTANH_D] += !same_##T(cact_hardtanh_derivative_##T(z, lo, hi),  \
                                     ref_hardtanh_d_##T(z, lo, hi));           \
        bad[LEAKY_D] += !same_##T(cact_leaky_relu_derivative_##T(z, slopes[j]), \
                                  ref_leaky_d_##T(z, slopes[j]));              \
    }                                                                          \
    bad[RELU6] += !same_##T(cact_relu6_##T(z), ref_hardtanh_##T(z, 0.0, 6.0)); \
    bad[RELU6_D] += !same_##T(cact_relu6_derivative_##T(z), ref_hardtanh_d_##T(z, 0.0, 6.0)); \
    bad[HARDSIGMOID] += !same_##T(cact_hardsigmoid_##T(z), ref_hardsigmoid_##T(z)); \
    bad[HARDSIGMOID_D] += !same_##T(cact_hardsigmoid_derivative_##T(z), ref_hardsigmoid_d_##T(z)); \
    bad[HARDSWISH] += !same_##T(cact_hardswish_##T(z), ref_hardswish_##T(z));  \
    bad[HARDSWISH_D] += !same_##T(cact_hardswish_derivative_##T(z), ref_hardswish_d_##T(z)); \
} while (0)

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
    uint64_t bad32[NFUNC] = {0}, bad64[NFUNC] = {0}, i, any = 0;
    int f;
    for (i = 0; i < (1ull << 32); i++) {
        uint32_t b = (uint32_t)i;
        float z;
        memcpy(&z, &b, 4);
#define C float
        CHECK(f32, z, bad32);
#undef C
    }
    for (i = 0; i < 200000000ull; i++) {
        uint64_t r = next();
        double z;
        if (i & 1) {
            z = ((double)(r >> 11) * 0x1p-53 - 0.5) * 14.0;
        } else {
            uint64_t e = (r >> 11) % 1077, m = next() >> 12;
            z = e < 52 ? (double)(m >> (52 - e)) * 0x1p-1074
                       : ldexp(1.0 + (double)m * 0x1p-52, (int)e - 1075);
            z = (r & 1) ? -z : z;
        }
#define C double
        CHECK(f64, z, bad64);
#undef C
    }
    printf("%-14s %12s %12s\n", "mismatches", "float32", "float64");
    for (f = 0; f < NFUNC; f++) {
        printf("%-14s %12llu %12llu\n", names[f], (unsigned long long)bad32[f],
               (unsigned long long)bad64[f]);
        any |= bad32[f] | bad64[f];
    }
    return any != 0;
}
