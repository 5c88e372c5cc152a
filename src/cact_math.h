/*
 * cact_math.h: per-element maths of cactivations.
 *
 * For every elementwise activation NAME of cactivations/_registry.py and each
 * type suffix T in {f32, f64}:
 *
 *   ctype cact_NAME_T(ctype z)                        g(z)
 *   ctype cact_NAME_derivative_T(ctype z)             g'(z), from the input
 *   ctype cact_NAME_backward_T(ctype g, ctype y)      g * g'(z) from the saved y = g(z)
 *   double cact_NAME_fwd_deriv_f64(double z, double *d)
 *                                                     g(z), and g'(z) in *d, from
 *                                                     one evaluation (the fused losses)
 *
 *   float cact_NAME_fwd_deriv_f32(float z, float *d)  the same in float32
 *
 * Everything on a hot path is branch-free straight-line code (selects written
 * as ternaries, bit operations for 2^k, no libm call), so that the loops that
 * call it vectorize for every instruction set; the build compiles with
 * -fno-trapping-math (the selects may evaluate both sides) and without
 * -ffast-math (IEEE results are kept).  The float32 functions of sigmoid and
 * tanh run the same formulas in float arithmetic (twice the SIMD lanes); the
 * others evaluate the float64 formula and round once.  All are within 4 ULP,
 * checked against mpmath by the tests.  Every function
 * is total: NaN in gives NaN out, +-inf give the limits, and no intermediate
 * overflows for finite input.
 */
#ifndef CACT_MATH_H
#define CACT_MATH_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CACT_INLINE static inline

CACT_INLINE double cact_from_bits(int64_t i) { double d; memcpy(&d, &i, sizeof d); return d; }
CACT_INLINE int64_t cact_to_bits(double d) { int64_t i; memcpy(&i, &d, sizeof i); return i; }

/*
 * q(r) = sum_{n>=2} r^(n-2) / n! up to r^11, so that expm1(r) = r + r^2 q(r):
 * the Taylor polynomial every double exp here shares (truncation < 2^-60
 * relative for |r| <= ln2/2).  Evaluated by Estrin's scheme (pairs, then
 * powers r^2, r^4, r^8): a dependency chain of 4 operations instead of
 * Horner's 11, which the vectorized loops, otherwise waiting on FMA latency,
 * turn into throughput.  Its rounding errors, a few units of 2^-53 relative
 * to q, enter expm1(r) scaled by |r| / 2 <= 0.18 (tools/family_check*.py:
 * worst cases within 0.05 ULP of Horner's).
 */
CACT_INLINE double cact_expm1_taylor_q(double r)
{
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double c0 = 0.5 + r * (1.0 / 6.0);
    double c1 = 1.0 / 24.0 + r * (1.0 / 120.0);
    double c2 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    double c3 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    double c4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    double c5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    return ((c0 + r2 * c1) + r4 * (c2 + r2 * c3)) + r8 * (c4 + r2 * c5);
}

/*
 * expm1(x), and exp(x) in *e_out, for x <= 0 (larger x is taken as 0; NaN
 * propagates; -inf gives -1 and 0).  x = k ln2 + r with |r| <= ln2/2 (Cody-Waite,
 * ln2 split in two so k ln2 is exact), expm1(r) = r + r^2 q(r) with the Taylor
 * polynomial q of degree 11 (truncation < 2^-60 relative), then
 * exp(x) = 2^k (1 + expm1(r)) and expm1(x) = 2^k expm1(r) + (2^k - 1).  2^k is
 * applied as 2^(k+64) (a normal number for every k here) times 2^-64, so results
 * in the subnormal range are rounded once; the integer work is one 64-bit
 * add and shift, which every SIMD instruction set has.  x is clamped at -752,
 * where exp(x) is below 2^-1084: small enough that a caller's product of the
 * scaled exp with a factor up to 2^9 (tanh' takes 4 exp(-2a)) still rounds
 * to 0 beyond the clamp.
 * Measured: exp within 0.93 ULP over [-746, 0].
 */
/* the parts of cact_expm1_neg: *p_out = expm1(r), *s_out = 2^(k+64), k >= -1085 */
CACT_INLINE void cact_exp_neg_parts_f64(double x, double *p_out, double *s_out)
{
    const double shift = 0x1.8p52; /* round-to-integer by addition */
    double kd, k, r, q;
    x = x < -752.0 ? -752.0 : x;    /* exp(-752) 2^9 rounds to 0 */
    kd = x * 0x1.71547652b82fep0 + shift;
    k = kd - shift;
    r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45;
    q = cact_expm1_taylor_q(r);
    *p_out = r + (r * r) * q;
    /* the low bits of kd hold k in [-1085, 0]: 2^(k+64) from the bits */
    *s_out = cact_from_bits((cact_to_bits(kd) - cact_to_bits(shift) + 1023 + 64) << 52);
}
CACT_INLINE double cact_expm1_neg(double x, double *e_out)
{
    double p, s;
    cact_exp_neg_parts_f64(x, &p, &s);
    /* s + s p: the bits of (1 + p) s (s a power of 2, the sum rounded once), in
       one FMA where the target has it */
    *e_out = (s + s * p) * 0x1p-64;
    s *= 0x1p-64;                   /* 2^k, exact (a power of 2 >= 2^-1085 rounds to 0 or stays exact) */
    return s * p + (s - 1.0);
}

CACT_INLINE float cact_from_bits_f32(int32_t i) { float f; memcpy(&f, &i, sizeof f); return f; }
CACT_INLINE int32_t cact_to_bits_f32(float f) { int32_t i; memcpy(&i, &f, sizeof i); return i; }

/*
 * The float32 twin of cact_expm1_neg, in float arithmetic (twice the lanes of
 * double): x = k ln2 + r (ln2 split so k ln2 is exact), expm1(r) = r + r^2 q(r)
 * with q of degree 4 fitted to (expm1(r) - r)/r^2, float coefficients
 * (tools/fit_family_f32.py --exp-f32): exp(r) = 1 + p within 9.4e-9
 * relative, expm1(r) within 2.3e-8, against float's 6e-8 epsilon (the
 * Taylor polynomial of degree 5 with float coefficients: 7.3e-9, 1.8e-8).
 * cact_exp_neg_parts_f32 gives exp(x) = (1 + p) s 2^-32 with s = 2^(k+32) a
 * normal float for x >= -109 (x is clamped there, NaN stays), so that a caller
 * scales a product by 2^-32 last and rounds a subnormal result once.
 * For x <= 0 (not clamped above, as cact_expm1_neg); exp(x) rounds to 0
 * below -104.
 */
#define CACT_EXP_NEG_PARTS_F32(XL, CLAMP)                                      \
    const float shift = 0x1.8p23f;                                             \
    float kd, k, r, q;                                                         \
    if (CLAMP)                                                                 \
        x = x < -109.0f ? -109.0f : x;                                         \
    kd = x * 0x1.715476p0f + shift;                                            \
    k = kd - shift;                                                            \
    r = (x - k * 0x1.62e4p-1f) - k * 0x1.7f7d1cp-20f XL;                       \
    q = 0x1.6c8b9ep-10f;                                                       \
    q = q * r + 0x1.120ac0p-7f;                                                \
    q = q * r + 0x1.555584p-5f;                                                \
    q = q * r + 0x1.5554dep-3f;                                                \
    q = q * r + 0.5f;                                                          \
    *p_out = r + (r * r) * q;                                                  \
    *s_out = cact_from_bits_f32((cact_to_bits_f32(kd) - cact_to_bits_f32(shift) + 127 + 32) << 23);
CACT_INLINE void cact_exp_neg_parts_f32(float x, float *p_out, float *s_out)
{
    CACT_EXP_NEG_PARTS_F32(, 1)
}
/*
 * exp(x + xl) for x <= 0 and a small correction xl (the low part of a pair),
 * as cact_exp_neg_parts_f32: the reduced argument is r + xl.
 */
CACT_INLINE void cact_exp_neg_parts2_f32(float x, float xl, float *p_out, float *s_out)
{
    CACT_EXP_NEG_PARTS_F32(+ xl, 1)
}
/*
 * cact_exp_neg_parts2_f32 for a caller that bounds x >= -109 itself: no
 * clamp (with it, GCC threads the select through the polynomial and
 * evaluates the polynomial twice, for the clamped and the unclamped x).
 */
CACT_INLINE void cact_exp_neg_parts2_nc_f32(float x, float xl, float *p_out, float *s_out)
{
    CACT_EXP_NEG_PARTS_F32(+ xl, 0)
}
#undef CACT_EXP_NEG_PARTS_F32
CACT_INLINE float cact_expm1_neg_f32(float x, float *e_out)
{
    float p, s;
    cact_exp_neg_parts_f32(x, &p, &s);
    *e_out = (s + s * p) * 0x1p-32f;  /* the bits of (1 + p) s: see cact_expm1_neg */
    s *= 0x1p-32f;
    return s * p + (s - 1.0f);
}

/* c[0] + x (c[1] + ... + x c[n - 1]), for a constant n: the loop unrolls
   (the float32 polynomials with float coefficients) */
CACT_INLINE float cact_horner_f32(float x, const float *c, int n)
{
    float r = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        r = r * x + c[i];
    return r;
}

/*
 * exp(x) for the float32 functions, which evaluate in double: float32 needs
 * about 2^-26 relative accuracy of the intermediate values, and double's
 * range covers float32's tails without scaling.  x must lie in [-700, 700] or
 * be NaN (which propagates): the callers clamp it (cact_clamp700, or
 * cact_clamp700_neg where x <= 0) or bound it by construction, so that a
 * bounded argument costs no compare and select.  x = k ln2 + r with
 * |r| <= ln2/2 (Cody-Waite as in
 * cact_expm1_neg), exp(r) = 1 + p, p = r + r^2 q(r) with q a degree-5
 * Chebyshev interpolant of (expm1(r) - r)/r^2 (tools/fit_family_f32.py --exp;
 * p within 4.8e-10 of expm1(r), 1 + p within 2.0e-10 of exp(r), relative),
 * then exp(x) = 2^k (1 + p) and, in *em1, expm1(x) = 2^k p + (2^k - 1) (the
 * same relative accuracy near 0).  2^k is a normal double for every k here.
 * cact_exp_d32_acc: q the Taylor polynomial of degree 11 (truncation below
 * 5e-18: exp to about 1 ulp of double), for the callers where a difference of
 * exp with other terms cancels near a root.
 */
CACT_INLINE double cact_clamp700(double x)
{
    return x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x);      /* NaN stays */
}
CACT_INLINE double cact_clamp700_neg(double x)                  /* x <= 0 */
{
    return x < -700.0 ? -700.0 : x;                             /* NaN stays */
}
/*
 * x clamped to [-c, c] for a constant c > 0 (NaN stays).  With AVX2:
 * copysign(min(|x|, c), x) as an integer minimum of the bits of |x|
 * (MIN_EXPR).  Written as selects on doubles (x < -c ? -c : ...), the clamp
 * is a branch, and GCC threads its sides where the result is the constant
 * -c or c through the code that follows: it folds them to constants and
 * vectorizes every side, with a blend for every value that differs (the
 * float32 gelu' loop: 24 blends, 6 with this, 1.2x faster).  Without AVX2
 * the selects: SSE2 has no 64-bit compare, and its emulation made the same
 * loops 1.5-2.2x slower.  Where little follows a clamp, its selects cost
 * less than this (the clamp of exp's argument in cact_fe_exp_parts_neg_x
 * so: selu 2x slower), so it is used where it was measured to help.
 */
CACT_INLINE double cact_clamp_mag(double x, double c)
{
#if defined(__AVX2__)
    int64_t b = cact_to_bits(x), m = b & INT64_MAX, cb = cact_to_bits(c);
    m = m < cb ? m : cb;
    return x == x ? cact_from_bits(m | (b & INT64_MIN)) : x;
#else
    return x < -c ? -c : (x > c ? c : x);
#endif
}
#define CACT_EXP_D32_HEAD                                                      \
    const double shift = 0x1.8p52;                                             \
    double kd, k, r, q, p, s;                                                  \
    kd = x * 0x1.71547652b82fep0 + shift;                                      \
    k = kd - shift;                                                            \
    r = (x - k * 0x1.62e42fefa3800p-1) - k * 0x1.ef35793c76730p-45;
#define CACT_EXP_D32_TAIL                                                      \
    p = r + (r * r) * q;                                                       \
    s = cact_from_bits((cact_to_bits(kd) - cact_to_bits(shift) + 1023) << 52); \
    *em1 = s * p + (s - 1.0);                                                  \
    return s + s * p;
CACT_INLINE double cact_exp_d32(double x, double *em1)
{
    CACT_EXP_D32_HEAD
    q = 0x1.a124e3f154d32p-13;
    q = q * r + 0x1.6d431504c53d3p-10;
    q = q * r + 0x1.1110e0f726534p-7;
    q = q * r + 0x1.5554e9114ecf9p-5;
    q = q * r + 0x1.5555555a78232p-3;
    q = q * r + 0x1.0000000b8f62bp-1;
    CACT_EXP_D32_TAIL
}
CACT_INLINE double cact_exp_d32_acc(double x, double *em1)
{
    CACT_EXP_D32_HEAD
    q = cact_expm1_taylor_q(r);
    CACT_EXP_D32_TAIL
}
#undef CACT_EXP_D32_HEAD
#undef CACT_EXP_D32_TAIL

/*
 * The reduction of cact_exp_neg_x64 (cact_family_exp.h) for any x, with a
 * correction xl (small; taken as 0 where x is clamped) and its rounding
 * error carried: x is clamped to [LO, 712] (LO >= -1400, a constant: |k| <
 * 2^11, so k ln2_hi is exact; beyond, exp is 0 or overflows), x + xl = k ln2
 * + r + rl, and exp(x + xl) 2^-k = 1 + r + *c, *c = rl (1 + r) + r^2 q(r)
 * (q the Taylor polynomial of expm1 of degree 11).  Returns k (an integral
 * double: the exponent arithmetic stays in doubles, which every SIMD level
 * has, unlike 64-bit integer compares and conversions).
 */
CACT_INLINE double cact_exp_reduce_x64(double x, double xl, double lo, double *r_out,
                                       double *c_out)
{
    const double shift = 0x1.8p52;
    double kd, k, t, kl, w, wl, r, b, rl;
    xl = x > lo && x < 712.0 ? xl : 0.0;
    x = x < lo ? lo : (x > 712.0 ? 712.0 : x);             /* NaN stays */
    kd = x * 0x1.71547652b82fep0 + shift;
    k = kd - shift;
    t = x - k * 0x1.62e42fefa3800p-1;   /* exact: |k| < 2^11 */
    kl = k * 0x1.ef35793c76730p-45;
    w = t - kl;
    wl = (t - w) - kl;                   /* w + wl = t - kl to 2^-100 */
    r = w + xl;                          /* xl joins r and the rounding error */
    b = r - w;                           /* of that sum rl (TwoSum), as small */
    rl = ((w - (r - b)) + (xl - b)) + wl;  /* as cact_exp_neg_x64's */
    *r_out = r;
    *c_out = rl * (1.0 + r) + (r * r) * cact_expm1_taylor_q(r);
    return k;
}
/* 1 + r + c rounded once (1 + r split exactly: |r| < 1) */
CACT_INLINE double cact_exp_reduced_value(double r, double c)
{
    double u = 1.0 + r, eps = (1.0 - u) + r;
    return u + (eps + c);
}
/* 2^n for an integral double n, |n| <= 1023, from the bits */
CACT_INLINE double cact_pow2_d(double n)
{
    const double shift = 0x1.8p52;
    return cact_from_bits((cact_to_bits(n + shift) - cact_to_bits(shift) + 1023) << 52);
}
/* v 2^k for an integral double k, |k| <= 2044, as (v 2^k1) 2^k2, k1 = k/2
   rounded, k2 = k - k1 (both normal powers of 2): for v in [1/2, 2] the
   first product is exact where the result is not 0, the second rounded
   once, so a subnormal result is rounded once and none overflows before the
   end */
CACT_INLINE double cact_pow2_mul2(double v, double k)
{
    const double shift = 0x1.8p52;
    double k1 = (k * 0.5 + shift) - shift;
    return (v * cact_pow2_d(k1)) * cact_pow2_d(k - k1);
}
/*
 * exp(x + xl) / m for m in [1, 2) and any x (NaN propagates):
 * cact_exp_reduce_x64 with x clamped to [-760, 712] (beyond, the result is 0
 * or inf for every m), the quotient by m taken before the power of 2
 * (cact_pow2_mul2).
 */
CACT_INLINE double cact_exp_div_x64(double x, double xl, double m)
{
    double r, c, k = cact_exp_reduce_x64(x, xl, -760.0, &r, &c);
    return cact_pow2_mul2(cact_exp_reduced_value(r, c) / m, k);
}
/* a = m 2^-n with m in [1, 2), for a > 0 (subnormal too); returns n */
CACT_INLINE double cact_pow2_split(double a, double *m)
{
    double bs = a < 0x1p-1000 ? a * 0x1p64 : a;
    int64_t bb = cact_to_bits(bs);
    *m = cact_from_bits((bb & INT64_C(0xfffffffffffff)) | INT64_C(0x3ff0000000000000));
    return (double)(1023 - (bb >> 52)) + (a < 0x1p-1000 ? 64.0 : 0.0);
}
/* hi + lo + n ln2 as s + *sl, |n| < 2^11: n ln2_hi exact, the rounding of
   hi + n ln2_hi by TwoSum, n ln2_lo and lo added to the low part */
CACT_INLINE double cact_add_n_ln2(double hi, double lo, double n, double *sl)
{
    double a = n * 0x1.62e42fefa3800p-1, s = hi + a, bp = s - hi;
    *sl = lo + (((hi - (s - bp)) + (a - bp)) + n * 0x1.ef35793c76730p-45);
    return s;
}
/*
 * exp(t)/beta for t = hi + lo (lo small) and beta > 0 of any size (subnormal
 * too), where the exp alone would overflow or underflow: beta = m 2^-n,
 * exp(t)/beta = exp(t + n ln2)/m, within about 1 ulp, a subnormal result
 * rounded once: softplus's left tail for a small beta (finite below t =
 * -752, where cact_exp_neg_x64 stops, and above 1 for beta < 1).
 */
CACT_INLINE double cact_exp_over(double hi, double lo, double beta)
{
    double m, sl, n = cact_pow2_split(beta, &m);
    double s = cact_add_n_ln2(hi, lo, n, &sl);
    return cact_exp_div_x64(s, sl, m);
}

/*
 * Wrappers shared by the headers.  Parameter lists are passed in parentheses,
 * (, double alpha) or (), and unwrapped by CACT_ID, so that macros can pass
 * them on.
 *   CACT_SPLIT_FWD_DERIV(NAME, C, T, PDECL, PARGS): cact_NAME_T and
 *     cact_NAME_derivative_T from cact_NAME_fwd_deriv_T (the compiler drops the
 *     output not used); CACT_DERIV_FROM_FWD_DERIV: the derivative alone, for
 *     a forward written apart; CACT_FWD_DERIV_FROM_SPLIT(INLINE, NAME, C, T):
 *     the fused pair from cact_NAME_T and cact_NAME_derivative_T written
 *     apart (where the forward runs in other arithmetic than the derivative,
 *     so that the fused value is the forward function's);
 *   CACT_F32_FROM_D32(FN, CORE, PDECL, PARGS): float FN(float z, float *d, ...)
 *     from double CORE(double z, ..., double *d), both outputs rounded once.
 */
#define CACT_ID(...) __VA_ARGS__
#define CACT_DERIV_FROM_FWD_DERIV(NAME, C, T, PDECL, PARGS)                    \
CACT_INLINE C cact_##NAME##_derivative_##T(C z CACT_ID PDECL)                  \
{                                                                              \
    C d;                                                                       \
    cact_##NAME##_fwd_deriv_##T(z, &d CACT_ID PARGS);                          \
    return d;                                                                  \
}
#define CACT_SPLIT_FWD_DERIV(NAME, C, T, PDECL, PARGS)                         \
CACT_INLINE C cact_##NAME##_##T(C z CACT_ID PDECL)                             \
{                                                                              \
    C d;                                                                       \
    return cact_##NAME##_fwd_deriv_##T(z, &d CACT_ID PARGS);                   \
}                                                                              \
CACT_DERIV_FROM_FWD_DERIV(NAME, C, T, PDECL, PARGS)
#define CACT_FWD_DERIV_FROM_SPLIT(INLINE, NAME, C, T)                         \
INLINE C cact_##NAME##_fwd_deriv_##T(C z, C *d)                                \
{                                                                              \
    *d = cact_##NAME##_derivative_##T(z);                                      \
    return cact_##NAME##_##T(z);                                               \
}
#define CACT_F32_FROM_D32(FN, CORE, PDECL, PARGS)                              \
CACT_INLINE float FN(float z, float *d CACT_ID PDECL)                          \
{                                                                              \
    double dd, y = CORE((double)z CACT_ID PARGS, &dd);                         \
    *d = (float)dd;                                                            \
    return (float)y;                                                           \
}

/* ------------------------------------------------------------- identity */
CACT_INLINE double cact_identity_f64(double z) { return z; }
CACT_INLINE float cact_identity_f32(float z) { return z; }
CACT_INLINE double cact_identity_derivative_f64(double z) { return z == z ? 1.0 : z; }
CACT_INLINE float cact_identity_derivative_f32(float z) { return z == z ? 1.0f : z; }
CACT_INLINE double cact_identity_backward_f64(double g, double y) { (void)y; return g; }
CACT_INLINE float cact_identity_backward_f32(float g, float y) { (void)y; return g; }
CACT_INLINE double cact_identity_fwd_deriv_f64(double z, double *d)
{
    *d = 1.0;
    return z;
}
CACT_INLINE float cact_identity_fwd_deriv_f32(float z, float *d)
{
    *d = 1.0f;
    return z;
}

/* -------------------------------------------------------------- sigmoid */
/*
 * e = exp(-|z|) in (0, 1]: sigma = 1/(1+e) for z >= 0, e/(1+e) for z < 0, and
 * sigma' = e/(1+e)^2 = e/(1 + e(2+e)), which keeps its relative accuracy in
 * both tails (the denominator is rounded once).  The value alone divides the
 * scaled exp es = e SC (SC = 2^64, 2^32: the parts' (1 + p) s, see
 * cact_expm1_neg) by SC + es, with SC in the numerator for z >= 0: the same
 * quotient, as SC + es is exactly SC (1 + e) rounded, and a subnormal
 * e/(1+e) = es/SC is rounded once either way, without the multiplication
 * that scales es down.
 */
#define CACT_SIGMOID(T, C, EXPM1, PARTS, SC, FABS)                             \
CACT_INLINE C cact_sigmoid_##T(C z)                                            \
{                                                                              \
    C p, s, es;                                                                \
    PARTS(-FABS(z), &p, &s);                                                   \
    es = s + s * p;                                                            \
    return (z >= (C)0 ? (C)SC : es) / ((C)SC + es);                            \
}                                                                              \
CACT_INLINE C cact_sigmoid_derivative_##T(C z)                                 \
{                                                                              \
    C e;                                                                       \
    EXPM1(-FABS(z), &e);                                                       \
    return e / ((C)1 + e * ((C)2 + e));                                        \
}                                                                              \
CACT_INLINE C cact_sigmoid_fwd_deriv_##T(C z, C *d)                            \
{                                                                              \
    C e;                                                                       \
    EXPM1(-FABS(z), &e);                                                       \
    *d = e / ((C)1 + e * ((C)2 + e));                                          \
    return (z >= (C)0 ? (C)1 : e) / ((C)1 + e);                                \
}
/* float32 runs the same formulas in float arithmetic (within 4 ULP, see the tests) */
CACT_SIGMOID(f64, double, cact_expm1_neg, cact_exp_neg_parts_f64, 0x1p64, fabs)
CACT_SIGMOID(f32, float, cact_expm1_neg_f32, cact_exp_neg_parts_f32, 0x1p32f, fabsf)
CACT_INLINE double cact_sigmoid_backward_f64(double g, double y) { return g * (y * (1.0 - y)); }
CACT_INLINE float cact_sigmoid_backward_f32(float g, float y) { return g * (y * (1.0f - y)); }

/* ----------------------------------------------------------------- tanh */
/*
 * a = |z|, exp(-2a) = 2^k (1 + p) (the parts of cact_expm1_neg), e = exp(-2a).
 * tanh a = (1 - e)/(1 + e) = -(2^k p + (2^k - 1)) / (2^k p + (2^k + 1)) for
 * every a: 2^k - 1 and 2^k + 1 are exact (or round where 2^k p is far below
 * their ulp), so numerator and denominator are each rounded once (one FMA):
 * no cancellation near 0, where 1 - e would cancel, and no select between
 * forms; the forward value does not need e.  Both are formed from the parts'
 * scaled power s = 2^k SC and SC (2^64, 2^32 for float32, as for sigmoid)
 * instead of 2^k and 1: the same quotient (numerator and denominator are
 * scaled by one power of 2 and stay normal or exact), without a
 * multiplication.  1 - tanh^2 = 4e/(1+e)^2 = 4e/(1 + e(2+e)), its numerator
 * 4e formed from es = e SC (the scaled
 * exp of the parts, a normal number) by one multiplication, so that a
 * subnormal 4e is rounded once (4 times a rounded subnormal e would carry up
 * to 2 units and flush to 0 values that round to the smallest subnormal);
 * the denominator is then exactly 1.
 */
#define CACT_TANH(T, C, PARTS, SC, FABS, COPYSIGN)                             \
CACT_INLINE C cact_tanh_abs_##T(C a, C *es)                                    \
{                                                                              \
    C p, s;                                                                    \
    PARTS((C)-2 * a, &p, &s);                                                  \
    *es = s + s * p;                /* (1 + p) s: see cact_expm1_neg */        \
    return -(s * p + (s - (C)SC)) / (s * p + (s + (C)SC));                     \
}                                                                              \
CACT_INLINE C cact_tanh_deriv_es_##T(C es)                                     \
{                                                                              \
    C e = es * ((C)1 / SC);                                                    \
    return (es * ((C)4 / SC)) / ((C)1 + e * ((C)2 + e));                       \
}                                                                              \
CACT_INLINE C cact_tanh_##T(C z)                                               \
{                                                                              \
    C es;                                                                      \
    return COPYSIGN(cact_tanh_abs_##T(FABS(z), &es), z);                       \
}                                                                              \
CACT_INLINE C cact_tanh_derivative_##T(C z)                                    \
{                                                                              \
    C es;                                                                      \
    cact_tanh_abs_##T(FABS(z), &es);                                           \
    return cact_tanh_deriv_es_##T(es);                                         \
}                                                                              \
CACT_INLINE C cact_tanh_fwd_deriv_##T(C z, C *d)                               \
{                                                                              \
    C es, y = cact_tanh_abs_##T(FABS(z), &es);                                 \
    *d = cact_tanh_deriv_es_##T(es);                                           \
    return COPYSIGN(y, z);                                                     \
}
CACT_TANH(f64, double, cact_exp_neg_parts_f64, 0x1p64, fabs, copysign)
CACT_TANH(f32, float, cact_exp_neg_parts_f32, 0x1p32f, fabsf, copysignf)
CACT_INLINE double cact_tanh_backward_f64(double g, double y) { return g * ((1.0 - y) * (1.0 + y)); }
CACT_INLINE float cact_tanh_backward_f32(float g, float y) { return g * ((1.0f - y) * (1.0f + y)); }

/* ---------------------------------------------------------------- logit */
/*
 * logit p = log(p / (1 - p)).  p < 1/4: log p - log1p(-p) (no cancellation);
 * p > 3/4: log(p / (1 - p)) with 1 - p exact; in between 2 atanh(2p - 1),
 * whose argument is exact (it is 1.5 ULP where the log1p form reached 3).
 * 0 -> -inf, 1 -> +inf, outside [0, 1] and NaN -> NaN.
 */
CACT_INLINE double cact_logit_f64(double p)
{
    if (p < 0.25)
        return p < 0.0 ? NAN : log(p) - log1p(-p);
    if (p > 0.75)
        return p > 1.0 ? NAN : log(p / (1.0 - p));
    return 2.0 * atanh(2.0 * p - 1.0); /* NaN stays NaN */
}
CACT_INLINE float cact_logit_f32(float p)
{
    double x = (double)p;             /* 1 - x is exact in double */
    if (!(x >= 0.0 && x <= 1.0))
        return NAN;
    return (float)log(x / (1.0 - x));
}

/* ------------------------------------------------------ row-wise helpers */
/*
 * TwoSum: d = fl(a - b) and *r = (a - b) - d exactly; *r = 0 when d is not
 * finite (a or b infinite, or the difference overflows).
 */
CACT_INLINE double cact_two_diff(double a, double b, double *r_out)
{
    double d = a - b;
    double bb = d - a;
    double r = (a - (d - bb)) + (-b - bb);
    *r_out = fabs(d) <= DBL_MAX ? r : 0.0;
    return d;
}

/*
 * exp(a - b) for a <= b, with the rounding error r of the subtraction carried
 * into the exponential: exp(d + r) = exp(d) (1 + r + O(r^2)), |r| <= ulp(d)/2.
 */
CACT_INLINE double cact_exp_diff(double a, double b)
{
    double r, e, d = cact_two_diff(a, b, &r);
    cact_expm1_neg(d, &e);
    return e + e * r;
}

CACT_INLINE double cact_exp_diff_f64(double a, double b) { return cact_exp_diff(a, b); }

/*
 * exp(a - b) for rows of float32 (a <= b, the doubles of two floats): the double
 * difference is within 2^-46 of the exact one wherever a - b > -128 (below,
 * exp underflows in float32), so no rounding error needs carrying, and the
 * exponential of cact_exp_d32 (2.0e-10 relative) is far within float32's needs.
 */
CACT_INLINE double cact_exp_diff_f32(double a, double b)
{
    double em1;
    return cact_exp_d32(cact_clamp700_neg(a - b), &em1);
}

/*
 * exp(a - b) for a <= b, floats, in float arithmetic (the long rows of the
 * float32 softmax family: twice the lanes of double): d = a - b and its exact
 * rounding error r (TwoSum), then exp(d + r) = (1 + p)(1 + r) s 2^-32 from
 * cact_exp_neg_parts_f32, the 2^-32 applied last so that a subnormal result
 * is rounded once.  r is taken as 0 below d = -109, where exp(d) rounds to 0
 * (and r, up to ulp(d)/2, is no longer small: 1 + r could be any size or
 * sign) and where d is -inf or NaN.  Within about 1.5 ulp of float.
 */
CACT_INLINE float cact_exp_diff_ff(float a, float b)
{
    float d = a - b, bb = d - a, r = (a - (d - bb)) + (-b - bb), p, s, e;
    r = d >= -109.0f ? r : 0.0f;
    cact_exp_neg_parts_f32(d, &p, &s);
    e = s + s * p;                  /* (1 + p) s: see cact_expm1_neg */
    return (e + e * r) * 0x1p-32f;
}

/*
 * log1p(u) for u >= 0, fdlibm's scheme: v = 1 + u with its exact rounding
 * error c, v = 2^k m with m in [sqrt(2)/2, sqrt(2)), f = m - 1 exact, and
 * log1p(u) = k ln2 + log1p(f) + c/v, with log1p(f) = 2 atanh(s), s = f/(2+f),
 * taken as f - (hfsq - s (hfsq + R(s^2))), hfsq = f^2/2, R the series of atanh
 * to x^10 (truncation below 2^-60 for |s| <= 0.1716).
 * cact_log1p_kf(k, f, c, v): the last step, shared by cact_log1p_01_f64
 * (cact_family_exp.h, u in [0, 1], k from one compare) and cact_log1p_pos
 * (any u >= 0, the log of a softmax row's sum: k and m from the bits, and no
 * libm call, so that a loop of it vectorizes).  Within 1 ulp; NaN propagates,
 * +inf gives +inf.
 */
CACT_INLINE double cact_log1p_kf(double k, double f, double c, double v)
{
    const double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;
    double s = f / (2.0 + f);
    double x = s * s;
    double hfsq = 0.5 * f * f;
    /* R = x sum_k 2 x^k / (2k + 3), k = 0..9, by Estrin's scheme */
    double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
    double e0 = 2.0 / 3.0 + x * (2.0 / 5.0), e1 = 2.0 / 7.0 + x * (2.0 / 9.0);
    double e2 = 2.0 / 11.0 + x * (2.0 / 13.0), e3 = 2.0 / 15.0 + x * (2.0 / 17.0);
    double e4 = 2.0 / 19.0 + x * (2.0 / 21.0);
    double r = x * (((e0 + x2 * e1) + x4 * (e2 + x2 * e3)) + x8 * e4);
    return k * ln2_hi + (f - (hfsq - (s * (hfsq + r) + (k * ln2_lo + c / v))));
}
CACT_INLINE double cact_log1p_pos(double u)
{
    double v = 1.0 + u, c = u - (v - 1.0), m, r;
    uint64_t b = (uint64_t)cact_to_bits(v);
    uint32_t hx = (uint32_t)(b >> 32) + (0x3ff00000u - 0x3fe6a09eu);
    m = cact_from_bits((int64_t)(((uint64_t)((hx & 0x000fffffu) + 0x3fe6a09eu) << 32)
                                 | (b & 0xffffffffu)));
    r = cact_log1p_kf((double)((int32_t)(hx >> 20) - 0x3ff), m - 1.0, c, v);
    return u <= DBL_MAX ? r : u;   /* +inf, and NaN */
}

/*
 * a / b, given inv = 1 / b, for 0 <= a <= b (the scaling of a softmax row).
 * float64 with FMA: q = a inv and one correction by the exact remainder
 * a - q b, which gives a / b correctly rounded (as the division, checked on
 * 2e8 random pairs) except for quotients below about 2^-1019, within one ulp
 * there; a vector multiply-add costs less than a vector division.  Without FMA,
 * the division.  float32: the double product a inv, rounded once to float by
 * the caller (within 2^-52 of a / b: the float is the correctly rounded one
 * except where a / b lies within 2^-52 relative of a midpoint).
 */
CACT_INLINE double cact_quot_f64(double a, double b, double inv)
{
#ifdef __FMA__
    double q = a * inv;
    return fma(fma(-q, b, a), inv, q);
#else
    (void)inv;
    return a / b;
#endif
}
CACT_INLINE double cact_quot_f32(double a, double b, double inv)
{
    (void)b;
    return a * inv;
}
/*
 * a / b in float arithmetic, given inv = 1 / b rounded to float, with FMA: as
 * cact_quot_f64 (Markstein's correction), the correctly rounded float quotient
 * where it is a normal number; the division without FMA.  The piecewise-linear
 * functions divide by 6 with it and with cact_quot_f64 (tools/check_pwl.c
 * compares them with the division over every float and 2e8 doubles).
 */
CACT_INLINE float cact_quot_ff(float a, float b, float inv)
{
#if defined(__FP_FAST_FMAF)
    float q = a * inv;
    return __builtin_fmaf(__builtin_fmaf(-q, b, a), inv, q);
#else
    (void)inv;
    return a / b;
#endif
}

/*
 * y_k = y_k / s for a row 0 <= y_k <= s (the normalization of a softmax row,
 * its exponentials stored in y), s >= 1 or, for float32, 1/s a normal float
 * with 2^-24/s normal too (the short rows of cact_exp_within_ff: s between
 * exp(-64) and 64 exp(64)).  float64: cact_quot_f64.
 * float32 with FMA, in float arithmetic (twice the lanes, no conversions):
 * 1/s = ih + il as two floats (within 2^-48 relative) and y_k ih + y_k il in
 * one fma, so the float is the correctly rounded y_k / s except where that
 * lies within about 2^-47 relative of a midpoint (as the double product
 * rounded to float, which is what runs without FMA).
 */
CACT_INLINE void cact_row_div_f64(double *y, ptrdiff_t K, double s)
{
    double inv = 1.0 / s;
    ptrdiff_t k;
    for (k = 0; k < K; k++)
        y[k] = cact_quot_f64(y[k], s, inv);
}
CACT_INLINE void cact_row_div_f32(float *y, ptrdiff_t K, double s)
{
    double inv = 1.0 / s;
    ptrdiff_t k;
#if defined(__FP_FAST_FMAF)
    float ih = (float)inv, il = (float)(inv - (double)ih);
    for (k = 0; k < K; k++)
        y[k] = __builtin_fmaf(y[k], ih, y[k] * il);
#else
    for (k = 0; k < K; k++)
        y[k] = (float)cact_quot_f32((double)y[k], s, inv);
#endif
}

/*
 * o_k = y_k (g_k - dot) for a float32 row of softmax_backward, dot = sum g y
 * (in double), in float arithmetic (twice the lanes, no conversions), on CPUs
 * with FMA: dot = dh + dl as two floats, g - dh = t + tl exactly (TwoSum) and
 * o = y t + y (tl - dl) in one fma, so o is within about 1 ULP of y (g - dot)
 * (tests/test_accuracy.py: within 0.50 ULP of the exact value on rows with
 * entries that cancel).  Returns 0 (nothing to rely on in o) without FMA, and
 * where dot or an output is not finite (dot or g - dh beyond float's range,
 * inf or NaN in the input): the caller then takes the double path, which
 * reads g and y again, so o must not be g or y.  The outputs are checked by
 * the largest exponent field among them (all ones: inf or NaN), an unsigned
 * maximum that vectorizes as one instruction besides the mask; a flag per
 * element took two more, and the float loop 1.15-1.2x longer.
 */
CACT_INLINE int cact_softmax_backward_f32f(const float *g, const float *y, float *o,
                                           ptrdiff_t K, double dot)
{
#if defined(__FP_FAST_FMAF)
    float dh, dl, t, tl, b, v;
    ptrdiff_t k;
    uint32_t ex = 0, e;
    if (!(fabs(dot) <= FLT_MAX))        /* (the conversion would be undefined) */
        return 0;
    dh = (float)dot;
    dl = (float)(dot - (double)dh);
    for (k = 0; k < K; k++) {
        t = g[k] - dh;
        b = t - g[k];
        tl = (g[k] - (t - b)) + (-dh - b);      /* t + tl = g - dh exactly */
        v = __builtin_fmaf(y[k], t, y[k] * (tl - dl));
        o[k] = v;
        e = (uint32_t)cact_to_bits_f32(v) & 0x7f800000u;   /* the exponent field */
        ex = e > ex ? e : ex;
    }
    return ex != 0x7f800000u;
#else
    (void)g; (void)y; (void)o; (void)K; (void)dot;
    return 0;
#endif
}

/*
 * One step of compensated summation: *s += x, with the exact rounding error of
 * that addition (Knuth's TwoSum, whatever the order of magnitudes) added to *c,
 * so that *s + *c is the sum to about 2 ULP.  (Kahan's variant loses the error
 * when a small term comes before a large one.)  Once the sum overflows, the
 * error (inf - inf) is not accumulated, so the sum stays inf instead of turning
 * NaN; a NaN term still gives NaN through *s.
 */
CACT_INLINE void cact_sum_add(double *s, double *c, double x)
{
    double t = *s + x;
    double bp = t - *s;
    double err = (*s - (t - bp)) + (x - bp);
    *c += err == err ? err : 0.0;
    *s = t;
}
/* the same without the NaN test, for the lanes of the row reductions: a lane
   whose sum is not finite gets a NaN correction, which the reduction drops at
   the end (its hi is then not finite either) */
CACT_INLINE void cact_sum_add_lane(double *s, double *c, double x)
{
    double t = *s + x;
    double bp = t - *s;
    *c += (*s - (t - bp)) + (x - bp);
    *s = t;
}

/*
 * Row reductions in CACT_LANES independent lanes (a fixed-size inner loop the
 * compiler turns into vector registers), combined in a fixed order at the end:
 * deterministic, and independent of the instruction set and of threads.
 *   cact_sum2_T(x, n, &lo): sum of x as hi + lo (compensated per lane, then combined),
 *                           within about 2 ULP of the exact sum;
 *   cact_dot_T(a, c, b, n): sum of (a_i - c_i) b_i (c NULL: of a_i b_i),
 *                           accumulated in double (in CACT_DOT_LANES lanes);
 *   cact_sum_T(x, n):       sum of x, accumulated in double;
 *   cact_sqdiff_sum2_T(y, t, n, &lo): sum of (y - t)^2 as hi + lo, compensated.
 */
/*
 * Reductions over R short rows of length K stored one after another (the
 * blocks of the softmax family).  They run over the rows side by side (k
 * outer, r inner): each row is still reduced in the order of k, but the inner
 * loop has no dependency chain and vectorizes across rows (strided loads).
 * (cact_rows_dot_T, cact_rows_sum_T and cact_rows_max_T take rows of 16 or
 * more elements one at a time instead, in lanes: see below.)  A
 * row's result is one operation sequence whatever its position in the block,
 * so it does not depend on where a range of rows starts or ends (threads):
 * where a product is accumulated, GCC contracts it alike in the vector body
 * and in the scalar remainder (its FMA pass runs after the vectorizer, on
 * both).
 *   cact_rows_sum2_1(x, R, K, hi, lo): hi[r] + lo[r] = 1 + (sum of row r) for
 *     terms 0 <= x <= 1 (the exponentials of a softmax row): the running sum
 *     starts at 1 and never falls below a term, so Fast2Sum (3 operations)
 *     gives each addition's exact rounding error.  The caller subtracts 1 (or
 *     2) from hi, which is exact.  Rows holding NaN give NaN.
 *   cact_rows_max_T(a, R, K, out): row maxima (as doubles); returns whether a
 *     row holds NaN (its max is then not meaningful).
 *   cact_rows_sum_T(a, R, K, out):    row sums, in double.
 */
CACT_INLINE void cact_rows_sum2_1(const double *x, ptrdiff_t R, ptrdiff_t K, double *hi, double *lo)
{
    ptrdiff_t r, k;
    double t;
    for (r = 0; r < R; r++) {
        hi[r] = 1.0;
        lo[r] = 0.0;
    }
    for (k = 0; k < K; k++)
        for (r = 0; r < R; r++) {
            t = hi[r] + x[r * K + k];
            lo[r] += x[r * K + k] - (t - hi[r]);
            hi[r] = t;
        }
}

/*
 * cact_rows_sum_m1(x, R, K, s, u): for rows of exponentials 0 <= x <= 1 each
 * holding a 1 (a maximum's), s[r] = the row sum - 1 for the float32 short rows
 * of log_softmax, as cact_sum_m1_f32: the terms equal to 1 counted apart
 * (exactly, in u), the others summed plainly in double (within (K - 1) 2^-53
 * relative).  u is scratch.
 */
CACT_INLINE void cact_rows_sum_m1(const double *x, ptrdiff_t R, ptrdiff_t K, double *s, double *u)
{
    ptrdiff_t r, k;
    double v;
    for (r = 0; r < R; r++) {
        s[r] = 0.0;
        u[r] = -1.0;
    }
    for (k = 0; k < K; k++)
        for (r = 0; r < R; r++) {
            v = x[r * K + k];
            s[r] += v < 1.0 ? v : 0.0;
            u[r] += v < 1.0 ? 0.0 : 1.0;
        }
    for (r = 0; r < R; r++)
        s[r] = u[r] + s[r];
}

/*
 * cact_rows_sum2(x, R, K, hi, lo): hi[r] + lo[r] = the sum of row r, any
 * finite terms, compensated (TwoSum, as cact_sum_add_lane: the correction of
 * a row whose sum overflows is NaN and its hi inf).
 */
CACT_INLINE void cact_rows_sum2(const double *x, ptrdiff_t R, ptrdiff_t K, double *hi, double *lo)
{
    ptrdiff_t r, k;
    for (r = 0; r < R; r++) {
        hi[r] = 0.0;
        lo[r] = 0.0;
    }
    for (k = 0; k < K; k++)
        for (r = 0; r < R; r++)
            cact_sum_add_lane(&hi[r], &lo[r], x[r * K + k]);
}

/*
 * cact_rows_spread(v, a, R, K): a[r K + k] = v[r] for k < K, each row's value
 * repeated over its elements, for the flat elementwise loops over short rows.
 * v may be a (in place): the rows are filled from the last one, and row r
 * writes from index r K >= r on, after reading v[r].  A row is filled in
 * whole chunks of W = 4 elements (2 for K = 2, 3), one vector store each (or
 * two), the last chunk overlapping the one before, rather than a vector loop
 * with a scalar remainder per row.
 */
#define CACT_SPREAD_CHUNKS(W)                                                  \
    for (r = R - 1; r >= 0; r--) {                                             \
        x = v[r];                                                              \
        p = a + r * K;                                                         \
        for (k = 0; k + (W) < K; k += (W))                                     \
            for (j = 0; j < (W); j++)                                          \
                p[k + j] = x;                                                  \
        for (j = 0; j < (W); j++)                                              \
            p[K - (W) + j] = x;                                                \
    }
CACT_INLINE void cact_rows_spread(const double *v, double *a, ptrdiff_t R, ptrdiff_t K)
{
    ptrdiff_t r, k, j;
    double x, *p;
    if (K >= 4)
        CACT_SPREAD_CHUNKS(4)
    else if (K >= 2)
        CACT_SPREAD_CHUNKS(2)
    else if (K == 1)
        CACT_SPREAD_CHUNKS(1)
}
#undef CACT_SPREAD_CHUNKS

/*
 * exp(x) for |x| <= 700, where it is a normal double (the short softmax rows
 * taken without the shift by their maximum): cact_exp_d32, for float64 with
 * the Taylor polynomial of degree 11 (to about 1 ulp of double).
 */
CACT_INLINE double cact_exp_within_f32(double x)
{
    double em1;
    return cact_exp_d32(x, &em1);
}
CACT_INLINE double cact_exp_within_f64(double x)
{
    double em1;
    return cact_exp_d32_acc(x, &em1);
}
/*
 * exp(x) in float arithmetic for |x| <= 64, where it is a normal float (the
 * float32 short softmax rows within that range): x = k ln2 + r and exp(r) =
 * 1 + p as in cact_exp_neg_parts_f32, whose reduction and polynomial hold for
 * x > 0 too (its clamp acts below -109 only), and (1 + p) 2^k.
 */
CACT_INLINE float cact_exp_within_ff(float x)
{
    float p, s;
    cact_exp_neg_parts_f32(x, &p, &s);
    return (s + s * p) * 0x1p-32f;
}

/*
 * cact_rows_dot_T(a, c, b, R, K, out): row sums of (a - c) b, in double (c NULL:
 * of a b, the row dot products); cact_rows_sum_T, cact_rows_max_T: see above.
 * Rows of K >= CACT_ROW_LANES_FROM elements are reduced one at a time in
 * CACT_ROW_LANES lanes (CACT_ROW_IN_LANES: a row's contiguous elements in one
 * vector, the lanes combined pairwise at the end, then the scalar remainder).
 * For K from 16 to 64 that made the float32 softmax_backward kernel (then
 * with one flat loop after the dots) 1.4-1.7x faster (AVX-512; AVX2
 * 1.1-1.5x, baseline 1.1-1.2x), the others 1.0-1.5x; for K of 8 to 15 it
 * is no faster (the float32 maximum 0.8x on AVX-512).  float32 row dots of
 * K >= CACT_DOT_LANES take cact_dot_f32 instead where it runs in vectors
 * (AVX): its 32 lanes and its tail of 4 made them 1.5-1.8x faster than the
 * 8 lanes for K from 32 to 64, softmax_backward 1.2-1.27x (AVX2, blocks of
 * 10^5 floats); float64 dots, memory-bound there, were no faster (0.9x at
 * K = 48 and 56).  Without AVX such rows stay in the 8 lanes (cact_dot_f32's
 * scalar lanes were 0.6-0.7x there), so their dots differ in the last bits
 * between the baseline and the AVX builds (another order of summation).
 * Shorter rows run across rows: the dot four rows at a
 * time (four independent chains; a last group of fewer than four rows
 * repeats the last row in the unused slots), the sum and the maximum with k
 * outer and r inner.  Either way a row's result depends only on K and the
 * row, not on the rows beside it.
 */
#define CACT_ROW_LANES 8          /* CACT_ROW_IN_LANES combines exactly 8 */
#define CACT_ROW_LANES_FROM 16   /* the smallest K reduced in lanes */
/* acc = the reduction of the K elements from index i0 (K >= 0): UPD(x, i)
   updates the accumulator x with element i, COMB(x, y) combines two, INIT is
   the neutral value */
#define CACT_ROW_IN_LANES(acc, i0, K, INIT, UPD, COMB)                         \
    do {                                                                       \
        double l_[CACT_ROW_LANES], t_ = (INIT);                                \
        ptrdiff_t k_, j_;                                                      \
        for (j_ = 0; j_ < CACT_ROW_LANES; j_++)                                \
            l_[j_] = (INIT);                                                   \
        for (k_ = 0; k_ + CACT_ROW_LANES <= (K); k_ += CACT_ROW_LANES)         \
            for (j_ = 0; j_ < CACT_ROW_LANES; j_++)                            \
                UPD(l_[j_], (i0) + k_ + j_);                                   \
        for (; k_ < (K); k_++)                                                 \
            UPD(t_, (i0) + k_);                                                \
        (acc) = COMB(COMB(COMB(l_[0], l_[4]), COMB(l_[1], l_[5])),             \
                     COMB(COMB(l_[2], l_[6]), COMB(l_[3], l_[7])));            \
        (acc) = COMB((acc), t_);                                               \
    } while (0)
#define CACT_ROW4(r, j, R) ((r) + (j) < (R) ? (r) + (j) : (R) - 1)
/* (a_i - c_i) b_i in double, or a_i b_i for c NULL (a constant once inlined) */
#define CACT_DIFF_PROD(a, c, b, i)                                             \
    ((c) ? ((double)(a)[i] - (double)(c)[i]) * (double)(b)[i]                  \
         : (double)(a)[i] * (double)(b)[i])
/* CACT_ROW_IN_LANES arguments for the functions below (the updates read their a, b, c) */
#define CACT_ADD(x, y) ((x) + (y))
#define CACT_MAXD(x, y) ((y) > (x) ? (y) : (x))
#define CACT_UPD_DOT(x, i) ((x) += CACT_DIFF_PROD(a, c, b, i))
#define CACT_UPD_SUM(x, i) ((x) += (double)a[i])
#define CACT_UPD_MAX(x, i) ((x) = CACT_MAXD((x), (double)a[i]))
#define CACT_ROWS_REDUCTIONS(T, C)                                             \
CACT_INLINE void cact_rows_dot_##T(const C *a, const C *c, const C *b,         \
                                   ptrdiff_t R, ptrdiff_t K, double *out)      \
{                                                                              \
    ptrdiff_t r, k, j;                                                         \
    if (CACT_DOT_VEC && sizeof(C) == 4 && K >= CACT_DOT_LANES) {               \
        for (r = 0; r < R; r++)                                                \
            out[r] = cact_dot_##T(a + r * K, c ? c + r * K : NULL, b + r * K, K); \
        return;                                                                \
    }                                                                          \
    if (K >= CACT_ROW_LANES_FROM) {                                            \
        for (r = 0; r < R; r++)                                                \
            CACT_ROW_IN_LANES(out[r], r * K, K, 0.0, CACT_UPD_DOT, CACT_ADD);  \
        return;                                                                \
    }                                                                          \
    for (r = 0; r < R; r += 4) {                                               \
        ptrdiff_t i0 = CACT_ROW4(r, 0, R) * K, i1 = CACT_ROW4(r, 1, R) * K;    \
        ptrdiff_t i2 = CACT_ROW4(r, 2, R) * K, i3 = CACT_ROW4(r, 3, R) * K;    \
        double s[4] = {0.0, 0.0, 0.0, 0.0};                                    \
        for (k = 0; k < K; k++) {                                              \
            s[0] += CACT_DIFF_PROD(a, c, b, i0 + k);                           \
            s[1] += CACT_DIFF_PROD(a, c, b, i1 + k);                           \
            s[2] += CACT_DIFF_PROD(a, c, b, i2 + k);                           \
            s[3] += CACT_DIFF_PROD(a, c, b, i3 + k);                           \
        }                                                                      \
        for (j = 0; j < 4 && r + j < R; j++)                                   \
            out[r + j] = s[j];                                                 \
    }                                                                          \
}                                                                              \
CACT_INLINE void cact_rows_sum_##T(const C *a, ptrdiff_t R, ptrdiff_t K,       \
                                   double *out)                                \
{                                                                              \
    ptrdiff_t r, k;                                                            \
    if (K >= CACT_ROW_LANES_FROM) {                                            \
        for (r = 0; r < R; r++)                                                \
            CACT_ROW_IN_LANES(out[r], r * K, K, 0.0, CACT_UPD_SUM, CACT_ADD);  \
        return;                                                                \
    }                                                                          \
    for (r = 0; r < R; r++)                                                    \
        out[r] = 0.0;                                                          \
    for (k = 0; k < K; k++)                                                    \
        for (r = 0; r < R; r++)                                                \
            out[r] += (double)a[r * K + k];                                    \
}                                                                              \
CACT_INLINE int cact_rows_max_##T(const C *a, ptrdiff_t R, ptrdiff_t K,        \
                                  double *out)                                 \
{                                                                              \
    ptrdiff_t r, k;                                                            \
    int nan = 0;                                                               \
    double v;                                                                  \
    for (r = 0; r < R * K; r++)                                                \
        nan |= a[r] != a[r];                                                   \
    if (K >= CACT_ROW_LANES_FROM) {                                            \
        for (r = 0; r < R; r++)                                                \
            CACT_ROW_IN_LANES(out[r], r * K, K, -INFINITY, CACT_UPD_MAX,       \
                              CACT_MAXD);                                      \
        return nan;                                                            \
    }                                                                          \
    for (r = 0; r < R; r++)                                                    \
        out[r] = -INFINITY;                                                    \
    for (k = 0; k < K; k++)                                                    \
        for (r = 0; r < R; r++) {                                              \
            v = (double)a[r * K + k];                                          \
            out[r] = v > out[r] ? v : out[r];                                  \
        }                                                                      \
    return nan;                                                                \
}

/*
 * CACT_TREE(s, N, UPD): the N lanes of s folded into s[0] pairwise, lane j
 * with lane j + N/2, then j + N/4, ... (UPD(a, b) combines b into a:
 * CACT_ADD_TO, CACT_MAX_TO; N a power of 2 up to 32, each level a loop of
 * constant length, whole vectors in its first levels): a chain of log2 N
 * operations where a lane-by-lane fold (t += s[j]) is a chain of N, as long
 * as the pass over a row of a hundred elements itself (cact_dot_f64 on such
 * rows: 3x faster).  s may be an array of vectors (UPD then CACT_ADD_TO or
 * CACT_VMAX_T): CACT_TREE_OUT folds them in registers, the levels whose width
 * is a whole vector, and leaves the lanes of the first for CACT_TREE over its
 * elements, the same operations in the same order as CACT_TREE over all the
 * lanes.  (Folding the vectors through memory instead, stored and reloaded at
 * other widths and offsets, cost a store-forwarding stall per level: about
 * 25 ns per row, as long as the pass over a row of a hundred floats.)
 * A fixed order of the source's operations, so the same bits for every
 * instruction set (as CACT_ROW_IN_LANES, which folds its 8 lanes pairwise
 * too) where the lanes hold the same values: the compiler contracts s + a b
 * into an FMA where the target has one, which rounds the product once less,
 * so the row dots whose products are not exact in double (float64, and
 * float32 with c: (a - c) b; a product of two floats is exact) differ in
 * their last bits between the baseline and the FMA builds.
 */
#define CACT_TREE_LEVEL(s, N, M, W, UPD)                                       \
    if ((N) > (W) && (W) >= (M))                                               \
        for (j_ = 0; j_ < (W); j_++)                                           \
            UPD((s)[j_], (s)[j_ + (W)]);
/* CACT_TREE_TO(s, N, M, UPD): the same levels down to M lanes (M a power of
   2 up to N), which CACT_TREE then folds on */
#define CACT_TREE_TO(s, N, M, UPD)                                             \
    do { int j_;                                                               \
         CACT_TREE_LEVEL(s, N, M, 16, UPD) CACT_TREE_LEVEL(s, N, M, 8, UPD)    \
         CACT_TREE_LEVEL(s, N, M, 4, UPD) CACT_TREE_LEVEL(s, N, M, 2, UPD)     \
         CACT_TREE_LEVEL(s, N, M, 1, UPD) } while (0)
#define CACT_TREE(s, N, UPD) CACT_TREE_TO(s, N, 1, UPD)
/* the NV vectors v folded into v[0] (CACT_TREE), whose lanes are copied to
   the array s; nl = their number, the lanes of s left to fold */
#define CACT_TREE_OUT(v, NV, UPD, s, nl)                                       \
    do { CACT_TREE(v, NV, UPD);                                                \
         memcpy((s), &(v)[0], sizeof (v)[0]);                                  \
         (nl) = (int)(sizeof (v)[0] / sizeof (s)[0]); } while (0)
#define CACT_ADD_TO(a, b) ((a) += (b))
#define CACT_MAX_TO(a, b) ((a) = CACT_MAXD((a), (b)))

#define CACT_LANES 8
/*
 * The lane loops: with GCC's vector extensions (GCC >= 9, Clang) the 8 lanes
 * are two vectors of 4 doubles (one AVX register each, two SSE registers on
 * baseline x86-64): the same operations on each lane in the same order as the
 * scalar loop of other compilers, so the same bits, but GCC does not
 * vectorize the scalar TwoSum lanes (it keeps them on the stack; 4x slower).
 * CACT_LANE_LOAD_T(v, p): v = 4 elements of p as doubles (for float32 with
 * AVX, CACT_VD_LOAD_f32 below: cact_v4d is then cact_vd).
 */
#if (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 9))
#define CACT_VLANES 1
typedef double cact_v4d __attribute__((vector_size(32)));
typedef float cact_v4f __attribute__((vector_size(16)));
#define CACT_LANE_LOAD_f64(v, p) memcpy(&(v), (p), sizeof(cact_v4d))
#define CACT_VSUM_ADD(s, c, x)                                                 \
    do { cact_v4d t_ = (s) + (x), b_ = t_ - (s);                               \
         (c) += ((s) - (t_ - b_)) + ((x) - b_); (s) = t_; } while (0)
/* m = v > m ? v : m, lane by lane (a compare and a bitwise select), for
   vectors of type VF and VI the integer vector of the same lanes' width */
#define CACT_VMAX(m, v, VF, VI)                                                \
    do { VI k_ = (v) > (m);                                                    \
         (m) = (VF)(((VI)(v) & k_) | ((VI)(m) & ~k_)); } while (0)
/*
 * The vectors of cact_max_T and cact_sum_m1_f32: CACT_VBYTES bytes, 32 with
 * AVX (one register), 16 otherwise (SSE2 and NEON registers: GCC would lower
 * the compares of 32-byte vectors there element by element), so that their
 * compares and selects are single instructions.  Their lanes do not depend on
 * the width (CACT_MAX_LANES_T, CACT_SUM1_LANES: several vectors side by side),
 * so neither do their results.  CACT_VEC_T, CACT_VMASK_T: the vector of
 * elements of type T and the integer vector of the same lanes' width.
 */
#ifdef __AVX__
#define CACT_VBYTES 32
#else
#define CACT_VBYTES 16
#endif
/* cact_dot_T's vector loops: with AVX (on SSE, its 16 vectors of two lanes
   would spill the 16 registers: 0.7x) */
#define CACT_DOT_VEC (CACT_VBYTES >= 32)
typedef float cact_vf __attribute__((vector_size(CACT_VBYTES)));
typedef int32_t cact_vfi __attribute__((vector_size(CACT_VBYTES)));
typedef double cact_vd __attribute__((vector_size(CACT_VBYTES)));
typedef int64_t cact_vdi __attribute__((vector_size(CACT_VBYTES)));
/* CACT_VD_LOAD_f32(v, p): v = the cact_vd of the floats p[0..]; GCC 12 splits
   __builtin_convertvector to 4 doubles into two halves and an insert */
#ifdef __AVX__
#include <immintrin.h>
#define CACT_VD_LOAD_f32(v, p)                                                 \
    do { __m256d d_ = _mm256_cvtps_pd(_mm_loadu_ps(p));                        \
         memcpy(&(v), &d_, sizeof d_); } while (0)
#define CACT_LANE_LOAD_f32(v, p) CACT_VD_LOAD_f32(v, p)
#else
#define CACT_VD_LOAD_f32(v, p)                                                 \
    do { int j_;                                                               \
         for (j_ = 0; j_ < CACT_VLEN_f64; j_++)                                \
             (v)[j_] = (double)(p)[j_]; } while (0)
#define CACT_LANE_LOAD_f32(v, p)                                               \
    do { cact_v4f f_; memcpy(&f_, (p), sizeof f_);                             \
         (v) = __builtin_convertvector(f_, cact_v4d); } while (0)
#endif
#define CACT_VD_LOAD_f64(v, p) memcpy(&(v), (p), sizeof(cact_vd))
#define CACT_VEC_f32 cact_vf
#define CACT_VMASK_f32 cact_vfi
#define CACT_VMAX_f32(a, b) CACT_VMAX(a, b, cact_vf, cact_vfi)
#define CACT_VMAX_f64(a, b) CACT_VMAX(a, b, cact_vd, cact_vdi)
#define CACT_VEC_f64 cact_vd
#define CACT_VMASK_f64 cact_vdi
#define CACT_VOUT(a, v0, v1)                                                   \
    do { memcpy((a), &(v0), sizeof(cact_v4d));                                \
         memcpy((a) + 4, &(v1), sizeof(cact_v4d)); } while (0)
#else
#define CACT_VLANES 0
#define CACT_DOT_VEC 0
#endif
/* the lanes of cact_max_T: 128 bytes; CACT_VLEN_T: elements per vector */
#define CACT_MAX_LANES_f32 32
#define CACT_MAX_LANES_f64 16
#define CACT_VLEN_f32 (CACT_VBYTES / 4)
/* cact_dot_T with AVX: its two copies of the vector loops (with and without
   c, CACT_LANES_DOT_V) make GCC keep it out of line, 1.1x slower on float64
   softmax_backward rows; inlined, the call site's constant c drops one */
#if defined(__GNUC__) && defined(__AVX__)
#define CACT_DOT_INLINE static inline __attribute__((always_inline))
#else
#define CACT_DOT_INLINE static inline
#endif
/* the lanes of cact_dot_T: four AVX-512 vectors of doubles, so that the
   additions of one lane wait on each other only every fourth vector (the
   latency of an addition, not the loads, bounds a single accumulator) */
#define CACT_DOT_LANES 32
/* the elements past the last whole CACT_DOT_LANES, once those lanes are
   folded down to CACT_DOT_TAIL (one AVX vector of doubles), go into these
   lanes too, CACT_DOT_TAIL at a time, not into one chain of additions */
#define CACT_DOT_TAIL 4
#define CACT_VLEN_f64 (CACT_VBYTES / 8)
#define CACT_ROW_REDUCTIONS(T, C)                                              \
/* sum of x (SQ = 0) or of (x - y)^2 (SQ = 1, y != NULL) over the lanes, in   \
   s[] + c[] (compensated, without the NaN test: see cact_sum_add_lane) */    \
CACT_INLINE ptrdiff_t cact_lanes_sum2_##T(const C *x, const C *y, ptrdiff_t n, \
                                          double *s, double *c)                \
{                                                                              \
    ptrdiff_t i = 0;                                                           \
    if (CACT_VLANES) {                                                         \
        CACT_LANES_SUM2_V(T)                                                   \
    } else {                                                                   \
        int j;                                                                 \
        double r;                                                              \
        for (; i + CACT_LANES <= n; i += CACT_LANES)                           \
            for (j = 0; j < CACT_LANES; j++) {                                 \
                r = y ? (double)x[i + j] - (double)y[i + j] : (double)x[i + j];\
                cact_sum_add_lane(&s[j], &c[j], y ? r * r : r);                \
            }                                                                  \
    }                                                                          \
    return i;                                                                  \
}                                                                              \
CACT_INLINE double cact_sum2_##T(const C *x, ptrdiff_t n, double *lo)          \
{                                                                              \
    double s[CACT_LANES] = {0}, c[CACT_LANES] = {0}, hi = 0.0, cc = 0.0;       \
    ptrdiff_t i = cact_lanes_sum2_##T(x, NULL, n, s, c);                       \
    int j;                                                                     \
    for (; i < n; i++)                                                         \
        cact_sum_add(&hi, &cc, (double)x[i]);                                  \
    for (j = 0; j < CACT_LANES; j++) {                                         \
        cact_sum_add(&hi, &cc, s[j]);                                          \
        cc += c[j];                                                            \
    }                                                                          \
    *lo = hi - hi == 0.0 ? cc : 0.0;                                           \
    return hi;                                                                 \
}                                                                              \
CACT_DOT_INLINE double cact_dot_##T(const C *a, const C *c, const C *b,       \
                                     ptrdiff_t n)                              \
{                                                                              \
    double s[CACT_DOT_LANES] = {0}, t = 0.0;                                   \
    ptrdiff_t i = 0;                                                           \
    int j;                                                                     \
    if (CACT_DOT_VEC) {                                                        \
        CACT_LANES_DOT_V(T)                                                    \
    } else {                                                                   \
        for (; i + CACT_DOT_LANES <= n; i += CACT_DOT_LANES)                   \
            for (j = 0; j < CACT_DOT_LANES; j++)                               \
                s[j] += CACT_DIFF_PROD(a, c, b, i + j);                        \
        CACT_TREE_TO(s, CACT_DOT_LANES, CACT_DOT_TAIL, CACT_ADD_TO);           \
        for (; i + CACT_DOT_TAIL <= n; i += CACT_DOT_TAIL)                     \
            for (j = 0; j < CACT_DOT_TAIL; j++)                                \
                s[j] += CACT_DIFF_PROD(a, c, b, i + j);                        \
    }                                                                          \
    for (; i < n; i++)                                                         \
        t += CACT_DIFF_PROD(a, c, b, i);                                       \
    CACT_TREE(s, CACT_DOT_TAIL, CACT_ADD_TO);                                  \
    return t + s[0];                                                           \
}                                                                              \
/* maximum of x in CACT_MAX_LANES_T lanes of its own type (an elementwise      \
   select per lane, which vectorizes where a max reduction would not without   \
   fast-math; float32 in float lanes, twice as many per vector as double),     \
   the NaN test folded into the same pass; returns whether x holds NaN (the    \
   maximum is then not meaningful), the maximum as a double in *m_out (-inf    \
   for all -inf or n = 0) */                                                   \
CACT_INLINE int cact_max_##T(const C *x, ptrdiff_t n, double *m_out)          \
{                                                                              \
    C m[CACT_MAX_LANES_##T], t = -INFINITY;                                    \
    ptrdiff_t i = 0;                                                           \
    int j, nan = 0, nl = CACT_MAX_LANES_##T;                                   \
    if (CACT_VLANES) {                                                         \
        CACT_LANES_MAX_V(T)                                                    \
    } else {                                                                   \
        for (j = 0; j < CACT_MAX_LANES_##T; j++)                               \
            m[j] = -INFINITY;                                                  \
        for (; i + CACT_MAX_LANES_##T <= n; i += CACT_MAX_LANES_##T)           \
            for (j = 0; j < CACT_MAX_LANES_##T; j++) {                         \
                nan |= x[i + j] != x[i + j];                                   \
                m[j] = x[i + j] > m[j] ? x[i + j] : m[j];                      \
            }                                                                  \
    }                                                                          \
    for (; i < n; i++) {                                                       \
        nan |= x[i] != x[i];                                                   \
        t = x[i] > t ? x[i] : t;                                               \
    }                                                                          \
    CACT_TREE(m, nl, CACT_MAX_TO);    /* nl lanes left to fold */              \
    t = m[0] > t ? m[0] : t;                                                   \
    *m_out = (double)t;                                                        \
    return nan;                                                                \
}                                                                              \
CACT_INLINE double cact_sum_##T(const C *x, ptrdiff_t n)                       \
{                                                                              \
    double s[CACT_LANES] = {0}, t = 0.0;                                       \
    ptrdiff_t i = 0;                                                           \
    int j;                                                                     \
    for (; i + CACT_LANES <= n; i += CACT_LANES)                               \
        for (j = 0; j < CACT_LANES; j++)                                       \
            s[j] += (double)x[i + j];                                          \
    for (; i < n; i++)                                                         \
        t += (double)x[i];                                                     \
    for (j = 0; j < CACT_LANES; j++)                                           \
        t += s[j];                                                             \
    return t;                                                                  \
}                                                                              \
CACT_INLINE double cact_sqdiff_sum2_##T(const C *y, const C *t, ptrdiff_t n,   \
                                        double *lo)                            \
{                                                                              \
    double s[CACT_LANES] = {0}, c[CACT_LANES] = {0}, hi = 0.0, cc = 0.0, r;    \
    ptrdiff_t i = cact_lanes_sum2_##T(y, t, n, s, c);                          \
    int j;                                                                     \
    for (; i < n; i++) {                                                       \
        r = (double)y[i] - (double)t[i];                                       \
        cact_sum_add(&hi, &cc, r * r);                                         \
    }                                                                          \
    for (j = 0; j < CACT_LANES; j++) {                                         \
        cact_sum_add(&hi, &cc, s[j]);                                          \
        cc += c[j];                                                            \
    }                                                                          \
    *lo = hi - hi == 0.0 ? cc : 0.0;                                           \
    return hi;                                                                 \
}
#if CACT_VLANES
#define CACT_LANES_SUM2_V(T)                                                   \
        cact_v4d s0 = {0}, s1 = {0}, c0 = {0}, c1 = {0}, a0, a1, b0, b1;       \
        for (; i + CACT_LANES <= n; i += CACT_LANES) {                         \
            CACT_LANE_LOAD_##T(a0, x + i);                                     \
            CACT_LANE_LOAD_##T(a1, x + i + 4);                                 \
            if (y) {                                                           \
                CACT_LANE_LOAD_##T(b0, y + i);                                 \
                CACT_LANE_LOAD_##T(b1, y + i + 4);                             \
                a0 -= b0;                                                      \
                a1 -= b1;                                                      \
                a0 *= a0;                                                      \
                a1 *= a1;                                                      \
            }                                                                  \
            CACT_VSUM_ADD(s0, c0, a0);                                         \
            CACT_VSUM_ADD(s1, c1, a1);                                         \
        }                                                                      \
        CACT_VOUT(s, s0, s1);                                                  \
        CACT_VOUT(c, c0, c1);
/* the vectors one after another over the lanes (the inner loop is unrolled),
   so that the selects of one iteration do not wait on each other; nn gathers
   the NaN tests (x != x) */
#define CACT_LANES_MAX_V(T)                                                    \
        CACT_VEC_##T mv[CACT_MAX_LANES_##T / CACT_VLEN_##T], a;                \
        CACT_VMASK_##T nn = {0};                                               \
        int v;                                                                 \
        for (v = 0; v < CACT_MAX_LANES_##T / CACT_VLEN_##T; v++)               \
            mv[v] = (CACT_VEC_##T){0} - INFINITY;                              \
        for (; i + CACT_MAX_LANES_##T <= n; i += CACT_MAX_LANES_##T)           \
            for (v = 0; v < CACT_MAX_LANES_##T / CACT_VLEN_##T; v++) {         \
                memcpy(&a, x + i + v * CACT_VLEN_##T, sizeof a);               \
                nn |= a != a;                                                  \
                CACT_VMAX_##T(mv[v], a);                                       \
            }                                                                  \
        CACT_TREE_OUT(mv, CACT_MAX_LANES_##T / CACT_VLEN_##T, CACT_VMAX_##T, m, nl); \
        for (j = 0; j < CACT_VLEN_##T; j++)                                    \
            nan |= nn[j] != 0;
/* va = (a_i - cc_i) b_i (cc NULL: a_i b_i) for the CACT_VLEN_f64 elements
   from i + v CACT_VLEN_f64, in double */
#define CACT_DOT_V_LOAD(T, va, cc, i, v)                                       \
        do { cact_vd vb_, vc_;                                                 \
             CACT_VD_LOAD_##T(va, a + (i) + (v) * CACT_VLEN_f64);              \
             CACT_VD_LOAD_##T(vb_, b + (i) + (v) * CACT_VLEN_f64);             \
             if (cc) {                                                         \
                 CACT_VD_LOAD_##T(vc_, (cc) + (i) + (v) * CACT_VLEN_f64);      \
                 va -= vc_;                                                    \
             }                                                                 \
             va *= vb_; } while (0)
/* the lanes of cact_dot_T as CACT_DOT_LANES / CACT_VLEN_f64 vectors of
   doubles, folded in registers (CACT_TREE) into one vector, which takes the
   tail: the same operations as the scalar loops, lane by lane; cc is c or
   NULL (two copies, so that neither tests c in its loop) */
#define CACT_DOT_V(T, cc)                                                      \
        {   cact_vd sv[CACT_DOT_LANES / CACT_VLEN_f64], va;                    \
            int v;                                                             \
            if (n >= CACT_DOT_LANES) {                                         \
                /* the first products start the lanes (0 + p is p: the sign   \
                   of a zero lane may differ, which no sum with t = +0        \
                   shows) */                                                   \
                for (v = 0; v < CACT_DOT_LANES / CACT_VLEN_f64; v++) {         \
                    CACT_DOT_V_LOAD(T, va, cc, 0, v);                          \
                    sv[v] = va;                                                \
                }                                                              \
                for (i = CACT_DOT_LANES; i + CACT_DOT_LANES <= n; i += CACT_DOT_LANES) \
                    for (v = 0; v < CACT_DOT_LANES / CACT_VLEN_f64; v++) {     \
                        CACT_DOT_V_LOAD(T, va, cc, i, v);                      \
                        sv[v] += va;                                           \
                    }                                                          \
                CACT_TREE(sv, CACT_DOT_LANES / CACT_VLEN_f64, CACT_ADD_TO);    \
            } else                                                             \
                sv[0] = (cact_vd){0};                                          \
            for (; i + CACT_DOT_TAIL <= n; i += CACT_DOT_TAIL) {  /* the tail */ \
                CACT_DOT_V_LOAD(T, va, cc, i, 0);                              \
                sv[0] += va;                                                   \
            }                                                                  \
            memcpy(s, &sv[0], sizeof sv[0]);                                   \
        }
#define CACT_LANES_DOT_V(T)                                                    \
        if (c) {                                                               \
            CACT_DOT_V(T, c)                                                   \
        } else {                                                               \
            CACT_DOT_V(T, (__typeof__(a))NULL)                                 \
        }
#else
#define CACT_LANES_SUM2_V(T)
#define CACT_LANES_MAX_V(T)
#define CACT_LANES_DOT_V(T)
#endif
CACT_ROW_REDUCTIONS(f32, float)
CACT_ROW_REDUCTIONS(f64, double)
/* (after cact_dot_T, which cact_rows_dot_T calls) */
CACT_ROWS_REDUCTIONS(f32, float)
CACT_ROWS_REDUCTIONS(f64, double)

/*
 * cact_row_sum_max_f32(a, K, &c): for a row of K >= CACT_ROW_LANES_FROM
 * positive floats (the unshifted exponentials of a long softmax row),
 * their sum with the bits of cact_rows_sum_f32(a, 1, K, &s) and in *c their
 * maximum.  With AVX in one pass: the sum's 8 lanes as two vectors of
 * doubles, the same additions in the same order as CACT_ROW_IN_LANES (the
 * remainder in one chain, the lanes folded pairwise), and a float maximum
 * per 8 elements, which the latency of the sum's additions leaves room for
 * (one instruction, where cact_max_f32 spends a compare, a select and a NaN
 * test per vector in a pass of its own).  softmax's long float32 rows and
 * those of its losses take their sum from it (so they share their bits by
 * construction), the cross-entropy its largest term too: on rows of 65 to
 * 1000 (AVX2), softmax_cross_entropy_delta 1.02-1.13x faster than with the two
 * passes, softmax 1.07-1.11x and squared_error_delta 1.03-1.05x than with
 * cact_rows_sum_f32.  Otherwise those two functions.
 */
_Static_assert(CACT_ROW_LANES == 8, "cact_row_sum_max_f32 holds the lanes in two vectors of 4");
CACT_INLINE double cact_row_sum_max_f32(const float *a, ptrdiff_t K, double *c_out)
{
#if defined(__AVX__) && CACT_VLANES
    __m256d l0 = _mm256_setzero_pd(), l1 = _mm256_setzero_pd(), w;
    __m256 m = _mm256_setzero_ps();
    double t = 0.0, s;
    float mx, mm[8];
    ptrdiff_t k;
    int j;
    for (k = 0; k + 8 <= K; k += 8) {
        l0 = _mm256_add_pd(l0, _mm256_cvtps_pd(_mm_loadu_ps(a + k)));
        l1 = _mm256_add_pd(l1, _mm256_cvtps_pd(_mm_loadu_ps(a + k + 4)));
        m = _mm256_max_ps(_mm256_loadu_ps(a + k), m);
    }
    for (mx = 0.0f; k < K; k++) {
        t += (double)a[k];
        mx = a[k] > mx ? a[k] : mx;
    }
    /* ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)), then + t: w holds
       the four inner sums, the horizontal addition the two middle ones */
    w = _mm256_add_pd(l0, l1);
    w = _mm256_hadd_pd(w, w);
    s = _mm_cvtsd_f64(_mm256_castpd256_pd128(w)) + _mm_cvtsd_f64(_mm256_extractf128_pd(w, 1));
    _mm256_storeu_ps(mm, m);
    for (j = 0; j < 8; j++)
        mx = mm[j] > mx ? mm[j] : mx;
    *c_out = (double)mx;
    return s + t;
#else
    double s;
    cact_rows_sum_f32(a, 1, K, &s);
    cact_max_f32(a, K, c_out);
    return s;
#endif
}

/*
 * cact_sum_m1_f32(e, n): sum_i e_i - 1 for the exponentials 0 <= e_i <= 1 of
 * a float32 softmax row, one of which (a maximum's) is exactly 1: the sum of
 * all terms but that one, which log_softmax takes the log1p of.  The terms
 * equal to 1 (not below 1) are counted apart, exactly, so that the others
 * keep their relative accuracy where their sum is tiny beside the 1.  The
 * others are summed plainly in double: float32 needs no compensated sum, as a
 * plain sum of m nonnegative terms (in any order) is within (m - 1) 2^-53
 * relative of the exact sum.  They are taken by blocks of CACT_SUM1_BLOCK =
 * 2^16 elements (each within 2^-37 relative), in CACT_SUM1_LANES lanes
 * combined in a fixed order, and the block sums are combined compensated
 * (cact_sum_add, about 2^-53 more), so the result is within about 2^-36
 * relative of the exact sum for any n; the same bits for every instruction
 * set and thread count.  (float64 rows keep the compensated cact_sum2_f64.)
 * cact_sum_rel_m1_f32(e, n, c): the same relative to c = max e_i (the
 * unshifted exponentials exp(z_i) of a float32 row): sum_i e_i / c - 1, the
 * terms equal to c counted apart and the others' sum divided by c
 * (cact_sum_m1_f32 is c = 1).
 */
#define CACT_SUM1_LANES 16
#define CACT_SUM1_BLOCK 65536
#define CACT_TREE_OK(N) ((N) <= 32 && ((N) & ((N) - 1)) == 0)
_Static_assert(CACT_TREE_OK(CACT_SUM1_LANES) && CACT_TREE_OK(CACT_DOT_LANES)
               && CACT_TREE_OK(CACT_MAX_LANES_f32) && CACT_TREE_OK(CACT_MAX_LANES_f64),
               "CACT_TREE folds a power of 2 of lanes, up to 32");
#if CACT_DOT_VEC
_Static_assert(CACT_VLEN_f64 == CACT_DOT_TAIL,
               "cact_dot_T's vector path takes its tail one vector at a time");
#endif
CACT_INLINE double cact_sum_m1_block_f32(const float *e, ptrdiff_t n, double c, double *ones)
{
    double s[CACT_SUM1_LANES] = {0}, t = 0.0, u = 0.0, x;
    ptrdiff_t i = 0;
    int j, nl = CACT_SUM1_LANES;
#if CACT_VLANES
    {   /* the terms >= c are masked out of the lanes and counted in cn (as
           -1 per term < c) */
        cact_vd sv[CACT_SUM1_LANES / CACT_VLEN_f64], cv = {0}, a;
        cact_vdi k, cn = {0};
        int v;
        cv += c;
        for (v = 0; v < CACT_SUM1_LANES / CACT_VLEN_f64; v++)
            sv[v] = cv - cv;
        for (; i + CACT_SUM1_LANES <= n; i += CACT_SUM1_LANES)
            for (v = 0; v < CACT_SUM1_LANES / CACT_VLEN_f64; v++) {
                CACT_VD_LOAD_f32(a, e + i + v * CACT_VLEN_f64);
                k = a < cv;
                sv[v] += (cact_vd)((cact_vdi)a & k);
                cn += k;
            }
        CACT_TREE_OUT(sv, CACT_SUM1_LANES / CACT_VLEN_f64, CACT_ADD_TO, s, nl);
        u = (double)i;
        for (j = 0; j < CACT_VLEN_f64; j++)
            u += (double)cn[j];
    }
#else
    for (; i + CACT_SUM1_LANES <= n; i += CACT_SUM1_LANES)
        for (j = 0; j < CACT_SUM1_LANES; j++) {
            x = (double)e[i + j];
            s[j] += x < c ? x : 0.0;
            u += x < c ? 0.0 : 1.0;
        }
#endif
    for (; i < n; i++) {
        x = (double)e[i];
        t += x < c ? x : 0.0;
        u += x < c ? 0.0 : 1.0;
    }
    CACT_TREE(s, nl, CACT_ADD_TO);      /* nl lanes left to fold */
    *ones += u;
    t += s[0];
    return t;
}
CACT_INLINE double cact_sum_rel_m1_f32(const float *e, ptrdiff_t n, double c)
{
    double hi = 0.0, lo = 0.0, ones = 0.0;
    ptrdiff_t i, b;
    for (i = 0; i < n; i += CACT_SUM1_BLOCK) {
        b = n - i < CACT_SUM1_BLOCK ? n - i : CACT_SUM1_BLOCK;
        cact_sum_add(&hi, &lo, cact_sum_m1_block_f32(e + i, b, c, &ones));
    }
    return ((ones - 1.0) + hi / c) + lo / c;
}
CACT_INLINE double cact_sum_m1_f32(const float *e, ptrdiff_t n)
{
    return cact_sum_rel_m1_f32(e, n, 1.0);
}

#endif /* CACT_MATH_H */
