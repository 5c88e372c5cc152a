/*
 * Every float32 input of the smooth float32 functions (value and derivative)
 * against the float64 functions of the same header, which are within a few
 * ULP of double (tools/ulp_report.py, the tests): the worst error of the
 * float32 result in ULPs of float32 (the distance to the float64 result over
 * the spacing of float32 at it, subnormal spacing below 2^-126) and where it
 * is.  NaN in must give NaN out; where the reference rounds to +-inf in
 * float32, a finite result counts in ULPs of FLT_MAX.
 * The tests sample a few thousand points per function; this finds the worst
 * one among all 2^32.
 *
 *   gcc -O2 -fopenmp -march=x86-64-v3 -Isrc tools/ulp_f32.c -o /tmp/ulp_f32 -lm
 *   /tmp/ulp_f32 [name,name,...]   (default: all; exit status 1 if any is above 4 ULP)
 *
 * About 6 minutes per function per core here; compile with the -march of the
 * variant to check (x86-64, x86-64-v3, x86-64-v4): the header's arithmetic
 * differs with FMA.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cact_activations.h"

#define FUNCS(X)                                                               \
    X(sigmoid, ) X(tanh, ) X(softplus, , 1.0, 20.0) X(log_sigmoid, ) X(silu, ) \
    X(mish, ) X(tanhshrink, ) X(gelu, ) X(gelu_tanh, ) X(elu, , 1.0)           \
    X(selu, ) X(celu, , 1.0) X(softsign, )
#define DEF(NAME, ...)                                                         \
static void f32_##NAME(const float *x, float *y, float *d, long n)             \
{                                                                              \
    for (long i = 0; i < n; i++) {                                             \
        y[i] = cact_##NAME##_f32(x[i] __VA_ARGS__);                            \
        d[i] = cact_##NAME##_derivative_f32(x[i] __VA_ARGS__);                 \
    }                                                                          \
}                                                                              \
static void f64_##NAME(const float *x, double *y, double *d, long n)           \
{                                                                              \
    for (long i = 0; i < n; i++) {                                             \
        y[i] = cact_##NAME##_f64((double)x[i] __VA_ARGS__);                    \
        d[i] = cact_##NAME##_derivative_f64((double)x[i] __VA_ARGS__);         \
    }                                                                          \
}
FUNCS(DEF)
#define ROW(NAME, ...) {#NAME, f32_##NAME, f64_##NAME},
static const struct {
    const char *name;
    void (*f32)(const float *, float *, float *, long);
    void (*f64)(const float *, double *, double *, long);
} funcs[] = {FUNCS(ROW)};

static double ulp_error(float v, double r)
{
    double a = fabs(r);
    int e;
    if (r != r)
        return v != v ? 0.0 : INFINITY;
    if (v != v)
        return INFINITY;
    if (isinf((float)r))    /* beyond float's range: inf, or max within the bound */
        return v == (float)r ? 0.0 : (isinf(v) ? INFINITY : fabs((double)v - r) / 0x1p104);
    if (a < 0x1p-126)
        e = -126;
    else {
        frexp(a, &e);
        e -= 1;
    }
    return fabs((double)v - r) / ldexp(1.0, e - 23);
}

#define CHUNK (1L << 20)

int main(int argc, char **argv)
{
    int fail = 0;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (size_t f = 0; f < sizeof funcs / sizeof funcs[0]; f++) {
        char list[512], key[64];
        double worst[2] = {0.0, 0.0};
        float at[2] = {0.0f, 0.0f};
        if (only) {
            snprintf(list, sizeof list, ",%s,", only);
            snprintf(key, sizeof key, ",%s,", funcs[f].name);
            if (!strstr(list, key))
                continue;
        }
#pragma omp parallel
        {
            float *x = malloc(CHUNK * sizeof *x), *y = malloc(CHUNK * sizeof *y),
                  *d = malloc(CHUNK * sizeof *d);
            double *ry = malloc(CHUNK * sizeof *ry), *rd = malloc(CHUNK * sizeof *rd);
            double w[2] = {0.0, 0.0};
            float wat[2] = {0.0f, 0.0f};
#pragma omp for schedule(dynamic)
            for (long base = 0; base < (1L << 32); base += CHUNK) {
                for (long i = 0; i < CHUNK; i++) {
                    uint32_t b = (uint32_t)(base + i);
                    memcpy(&x[i], &b, 4);
                }
                funcs[f].f32(x, y, d, CHUNK);
                funcs[f].f64(x, ry, rd, CHUNK);
                for (long i = 0; i < CHUNK; i++) {
                    double e0 = ulp_error(y[i], ry[i]), e1 = ulp_error(d[i], rd[i]);
                    if (e0 > w[0]) { w[0] = e0; wat[0] = x[i]; }
                    if (e1 > w[1]) { w[1] = e1; wat[1] = x[i]; }
                }
            }
#pragma omp critical
            for (int k = 0; k < 2; k++)
                if (w[k] > worst[k]) { worst[k] = w[k]; at[k] = wat[k]; }
            free(x); free(y); free(d); free(ry); free(rd);
        }
        printf("%-12s value %.3f ULP at z = %a, derivative %.3f ULP at z = %a\n",
               funcs[f].name, worst[0], at[0], worst[1], at[1]);
        fflush(stdout);
        fail |= !(worst[0] <= 4.0 && worst[1] <= 4.0);
    }
    return fail;
}
