/*
 * cact_family_pwl.h: the piecewise-linear activations (relu, relu6,
 * leaky_relu, hardsigmoid, hardswish, hardtanh), with the interface of
 * cact_math.h: cact_NAME_T(z, params...), cact_NAME_derivative_T(z, params...),
 * cact_NAME_fwd_deriv_T(z, &d, params...), and for relu (whose backward works
 * from the saved output) cact_relu_backward_T(g, y).  The parameters are
 * doubles, rounded to the dtype once, except the slope of float32 leaky_relu
 * (two floats, or the double product: see below).
 *
 * Values at the kinks follow PyTorch's backward functions: relu'(0) = 0,
 * relu6'(0) = relu6'(6) = 0, leaky_relu'(0) = slope, hardsigmoid'(+-3) = 0,
 * hardswish'(-3) = 0, hardswish'(3) = 1, hardtanh'(min) = hardtanh'(max)
 * = 0; like PyTorch, relu(-0.0) and hardtanh(-0.0) are -0.0.  Every
 * comparison is written so that NaN falls through to the input: NaN in gives
 * NaN out, for the derivatives too (PyTorch's backward gives the gradient or 0
 * there).
 */
#ifndef CACT_FAMILY_PWL_H
#define CACT_FAMILY_PWL_H

#include "cact_math.h"

/*
 * The selects of every function are written one after the other, each testing
 * the input (the NaN case first), not nested: GCC then emits fewer blends (on
 * SSE2 and AVX2 about half the time of the nested form for hardtanh and
 * leaky_relu').  tools/check_pwl.c checks the bits against the nested
 * formulas over every float32 and 2e8 float64.
 *
 * x / 6, correctly rounded (as the division) for every x whose quotient is a
 * normal number, without a division on CPUs with FMA: Q is cact_quot_f64 or
 * cact_quot_ff, which takes the double 1/6 as the float nearest 1/6.
 */
#define CACT_DIV6(Q, x) Q((x), 6, 1.0 / 6)

#define CACT_PWL(T, W, C, Q)                                                     \
/* relu */                                                                     \
CACT_INLINE C cact_relu_##T(C z) { return z < (C)0 ? (C)0 : z; }               \
CACT_INLINE C cact_relu_derivative_##T(C z)                                    \
{ C d = z == z ? (C)0 : z; return z > (C)0 ? (C)1 : d; }                       \
CACT_INLINE C cact_relu_fwd_deriv_##T(C z, C *d)                               \
{ *d = cact_relu_derivative_##T(z); return cact_relu_##T(z); }                 \
/* from the saved output: y > 0 exactly where z > 0 */                         \
CACT_INLINE C cact_relu_backward_##T(C g, C y)                                 \
{ C o = y == y ? (C)0 : y; return y > (C)0 ? g : o; }                          \
/* hardtanh: clamp to [lo, hi] */                                              \
CACT_INLINE C cact_hardtanh_##T(C z, double lo, double hi)                     \
{ C y = z < (C)lo ? (C)lo : z; return z > (C)hi ? (C)hi : y; }                 \
CACT_INLINE C cact_hardtanh_derivative_##T(C z, double lo, double hi)          \
{ C d = z == z ? (C)0 : z; return (z > (C)lo && z < (C)hi) ? (C)1 : d; }       \
CACT_INLINE C cact_hardtanh_fwd_deriv_##T(C z, C *d, double lo, double hi)     \
{ *d = cact_hardtanh_derivative_##T(z, lo, hi); return cact_hardtanh_##T(z, lo, hi); } \
/* relu6 = hardtanh(z, 0, 6) */                                                \
CACT_INLINE C cact_relu6_##T(C z) { return cact_hardtanh_##T(z, 0.0, 6.0); }   \
CACT_INLINE C cact_relu6_derivative_##T(C z)                                   \
{ return cact_hardtanh_derivative_##T(z, 0.0, 6.0); }                          \
CACT_INLINE C cact_relu6_fwd_deriv_##T(C z, C *d)                              \
{ return cact_hardtanh_fwd_deriv_##T(z, d, 0.0, 6.0); }                        \
/* leaky_relu: z s in double (for float32, see below) */                      \
CACT_INLINE C cact_leaky_relu_##W(C z, double s)                               \
{ return z > (C)0 ? z : (C)((double)z * s); }                                  \
CACT_INLINE C cact_leaky_relu_derivative_##T(C z, double s)                    \
{ C d = z == z ? (C)s : z; return z > (C)0 ? (C)1 : d; }                       \
CACT_INLINE C cact_leaky_relu_fwd_deriv_##W(C z, C *d, double s)               \
{ *d = cact_leaky_relu_derivative_##T(z, s); return cact_leaky_relu_##W(z, s); } \
/* hardsigmoid = min(max(z + 3, 0), 6) / 6: the quotient, then the clamps as \
 * selects of it; NaN falls through both */                                   \
CACT_INLINE C cact_hardsigmoid_##T(C z)                                        \
{                                                                              \
    C x = z + (C)3, q = CACT_DIV6(Q, x);                                       \
    q = x <= (C)0 ? (C)0 : q;                                                  \
    return x >= (C)6 ? (C)1 : q;                                               \
}                                                                              \
CACT_INLINE C cact_hardsigmoid_derivative_##T(C z)                             \
{ C d = z == z ? (C)0 : z; return (z > (C)-3 && z < (C)3) ? (C)1 / (C)6 : d; } \
CACT_INLINE C cact_hardsigmoid_fwd_deriv_##T(C z, C *d)                        \
{ *d = cact_hardsigmoid_derivative_##T(z); return cact_hardsigmoid_##T(z); }   \
/* hardswish = z hardsigmoid(z): 0 for z <= -3 (also at -inf), z itself for   \
 * z >= 3 (z * 6 / 6 would overflow near the largest float), and z ((z + 3)/6) \
 * in between, the quotient rounded once (hardsigmoid's) and then the product: \
 * within 2 ulp, as PyTorch's (z (z + 3))/6, whose last bit it gives for      \
 * about 4 in 5 float32 inputs between -3 and 3 */                            \
CACT_INLINE C cact_hardswish_##T(C z)                                          \
{                                                                              \
    C x = z + (C)3, h = z * CACT_DIV6(Q, x);                                   \
    h = x >= (C)6 ? z : h;                                                     \
    return x <= (C)0 ? (C)0 : h;                                               \
}                                                                              \
CACT_INLINE C cact_hardswish_derivative_##T(C z)                               \
{                                                                              \
    /* (2z + 3)/6 = z/3 + 1/2, rounded twice at most, exact where 2z + 3 cancels */ \
    C d = CACT_DIV6(Q, (C)2 * z + (C)3);                                       \
    d = z >= (C)3 ? (C)1 : d;                                                  \
    return z <= (C)-3 ? (C)0 : d;                                              \
}                                                                              \
CACT_INLINE C cact_hardswish_fwd_deriv_##T(C z, C *d)                          \
{ *d = cact_hardswish_derivative_##T(z); return cact_hardswish_##T(z); }

CACT_PWL(f64, f64, double, cact_quot_f64)
CACT_PWL(f32, wide_f32, float, cact_quot_ff)

/*
 * leaky_relu for float32 (the registry's guard): z s with s = sh + sl as
 * two floats, sh z + sl z, in float arithmetic (twice the lanes of the double
 * product): within 1 ulp, and the correctly rounded product for all but about
 * 1 in 2000 inputs (float(s) z, PyTorch's, is off by 1 ulp for about 1 in 4);
 * for 2^-60 <= |s| <= 1 or s = 0, where |sh z| <= |z| cannot overflow.  Other
 * slopes take the double product (cact_leaky_relu_wide_f32).  z = -inf gives
 * -inf s (sl multiplies a finite z); -0.0 gives -0.0 s.
 */
CACT_INLINE int cact_leaky_relu_f32_fast(double s)
{
    return s == 0.0 || (fabs(s) >= 0x1p-60 && fabs(s) <= 1.0);
}
CACT_INLINE float cact_leaky_relu_f32(float z, double s)
{
    float sh = (float)s, sl = (float)(s - (double)sh);
    float zf = z > -0x1.fffffep127f ? z : -0x1.fffffep127f;      /* NaN: sh z is NaN */
    return z > 0.0f ? z : sh * z + sl * zf;
}
CACT_INLINE float cact_leaky_relu_fwd_deriv_f32(float z, float *d, double s)
{
    *d = cact_leaky_relu_derivative_f32(z, s);
    return cact_leaky_relu_f32(z, s);
}
CACT_INLINE float cact_leaky_relu_derivative_wide_f32(float z, double s)
{
    return cact_leaky_relu_derivative_f32(z, s);
}
/* the derivative in double, for the backward's product g s in double (s may
   lie outside float's range where g s does not) */
CACT_INLINE double cact_leaky_relu_derivative_wide_d32(float z, double s)
{
    double d = z == z ? s : (double)z;
    return z > 0.0f ? 1.0 : d;
}

#endif
