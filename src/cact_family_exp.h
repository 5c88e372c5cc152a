/*
 * cact_family_exp.h: softplus, log_sigmoid, silu, mish, softsign and tanhshrink
 * (the activations built on exp and log1p), in the style of cact_math.h.
 *
 * For each NAME and T in {f32, f64} (C = float, double):
 *
 *   C cact_NAME_T(C z, <params>)                  g(z)
 *   C cact_NAME_derivative_T(C z, <params>)       g'(z), from the input
 *   C cact_NAME_fwd_deriv_T(C z, C *d, <params>)  g(z), and g'(z) in *d (one exp)
 *
 * <params> are trailing doubles: softplus takes (double beta, double threshold),
 * the others none.  Also cact_log1p_01_f64 / cact_log1p_01_f32: log1p(u) for u
 * in [0, 1].
 *
 * The float64 functions are straight-line code (selects as ternaries), without
 * libm calls except fma() where the target has the instruction (__FP_FAST_FMA).
 * Both sides of a select are evaluated; their arguments are clamped in the
 * source so that the side not taken stays finite, and no inf or NaN reaches a
 * finite result.  (Under -fno-trapping-math GCC may still apply an operation
 * to the unclamped operand in vector code and select afterwards, so the
 * overflow and invalid flags can be raised by finite input; the results do
 * not change.  tools/family_check.py lists the flags.)  The float32 softplus
 * for beta other than 1, mish' and (without FMA) tanhshrink evaluate in
 * double with the accuracy float32 needs (see "float32" below) and round
 * once; silu, softplus with beta = 1, log_sigmoid, the forward value of mish
 * and, with FMA, softsign and tanhshrink run in float arithmetic (twice the
 * SIMD lanes).  Measured within 4 ULP of mpmath
 * by tools/family_check.py.  NaN in gives NaN out; +-inf give the limits.
 *
 * The constants below are printed by tools/gen_family_consts.py (mpmath).
 */
#ifndef CACT_FAMILY_EXP_H
#define CACT_FAMILY_EXP_H

#include <stddef.h> /* cact_math.h uses ptrdiff_t */

#include "cact_math.h"

/* ------------------------------------------------------------ constants */
/* SILU: zero at -1.27846454276107379510935873902; g'(root + d) = d q(d) on [-0.3, 0.3], q in t = d - 0.0 */
#define CACT_SILU_ROOT_HI -0x1.474973c84120bp+0
#define CACT_SILU_ROOT_LO -0x1.f8d74bc9ac154p-54
#define CACT_SILU_MID 0x0.0p+0
#define CACT_SILU_Q0_HI 0x1.be1410460527fp-3
#define CACT_SILU_Q0_LO -0x1.2541062177473p-58
#define CACT_SILU_Q1 0x1.2c563458cc0afp-3 /* 0.1466487969969469607 */
#define CACT_SILU_Q2 0x1.353eb573ca484p-6 /* 0.018874814223782467409 */
#define CACT_SILU_Q3 -0x1.f2d0e32bc53e9p-7 /* -0.015222655223206830533 */
#define CACT_SILU_Q4 -0x1.b0f82c499d4ffp-8 /* -0.0066065891384046159679 */
#define CACT_SILU_Q5 0x1.098e92f37ea29p-13 /* 0.00012662741174536528905 */
#define CACT_SILU_Q6 0x1.a2a7cb1669fb0p-11 /* 0.00079852188610106925346 */
#define CACT_SILU_Q7 0x1.8574c8911c8d2p-13 /* 0.00018570718069416694922 */
#define CACT_SILU_Q8 -0x1.5723e71a1f00dp-15 /* -0.000040905504833127578412 */
#define CACT_SILU_Q9 -0x1.f2d3a888f897ap-16 /* -0.000029732393645684367185 */
#define CACT_SILU_Q10 -0x1.8a8c8b3f23444p-19 /* -2.9396191219611725227e-6 */
#define CACT_SILU_Q11 0x1.398ce898bf959p-19 /* 2.3361327062813578807e-6 */
#define CACT_SILU_Q12 0x1.bf45b239cb017p-21 /* 8.3310948826220592987e-7 */
CACT_INLINE double cact_silu_q_tail(double t)
{
    double e0_0 = CACT_SILU_Q3 + t * CACT_SILU_Q4;
    double e0_1 = CACT_SILU_Q5 + t * CACT_SILU_Q6;
    double e0_2 = CACT_SILU_Q7 + t * CACT_SILU_Q8;
    double e0_3 = CACT_SILU_Q9 + t * CACT_SILU_Q10;
    double e0_4 = CACT_SILU_Q11 + t * CACT_SILU_Q12;
    double t2 = t * t;
    double e1_0 = e0_0 + t2 * e0_1;
    double e1_1 = e0_2 + t2 * e0_3;
    double t4 = t2 * t2;
    double e2_0 = e1_0 + t4 * e1_1;
    double t8 = t4 * t4;
    double e3_0 = e2_0 + t8 * e0_4;
    return CACT_SILU_Q1 + t * (CACT_SILU_Q2 + t * e3_0);
}
/* degree 12 (Chebyshev fit): relative error 1.74e-17 (q0 double-double, the others rounded to double) */
/* MISH: zero at -1.19243121451549521213758834042; g'(root + d) = d q(d) on [-0.5, 1.2], q in t = d - 0.0 */
#define CACT_MISH_ROOT_HI -0x1.31432c0d12d84p+0
#define CACT_MISH_ROOT_LO -0x1.bf319154da210p-55
#define CACT_MISH_MID 0x0.0p+0
#define CACT_MISH_Q0_HI 0x1.115acb42500bbp-2
#define CACT_MISH_Q0_LO 0x1.2dcb6883a976ep-56
#define CACT_MISH_Q1 0x1.a34a251d8ad78p-3 /* 0.20473126408010577924 */
#define CACT_MISH_Q2 0x1.574f121a8689bp-5 /* 0.041907821043609428827 */
#define CACT_MISH_Q3 -0x1.4c222fe64c65fp-6 /* -0.020271822716671268507 */
#define CACT_MISH_Q4 -0x1.03369d4ac75c1p-6 /* -0.015821126561709201881 */
#define CACT_MISH_Q5 -0x1.b87ddfb661f2ap-9 /* -0.0033606849276032372785 */
#define CACT_MISH_Q6 0x1.1e5e184918013p-10 /* 0.001092405540724432391 */
#define CACT_MISH_Q7 0x1.037991b67e77ap-10 /* 0.00098981811390649751622 */
#define CACT_MISH_Q8 0x1.0a795467f32c9p-12 /* 0.00025412935655992320716 */
#define CACT_MISH_Q9 -0x1.5fffe48608680p-15 /* -0.000041961619942532287355 */
#define CACT_MISH_Q10 -0x1.d4534c2ea379fp-15 /* -0.000055828735971193872276 */
#define CACT_MISH_Q11 -0x1.2238f155e7f80p-16 /* -0.000017298604994330902276 */
#define CACT_MISH_Q12 0x1.f94228e9220adp-21 /* 9.4111717631550660134e-7 */
#define CACT_MISH_Q13 0x1.863dfccf4742dp-19 /* 2.9075305075913440369e-6 */
#define CACT_MISH_Q14 0x1.218aaa1ea08bbp-20 /* 1.0786267307388033794e-6 */
#define CACT_MISH_Q15 0x1.94c5cd0e24ddbp-26 /* 2.3560869748751071058e-8 */
#define CACT_MISH_Q16 -0x1.4a05ed3ea572ap-23 /* -1.5367900548363899355e-7 */
#define CACT_MISH_Q17 -0x1.71d291f641d1bp-25 /* -4.3053009978318749158e-8 */
#define CACT_MISH_Q18 -0x1.b07b8d2d77624p-28 /* -6.2934504668994201012e-9 */
#define CACT_MISH_Q19 -0x1.d5de1cc29e7bep-27 /* -1.367494773429046383e-8 */
#define CACT_MISH_Q20 0x1.9fa3682b5d9b9p-26 /* 2.4193333709196710483e-8 */
#define CACT_MISH_Q21 -0x1.20f7bf8554c59p-27 /* -8.4100688727882852057e-9 */
#define CACT_MISH_Q22 0x1.dd0bac1052896p-31 /* 8.6774088092099208514e-10 */
CACT_INLINE double cact_mish_q_tail(double t)
{
    double e0_0 = CACT_MISH_Q3 + t * CACT_MISH_Q4;
    double e0_1 = CACT_MISH_Q5 + t * CACT_MISH_Q6;
    double e0_2 = CACT_MISH_Q7 + t * CACT_MISH_Q8;
    double e0_3 = CACT_MISH_Q9 + t * CACT_MISH_Q10;
    double e0_4 = CACT_MISH_Q11 + t * CACT_MISH_Q12;
    double e0_5 = CACT_MISH_Q13 + t * CACT_MISH_Q14;
    double e0_6 = CACT_MISH_Q15 + t * CACT_MISH_Q16;
    double e0_7 = CACT_MISH_Q17 + t * CACT_MISH_Q18;
    double e0_8 = CACT_MISH_Q19 + t * CACT_MISH_Q20;
    double e0_9 = CACT_MISH_Q21 + t * CACT_MISH_Q22;
    double t2 = t * t;
    double e1_0 = e0_0 + t2 * e0_1;
    double e1_1 = e0_2 + t2 * e0_3;
    double e1_2 = e0_4 + t2 * e0_5;
    double e1_3 = e0_6 + t2 * e0_7;
    double e1_4 = e0_8 + t2 * e0_9;
    double t4 = t2 * t2;
    double e2_0 = e1_0 + t4 * e1_1;
    double e2_1 = e1_2 + t4 * e1_3;
    double t8 = t4 * t4;
    double e3_0 = e2_0 + t8 * e2_1;
    double t16 = t8 * t8;
    double e4_0 = e3_0 + t16 * e1_4;
    return CACT_MISH_Q1 + t * (CACT_MISH_Q2 + t * e4_0);
}
/* degree 22 (Chebyshev fit): relative error 1.81e-17 (q0 double-double, the others rounded to double) */
/* z - tanh z = z^3 g(z^2) on |z| <= 1 */
#define CACT_TANHSHRINK_G0_HI 0x1.5555555555555p-2
#define CACT_TANHSHRINK_G0_LO 0x1.4de6f73409c3fp-56
#define CACT_TANHSHRINK_G1 -0x1.1111111111109p-3 /* -0.13333333333333310033 */
#define CACT_TANHSHRINK_G2 0x1.ba1ba1ba1ad79p-5 /* 0.053968253968231520922 */
#define CACT_TANHSHRINK_G3 -0x1.664f488284a62p-6 /* -0.021869488535296695118 */
#define CACT_TANHSHRINK_G4 0x1.226e3554e44b7p-7 /* 0.0088632355125660536388 */
#define CACT_TANHSHRINK_G5 -0x1.d6d3cf0c9f4f0p-9 /* -0.0035921278234228788593 */
#define CACT_TANHSHRINK_G6 0x1.7da3468275600p-10 /* 0.0014558326516768137606 */
#define CACT_TANHSHRINK_G7 -0x1.3556d1497c973p-11 /* -0.00059001756852543192499 */
#define CACT_TANHSHRINK_G8 0x1.f567a08729e42p-13 /* 0.00023908843670493631334 */
#define CACT_TANHSHRINK_G9 -0x1.95f8917d9e05ap-14 /* -0.00009679102182669329654 */
#define CACT_TANHSHRINK_G10 0x1.4716206d34c37p-15 /* 0.000038991741215043213524 */
#define CACT_TANHSHRINK_G11 -0x1.02a4681561bf1p-16 /* -0.000015416277241022492045 */
#define CACT_TANHSHRINK_G12 0x1.83b86bf37b691p-18 /* 5.7774841368659153814e-6 */
#define CACT_TANHSHRINK_G13 -0x1.01ed0537aafe1p-19 /* -1.9216974143833893922e-6 */
#define CACT_TANHSHRINK_G14 0x1.1306c68e489eap-21 /* 5.1227671507932616433e-7 */
#define CACT_TANHSHRINK_G15 -0x1.922fdbe58a872p-24 /* -9.3641446229657592707e-8 */
#define CACT_TANHSHRINK_G16 0x1.255e7760dc76dp-27 /* 8.5381619012121565366e-9 */
CACT_INLINE double cact_tanhshrink_g_tail(double w)
{
    double e0_0 = CACT_TANHSHRINK_G3 + w * CACT_TANHSHRINK_G4;
    double e0_1 = CACT_TANHSHRINK_G5 + w * CACT_TANHSHRINK_G6;
    double e0_2 = CACT_TANHSHRINK_G7 + w * CACT_TANHSHRINK_G8;
    double e0_3 = CACT_TANHSHRINK_G9 + w * CACT_TANHSHRINK_G10;
    double e0_4 = CACT_TANHSHRINK_G11 + w * CACT_TANHSHRINK_G12;
    double e0_5 = CACT_TANHSHRINK_G13 + w * CACT_TANHSHRINK_G14;
    double e0_6 = CACT_TANHSHRINK_G15 + w * CACT_TANHSHRINK_G16;
    double w2 = w * w;
    double e1_0 = e0_0 + w2 * e0_1;
    double e1_1 = e0_2 + w2 * e0_3;
    double e1_2 = e0_4 + w2 * e0_5;
    double w4 = w2 * w2;
    double e2_0 = e1_0 + w4 * e1_1;
    double e2_1 = e1_2 + w4 * e0_6;
    double w8 = w4 * w4;
    double e3_0 = e2_0 + w8 * e2_1;
    return CACT_TANHSHRINK_G1 + w * (CACT_TANHSHRINK_G2 + w * e3_0);
}
/* degree 16 in w = z^2 on [0, 1]: relative error 2.62e-17 (g0 double-double, the others rounded to double) */

/* float32 (in double): log1p(u) = u Q(2u - 1) on [0, 1] */
#define CACT_LOG1P_D32_Q0 0x1.9f323ecb2e4f0p-1 /* 0.81093021612391960376 */
#define CACT_LOG1P_D32_Q1 -0x1.2773a5d993e6dp-3 /* -0.14426354952091759942 */
#define CACT_LOG1P_D32_Q2 0x1.0f95b76d3fd9cp-5 /* 0.033152445083028695241 */
#define CACT_LOG1P_D32_Q3 -0x1.1540b4458559ap-7 /* -0.0084610824806457435519 */
#define CACT_LOG1P_D32_Q4 0x1.2bea0a7e234bfp-9 /* 0.0022881639297965548001 */
#define CACT_LOG1P_D32_Q5 -0x1.50a8c021a5035p-11 /* -0.00064212642992567695579 */
#define CACT_LOG1P_D32_Q6 0x1.8472d5e9ebca6p-13 /* 0.00018522671535723296605 */
#define CACT_LOG1P_D32_Q7 -0x1.c80494dc654a9p-15 /* -0.000054361569456742621606 */
#define CACT_LOG1P_D32_Q8 0x1.04e15127453b1p-16 /* 0.00001554966834501113089 */
#define CACT_LOG1P_D32_Q9 -0x1.39f0b0005a0c3p-18 /* -4.6780733103728423998e-6 */
#define CACT_LOG1P_D32_Q10 0x1.0ae9bd452a017p-19 /* 1.9886571488055102047e-6 */
#define CACT_LOG1P_D32_Q11 -0x1.485b92f1b086cp-21 /* -6.1161389749315239418e-7 */
CACT_INLINE double cact_log1p_d32_q(double s)
{
    double e0_0 = CACT_LOG1P_D32_Q2 + s * CACT_LOG1P_D32_Q3;
    double e0_1 = CACT_LOG1P_D32_Q4 + s * CACT_LOG1P_D32_Q5;
    double e0_2 = CACT_LOG1P_D32_Q6 + s * CACT_LOG1P_D32_Q7;
    double e0_3 = CACT_LOG1P_D32_Q8 + s * CACT_LOG1P_D32_Q9;
    double e0_4 = CACT_LOG1P_D32_Q10 + s * CACT_LOG1P_D32_Q11;
    double s2 = s * s;
    double e1_0 = e0_0 + s2 * e0_1;
    double e1_1 = e0_2 + s2 * e0_3;
    double s4 = s2 * s2;
    double e2_0 = e1_0 + s4 * e1_1;
    double s8 = s4 * s4;
    double e3_0 = e2_0 + s8 * e0_4;
    return CACT_LOG1P_D32_Q0 + s * (CACT_LOG1P_D32_Q1 + s * e3_0);
}
/* degree 11 in s = 2u - 1: relative error 1.34e-10 (coefficients rounded to double) */

/* ----------------------------------------------------------- log1p(u) */
/*
 * log1p(u) for u in [0, 1] (NaN propagates).  v = 1 + u is rounded, and
 * c = u - (v - 1) is its exact rounding error, so 1 + u = v (1 + c/v) and
 * log1p(u) = log(v) + c/v (the next term, (c/v)^2/2, is below 2^-107).
 * log(v) = k ln2 + log1p(f) with m = v / 2^k in [sqrt(2)/2, sqrt(2)] (k = 0 or
 * 1) and f = m - 1 exact.  With s = f/(2+f), log1p(f) = 2 atanh(s) = 2s + s R(s^2),
 * R(x) = sum_{j>=1} 2 x^j/(2j+1), and, since 2s = f - s f and s f = hfsq (1 - s)
 * with hfsq = f^2/2, log1p(f) = f - (hfsq - s (hfsq + R)): the large term f is
 * exact and the rest is a small correction.  |s| <= 0.1716, s^2 <= 0.0295: the
 * Taylor series of R to x^10 (float: x^5) truncates below 2^-60 (2^-30)
 * relative.  u below 2^-53 gives f = 0 and the result c/v = u.  The steps
 * after k and f are cact_log1p_kf (cact_math.h).
 */
CACT_INLINE double cact_log1p_01_f64(double u)
{
    double v = 1.0 + u;
    double c = u - (v - 1.0);
    int big = v > 0x1.6a09e667f3bcdp0;
    return cact_log1p_kf(big ? 1.0 : 0.0, (big ? 0.5 * v : v) - 1.0, c, v);
}

/*
 * log1p(u) for float u in [0, 1], in float arithmetic without a division:
 * u Q(s), s = 2u - 1, Q a degree-9 fit of log1p(u)/u (5.7e-9 relative) with
 * its constant term as two floats c0h + c0l, applied as u c0h + u (c0l + s R(s))
 * where the target has FMA (the large product is then not rounded on its own),
 * as u (c0h + (c0l + s R(s))) otherwise.  Checked on every float in (0, 1]
 * against the double log1p: within 1.07 ulp with FMA, 1.48 without.  For u
 * below 2^-24 the result is u itself (log1p(u) = u (1 - u/2 + ...) rounds to
 * u), which also keeps a subnormal u exact.  NaN propagates.
 */
CACT_INLINE float cact_log1p_01_f32(float u)
{
    const float c0h = 0x1.9f323ep-1f, c0l = 0x1.d91754p-26f;
    float s = 2.0f * u - 1.0f, r;
    r = -0x1.9eca02p-18f;
    r = r * s + 0x1.58192ep-16f;
    r = r * s + -0x1.bd47dep-15f;
    r = r * s + 0x1.7b5f2ap-13f;
    r = r * s + -0x1.50e336p-11f;
    r = r * s + 0x1.2c1dbep-9f;
    r = r * s + -0x1.15404cp-7f;
    r = r * s + 0x1.0f9550p-5f;
    r = r * s + -0x1.2773a6p-3f;
#ifdef __FP_FAST_FMAF
    r = __builtin_fmaf(u, c0h, u * __builtin_fmaf(s, r, c0l));   /* not u c0h rounded */
#else
    r = u * (c0h + (c0l + s * r));
#endif
    return u < 0x1p-24f ? u : r;
}

/* ------------------------------------------------------------- helpers */
/*
 * hi + *lo = a b exactly (|a|, |b| < 2^995; otherwise *lo is 0).  fma where
 * the target has it, else Dekker's splitting (only then, so no contraction
 * can reach it).
 */
CACT_INLINE double cact_two_prod(double a, double b, double *lo)
{
    double p = a * b, l;
#if defined(__FP_FAST_FMA)
    l = fma(a, b, -p);
#else
    const double split = 0x1p27 + 1.0;
    double ac = fabs(a) < 0x1p995 ? a : 0.0, bc = fabs(b) < 0x1p995 ? b : 0.0;
    double pc = ac * bc;
    double ta = split * ac, ah = ta - (ta - ac), al = ac - ah;
    double tb = split * bc, bh = tb - (tb - bc), bl = bc - bh;
    l = ((ah * bh - pc) + ah * bl + al * bh) + al * bl;
#endif
    *lo = fabs(p) < 0x1p1000 ? l : 0.0;
    return p;
}

/*
 * exp(x) 2^64 for x <= 0 (x below -752 is taken as -752, NaN propagates; the
 * callers pass -|z|, so there is no upper clamp), and exp(x) in *e_out.
 * The reduction of cact_expm1_neg (x = k ln2 + r, |r| <= ln2/2, ln2 split so that
 * x - k ln2_hi is exact, expm1(r) = r + r^2 q(r), q the Taylor polynomial of
 * degree 11), but the rounding error rl of r and the rounding error of 1 + r
 * are carried, so that
 *   exp(x) 2^-k = 1 + r + (eps + (rl (1 + r) + r^2 q))
 * is rounded once at the end: within 0.6 ULP instead of 0.93 (measured).
 * 2^(k+64) is a normal number down to x = -752, so products like z exp(z),
 * which stay normal while exp(z) is already subnormal (z in [-752, -708]),
 * are formed from the unrounded exp and scaled by 2^-64 once at the end.
 */
CACT_INLINE double cact_exp_neg_x64(double x, double *e_out)
{
    const double shift = 0x1.8p52;
    double kd, k, t, kl, r, rl, q, u, eps, es;
    x = x < -752.0 ? -752.0 : x;
    kd = x * 0x1.71547652b82fep0 + shift;
    k = kd - shift;
    t = x - k * 0x1.62e42fefa3800p-1;   /* exact */
    kl = k * 0x1.ef35793c76730p-45;
    r = t - kl;
    rl = (t - r) - kl;                   /* r + rl = t - kl to 2^-100 */
    q = cact_expm1_taylor_q(r);
    u = 1.0 + r;
    eps = (1.0 - u) + r;                 /* exact: |r| < 1 */
    es = (u + (eps + (rl * (1.0 + r) + (r * r) * q)))
         * cact_from_bits((cact_to_bits(kd) - cact_to_bits(shift) + 1023 + 64) << 52);
    *e_out = es * 0x1p-64;
    return es;
}

/* ------------------------------------------------------------- softplus */
/*
 * softplus(z) = log(1 + exp(beta z)) / beta.  With t = beta z = hi + lo (exact
 * product) and e = exp(-|hi|):
 *   softplus(hi) = max(hi, 0) + log1p(e)       (no cancellation anywhere)
 *   softplus(t)  = softplus(hi) + sigmoid(hi) lo
 *   sigmoid(t)   = sigmoid(hi) + sigmoid'(hi) lo,  sigmoid(hi) = (hi >= 0 ? 1 : e)/(1 + e)
 * and the result is softplus(t)/beta (one division), the derivative sigmoid(t).
 * Carrying lo matters in the left tail, where softplus(t) ~ exp(t) and the
 * rounding of beta z would otherwise be multiplied by |t| (it is 0 for beta = 1).
 *
 * PyTorch returns z where beta z > threshold (and takes the derivative as 1
 * there).  At threshold 20 that drops log1p(exp(-beta z))/beta, which float64
 * resolves (7.6e-10 at z = 21, beta = 1: about 2e5 ULP), so the cut is applied
 * only where it is exact: for beta z > 36 the exact value
 * z + log1p(exp(-beta z))/beta is within exp(-36)/36 < 2^-54 relative of z, less
 * than half an ulp in either dtype, so z is the rounded exact value; below 36 the
 * formula above is used.  Hence `threshold` changes no result and is accepted
 * for the PyTorch signature only.  The derivative is the exact derivative of
 * this function, sigmoid(beta z), everywhere (it rounds to 1 for beta z above
 * 54 ln2 = 37.4, not at the threshold).  beta z overflowing to +inf gives z (and 1).
 * For beta z < -40, softplus(t) = exp(t) (1 + O(exp(t))): the value is
 * exp(t)/beta from an exp of its own, cact_exp_over, for every t (a subnormal
 * result rounded once); the shared exp(hi) 2^64 (cact_exp_neg_x64) stops at
 * -752, beyond which exp(t)/beta is not 0 for beta < 2^-9 (finite z reach
 * there for beta down to 2^-1015).  The derivative's tail exp(t) is the shared
 * exp, scaled last.
 */
CACT_INLINE double cact_softplus_core_f64(double z, double beta, double *sig)
{
    /* beta z as beta sc times z / sc (exact scalings, sc loop-invariant), so
       that both factors stay below two_prod's 2^995 without FMA wherever the
       low part matters: a larger z makes |t| > 2^959, where the result is z
       or 0; a smaller z loses bits (< 2^-958) only where t is negligible */
    double sc = beta < 1.0 ? 0x1p64 : 0x1p-64;
    double lo, hi = cact_two_prod(beta * sc, z * (1.0 / sc), &lo), lo0 = lo;
    double h = hi > 64.0 ? 64.0 : hi;    /* the cut covers hi > 36; NaN stays */
    double e, es, l, s, sd, sp, tail;
    lo = hi > 40.0 ? 0.0 : lo;           /* lo is used for -800 < hi <= 40 only */
    lo = hi < -800.0 ? 0.0 : lo;
    es = cact_exp_neg_x64(-fabs(h), &e);
    l = cact_log1p_01_f64(e);
    s = (h >= 0.0 ? 1.0 : e) / (1.0 + e);
    sd = e / (1.0 + e * (2.0 + e));
    *sig = h < -40.0 ? (es + es * lo) * 0x1p-64 : s + sd * lo;
    sp = (h > 0.0 ? h : 0.0) + (l + s * lo);
    /* left tail: softplus(t) = exp(t) to 2^-58 */
    tail = cact_exp_over(hi, lo0, beta);
    return hi > 36.0 ? z : (h < -40.0 ? tail : sp / beta);
}
CACT_INLINE double cact_softplus_fwd_deriv_wide_f64(double z, double *d, double beta,
                                                    double threshold)
{
    (void)threshold;
    return cact_softplus_core_f64(z, beta, d);
}
CACT_SPLIT_FWD_DERIV(softplus, double, wide_f64, (, double beta, double threshold),
                     (, beta, threshold))

/*
 * Binary cross-entropy from the logit, for sigmoid_binary_cross_entropy_delta:
 * y = sigma(z), *d = y - t, and the loss term -(t log y + (1 - t) log(1 - y))
 * = max(z, 0) - t z + log1p(exp(-|z|)), its linear part taken as (1 - t) z
 * or -t z (exactly 0 when that factor is 0, also for infinite z).
 * cact_sigmoid_bce_T(z, t, &d, &e, &lin) gives y, d, e = exp(-|z|) and lin,
 * the linear part; the loss term is then lin + log1p(e), log1p by
 * cact_log1p_01_T so that the loops vectorize.  The kernel takes that log1p
 * in a loop of its own over a chunk of e: a loop through exp and then log1p
 * is one long dependency chain per element, which the out-of-order window
 * overlaps across few iterations (float32 exp(-|z|) then log1p over 10^5
 * floats, AVX2: 0.94 ns per element in one loop, 0.63 in two).  Split so,
 * the kernel ran 1.20-1.24x faster for float32 and 1.12x for float64 (10^5
 * elements, side by side with the one loop).
 */
CACT_INLINE double cact_sigmoid_bce_f64(double z, double t, double *d, double *e, double *lin)
{
    double y, a = z >= 0.0 ? 1.0 - t : -t;
    cact_expm1_neg(-fabs(z), e);
    y = (z >= 0.0 ? 1.0 : *e) / (1.0 + *e);
    *d = y - t;
    *lin = a == 0.0 ? 0.0 : a * z;
    return y;
}
/* float32: y is the forward's value (cact_sigmoid_f32, in float), e from the
   same exp(-|z|) (log1p then in float, cact_log1p_01_f32, within about 2 ulp
   of float: the loss is returned as a float32), the rest in double */
CACT_INLINE float cact_sigmoid_bce_f32(float z, float t, float *d, float *e, double *lin)
{
    float y = cact_sigmoid_f32(z);
    double td = (double)t, a = z >= 0.0f ? 1.0 - td : -td;
    cact_expm1_neg_f32(-fabsf(z), e);
    *d = (float)((double)y - td);
    *lin = a == 0.0 ? 0.0 : a * (double)z;
    return y;
}

/* ---------------------------------------------------------- log_sigmoid */
/*
 * log_sigmoid(z) = -softplus(-z) = min(z, 0) - log1p(e), e = exp(-|z|): both
 * terms have the same sign.  Derivative sigmoid(-z) = (z >= 0 ? e : 1)/(1 + e),
 * accurate in both tails.
 */
CACT_INLINE double cact_log_sigmoid_fwd_deriv_f64(double z, double *d)
{
    double e;
    cact_exp_neg_x64(-fabs(z), &e);
    *d = (z >= 0.0 ? e : 1.0) / (1.0 + e);
    return (z < 0.0 ? z : 0.0) - cact_log1p_01_f64(e);
}
CACT_INLINE double cact_log_sigmoid_f64(double z)
{
    double e;
    cact_exp_neg_x64(-fabs(z), &e);
    return (z < 0.0 ? z : 0.0) - cact_log1p_01_f64(e);
}
/* the derivative alone is sigmoid(-z): cact_sigmoid_f64's exp (no carried
   rounding error) is cheaper than cact_exp_neg_x64, which the
   forward value needs, and as accurate for the quotient */
CACT_INLINE double cact_log_sigmoid_derivative_f64(double z)
{
    return cact_sigmoid_f64(-z);
}

/*
 * softplus for float64 with beta = 1 (cact_softplus_f64_fast, the registry's
 * guard; cact_softplus_*_wide_f64 above for other beta): -log_sigmoid(-z), its
 * derivative log_sigmoid'(-z) = sigmoid(z).  No product beta z to carry, no
 * division by beta: one division (the derivative's) where the general
 * formulas take five.  For z > 36 the value rounds to z, as the cut of the
 * general formulas gives.  The derivative alone is cact_sigmoid_f64(z), as
 * for log_sigmoid.
 */
CACT_INLINE int cact_softplus_f64_fast(double beta, double threshold)
{
    (void)threshold;
    return beta == 1.0;
}
CACT_INLINE double cact_softplus_fwd_deriv_f64(double z, double *d, double beta, double threshold)
{
    (void)beta;
    (void)threshold;
    return -cact_log_sigmoid_fwd_deriv_f64(-z, d);
}
CACT_INLINE double cact_softplus_f64(double z, double beta, double threshold)
{
    (void)beta;
    (void)threshold;
    return -cact_log_sigmoid_f64(-z);
}
CACT_INLINE double cact_softplus_derivative_f64(double z, double beta, double threshold)
{
    (void)beta;
    (void)threshold;
    return cact_sigmoid_f64(z);
}

/* ----------------------------------------------------------------- silu */
/*
 * silu(z) = z sigmoid(z); with e = exp(-|z|):
 *   z >= 0:  silu = z/(1 + e),    silu' = (1 + e (1 + z)) / (1 + e (2 + e))
 *   z <  0:  silu = z e/(1 + e),  silu' = e f / (1 + e (2 + e)),  f = (1 + z) + e
 * (z e and e f formed from e 2^64 and scaled by 2^-64 last, so that they are
 * rounded once where they are subnormal; in the left tail of silu the product
 * z e is exact (two_prod) and the division by 1 + e is applied as a small
 * relative correction).  silu' vanishes at z0 = -1.27846... (f = 0), where
 * f cancels and the closed form carries the rounding of e amplified by e/|f|
 * (below 0.95 outside |z - z0| <= 0.3; 1 + z is exact for z <= -0.5); within
 * that window silu' = d q(d) instead, d = z - z0 (z - z0_hi exact there, z0
 * stored as hi + lo) and q a degree-12 polynomial fitted with mpmath
 * (tools/gen_family_consts.py), so silu' keeps its relative accuracy at the
 * zero and does not depend on exp there.
 */
/* silu' by the closed forms, away from its root (float64 and float32):
   e = exp(-|z|), es = e sc for a power of 2 sc, zc = z where it is finite
   (the callers clamp it: float64 to |zc| <= 800, where e = 0, float32 below
   -800 and selects 1 above 109; e (1 + z) would be 0 inf); one division, its
   numerator selected, scaled by sc and the quotient by 1/sc (float64:
   sc = 2^64, so that a subnormal result is rounded once; float32, whose
   results are far from double's subnormals: sc = 1, and the scaling folds
   away).  One expression: with den and f as statements of their own GCC
   vectorized float32's caller with 12 more blends (0.8x). */
CACT_INLINE double cact_silu_deriv_closed(double z, double zc, double e, double es,
                                          double sc)
{
    double q = (z >= 0.0 ? sc + es * (1.0 + zc) : es * ((1.0 + zc) + e))
               / (1.0 + e * (2.0 + e));
    return q * (1.0 / sc);
}
CACT_INLINE double cact_silu_deriv_e(double z, double e, double es)
{
    double zc = fabs(z) > 800.0 ? copysign(800.0, z) : z; /* e = 0 beyond: no inf * 0 */
    /* d = z - z0 = (z - z0_hi) - z0_lo, the first difference exact in the window */
    double dh = zc - CACT_SILU_ROOT_HI;
    double t = dh - CACT_SILU_MID;       /* the polynomial's variable (exact) */
    double dn = (dh - CACT_SILU_ROOT_LO)
                * (CACT_SILU_Q0_HI + (CACT_SILU_Q0_LO + cact_silu_q_tail(t) * t));
    return fabs(dh) <= 0.3 ? dn : cact_silu_deriv_closed(z, zc, e, es, 0x1p64);
}
CACT_INLINE double cact_silu_e(double z, double e, double es)
{
    /* z e/(1 + e) from e 2^64; for z < -1.38 (e < 1/4) as w (1 - s), w = z e 2^64
       exact, s = e/(1 + e) <= 0.2 */
    double zc = z < -800.0 ? -800.0 : z;
    double wl, w = cact_two_prod(zc, es, &wl);
    double s = e / (1.0 + e);
    double yt = (w - (w * s - wl)) * 0x1p-64;
    /* the quotient and the select of its scale are separate statements: in
       one expression GCC distributes the division over the select's arms
       and divides twice */
    double sc = z >= 0.0 ? 1.0 : 0x1p-64;
    double ya = (z >= 0.0 ? zc : w) / (1.0 + e);
    ya *= sc;
    return z < -1.38 ? yt : ya;
}
CACT_INLINE double cact_silu_f64(double z)
{
    double e, es = cact_exp_neg_x64(-fabs(z), &e);
    return cact_silu_e(z, e, es);
}
CACT_INLINE double cact_silu_derivative_f64(double z)
{
    double e, es = cact_exp_neg_x64(-fabs(z), &e);
    return cact_silu_deriv_e(z, e, es);
}
CACT_INLINE double cact_silu_fwd_deriv_f64(double z, double *d)
{
    double e, es = cact_exp_neg_x64(-fabs(z), &e);
    *d = cact_silu_deriv_e(z, e, es);
    return cact_silu_e(z, e, es);
}

/* ----------------------------------------------------------------- mish */
/*
 * mish(z) = z tanh(softplus(z)), e = exp(-|z|).  tanh(log(1 + x)) =
 * x(x + 2)/(x(x + 2) + 2) for x = exp(z), so:
 *   z <= 0:  T = e(e + 2)/M, M = e(e + 2) + 2, = e (1 - c),
 *            c = (e/2)(1 + e)/(1 + e(1 + e/2)) in [0, 0.4]
 *            mish' = T + z sigmoid(z)(1 - T^2) = e B / M^2,
 *            B = 4(1 + z) + e(6 + 4z + e(4 + e))
 *   z >  0:  (times exp(-2z)) T = (1 + 2e)/D = 1 - 2e^2/D, D = 1 + 2e(1 + e),
 *            mish' = 1 + (2e^2/D)(2z(1 + e)/D - 1)
 * The forward is a correction to z e (z <= 0, z e exact by two_prod) or to z;
 * mish' in the left tail a correction to e B / 4 (e B exact by two_prod).
 * mish' vanishes at z1 = -1.19243... (B = 0); for z in (z1 - 0.5, z1 + 1.2)
 * (about -1.69 to 0) mish' = d q(d), q a degree-22 polynomial fitted as for
 * silu.
 */
CACT_INLINE double cact_mish_d_near_root(double dh, double dl)
{
    /* g'(z) = d q(d), d = z - root = dh + dl, for dh in [-0.5, 1.2]; q a polynomial
       in t = dh - mid (exact), q(mid) as a double-double */
    double t = dh - CACT_MISH_MID, p;
    p = CACT_MISH_Q0_HI + (CACT_MISH_Q0_LO + cact_mish_q_tail(t) * t);
    return dh * p + dl * p;
}
CACT_INLINE double cact_mish_y(double z, double e, double es)
{
    /* z <= 0: T = e (1 - c), c = (e/2)(1 + e)/(1 + e(1 + e/2)) in [0, 0.4]:
       mish = w - w c with w = z e 2^64 exact (two_prod), so the small term carries
       the rounding of c and the result is rounded once on top of e.
       z > 0: T = 1 - s, s = 2e^2/D, mish = z - z s. */
    double zc = z < -800.0 ? -800.0 : z;
    double wl, w = cact_two_prod(zc, es, &wl);
    double c = (0.5 * e) * (1.0 + e) / (1.0 + e * (1.0 + 0.5 * e));
    double yn = (w - (w * c - wl)) * 0x1p-64;
    double sp = 2.0 * (e * e) / (1.0 + 2.0 * e * (1.0 + e));
    double yp = z - (z > 800.0 ? 800.0 : z) * sp;  /* sp = 0 there: no inf * 0 */
    return z > 0.0 ? yp : copysign(yn, z);          /* mish(-0) = -0 */
}
CACT_INLINE double cact_mish_d(double z, double e, double es)
{
    double zc = fabs(z) > 800.0 ? copysign(800.0, z) : z; /* e = 0 beyond: no inf * 0 */
    /* z1 - 0.5 < z < z1 + 1.2: the polynomial (no exp, no cancellation);
       d = z - z1 = dh + dl (Fast2Sum of -z1_hi and z) */
    double dh = zc - CACT_MISH_ROOT_HI;
    double dl = (zc - (dh + CACT_MISH_ROOT_HI)) - CACT_MISH_ROOT_LO;
    int near = dh > -0.5 && dh < 1.2;
    double dn = cact_mish_d_near_root(near ? dh : 0.0, dl);
    /* z < z1 - 0.5: e B / M^2 = (p/4)(1 - k), p = e 2^64 B exact (two_prod),
       M^2/4 = 1 + m, m = n(1 + n/4), k = m/(1 + m) <= 0.31: the rounding of k is
       damped by k (1 + z is exact for z <= -0.5) */
    double b = 4.0 * (1.0 + zc) + e * ((6.0 + 4.0 * zc) + e * (4.0 + e));
    double n = e * (e + 2.0), m = n * (1.0 + 0.25 * n);
    /* z > 0: mish' = 1 + k (2z(1 + e)/D - 1), k = 2e^2/D, D = 1 + 2e(1 + e):
       a correction to 1.  k and kn share one division (numerator and
       denominator selected) */
    double dd = 1.0 + 2.0 * e * (1.0 + e);
    double k = (z > 0.0 ? 2.0 * (e * e) : m) / (z > 0.0 ? dd : 1.0 + m);
    double pl, p = cact_two_prod(es, b, &pl);
    double rneg = (p - (p * k - pl)) * 0x1p-66;
    double rpos = 1.0 + k * (2.0 * zc * (1.0 + e) / dd - 1.0);
    return near ? dn : (z > 0.0 ? rpos : rneg);
}
CACT_INLINE double cact_mish_f64(double z)
{
    double e, es = cact_exp_neg_x64(-fabs(z), &e);
    return cact_mish_y(z, e, es);
}
CACT_INLINE double cact_mish_derivative_f64(double z)
{
    double e, es = cact_exp_neg_x64(-fabs(z), &e);
    return cact_mish_d(z, e, es);
}
CACT_INLINE double cact_mish_fwd_deriv_f64(double z, double *d)
{
    double e, es = cact_exp_neg_x64(-fabs(z), &e);
    *d = cact_mish_d(z, e, es);
    return cact_mish_y(z, e, es);
}

/* ------------------------------------------------------------- softsign */
/*
 * softsign(z) = z/(1 + |z|), softsign' = 1/(1 + |z|)^2.  1 + |z| = p + c exactly
 * (TwoSum), and the correction c/p is applied to first order:
 * z/(p + c) = (z/p)(1 - c/p), 1/(p + c)^2 = (1/p^2)(1 - 2c/p) (cact_softsign_q2_T,
 * two divisions).  With FMA, both dtypes divide once for the value and the
 * derivative together: w = 1/p, the remainder e = 1 - p w (exact, one FMA),
 * so 1/p = w (1 + e) and
 *   z/(p + c) = q + ((z - q p) - q c) w,  q = z w (z - q p exact),
 *   1/(p + c)^2 = w (w + w t),  t = 2 (e - c w),
 * to within 3 u^2 relative (u the unit roundoff) before the last two
 * roundings: the value within 0.5 ULP, the derivative within 1.21 ULP
 * (float32: every float; float64: 1.11, tools/family_check.py).  Beyond |z| = 2^60
 * the value is +-1.  Without FMA: float64 takes 1/p^2 (1 - 2c/p) for the
 * derivative, from 2^500 on (1/|z|)^2 (p^2 would overflow); float32 takes
 * the value from cact_softsign_q2_f32 and the derivative from float64.
 */
#define CACT_SOFTSIGN(T, C, FABS, COPYSIGN)                                    \
CACT_INLINE C cact_softsign_sum_##T(C a, C *c)                                 \
{                                                                              \
    C p = (C)1 + a, bb = p - (C)1;                                             \
    *c = ((C)1 - (p - bb)) + (a - bb);                                         \
    return p;                                                                  \
}                                                                              \
CACT_INLINE C cact_softsign_q2_##T(C z)                                        \
{                                                                              \
    C c, zc = z > (C)0x1p60 ? (C)0x1p60 : (z < (C)-0x1p60 ? (C)-0x1p60 : z);    \
    C p = cact_softsign_sum_##T(FABS(zc), &c), q = zc / p;                     \
    return COPYSIGN(q - q * (c / p), z);                        /* -0 at -0 */ \
}
CACT_SOFTSIGN(f64, double, fabs, copysign)
CACT_SOFTSIGN(f32, float, fabsf, copysignf)
/* p + c = 1 + |z|, w = 1/p: the value and the derivative share the one
   division.  |z| is not clamped (GCC folds a clamp into blends of every later
   operation, slow on AVX2): the selects for |z| beyond BIGY (the value rounds
   to +-1) and BIGD (the derivative to 0) come last and cover +-inf */
#define CACT_SOFTSIGN_FMA(T, C, FABS, FMA, COPYSIGN, BIGY, BIGD)              \
CACT_INLINE C cact_softsign_fwd_deriv_##T(C z, C *d)                           \
{                                                                              \
    C c, a = FABS(z), p = cact_softsign_sum_##T(a, &c), w = (C)1 / p, q = a * w; \
    C t = (C)2 * (FMA(-p, w, (C)1) - c * w), dd = w * FMA(w, t, w);            \
    C y = q + (FMA(-q, p, a) - q * c) * w;                                     \
    *d = a > BIGD ? (C)0 : dd;                                  /* NaN stays */ \
    return COPYSIGN(a > BIGY ? (C)1 : y, z);                                   \
}                                                                              \
CACT_SPLIT_FWD_DERIV(softsign, C, T, (), ())
#if defined(__FP_FAST_FMA) && defined(__FP_FAST_FMAF)
CACT_SOFTSIGN_FMA(f64, double, fabs, fma, copysign, 0x1p60, 0x1p600)
CACT_SOFTSIGN_FMA(f32, float, fabsf, __builtin_fmaf, copysignf, 0x1p60f, 0x1p100f)
#else
CACT_INLINE double cact_softsign_f64(double z)
{
    return cact_softsign_q2_f64(z);
}
CACT_INLINE double cact_softsign_derivative_f64(double z)
{
    /* a >= 2^500: p = 1 and r = 1/a, squared (no subnormal on the unused side) */
    double a = fabs(z), c, r;
    int big = a >= 0x1p500;
    double p = cact_softsign_sum_f64(big ? 0.0 : a, &c);
    r = 1.0 / (big ? a : p * p);                /* the rounding of p^2 left out */
    return big ? r * r : r - r * ((2.0 * p * c) * r);
}
CACT_INLINE double cact_softsign_fwd_deriv_f64(double z, double *d)
{
    *d = cact_softsign_derivative_f64(z);
    return cact_softsign_f64(z);
}
/* float32: the value from cact_softsign_q2_f32 (within 1 ULP), also in the
   fused pair; the derivative from the float64 function on the exact double of
   z, rounded once */
CACT_INLINE float cact_softsign_f32(float z)
{
    return cact_softsign_q2_f32(z);
}
CACT_INLINE float cact_softsign_derivative_f32(float z)
{
    return (float)cact_softsign_derivative_f64((double)z);
}
CACT_FWD_DERIV_FROM_SPLIT(CACT_INLINE, softsign, float, f32)
#endif
#undef CACT_SOFTSIGN_FMA

/* ----------------------------------------------------------- tanhshrink */
/*
 * tanhshrink(z) = z - tanh z.
 *   |z| <= 1: z^3 g(z^2), g a degree-16 polynomial (Chebyshev fit on [0, 1],
 *             relative error 3e-17), z^2 exact (two_prod): the subtraction
 *             cancels here;
 *   |z| >  1: sign(z) ((a - 1) + 2e/(1 + e)), a = |z|, e = exp(-2a), using
 *             1 - tanh a = 2e/(1 + e); a - 1 is exact for a <= 2, both terms
 *             are positive.
 * Derivative tanh(z)^2: with r = a^3 g(a^2) = a - tanh a, a^2 - r(2a - r) for
 * a <= 1 (a^2 exact as a double-double), else 1 - 4e/(1 + e)^2.
 */
CACT_INLINE double cact_tanhshrink_poly(double a, double *wh, double *wl)
{
    /* a^3 g(a^2) for 0 <= a <= 1 (a clamped there), with a^2 = *wh + *wl exact:
       a^3 = a *wh + a *wl rounded once, g = g0 + w h(w) with g0 a double-double */
    double ac = a <= 1.0 ? a : 1.0, w, g;
    w = *wh = cact_two_prod(ac, ac, wl);
    g = CACT_TANHSHRINK_G0_HI + (CACT_TANHSHRINK_G0_LO + cact_tanhshrink_g_tail(w) * w);
    return (ac * w + ac * *wl) * g;
}
CACT_INLINE double cact_tanhshrink_fwd_deriv_f64(double z, double *d)
{
    double a = fabs(z), e, wh, wl, r = cact_tanhshrink_poly(a, &wh, &wl);
    cact_exp_neg_x64(-2.0 * a, &e);
    /* a <= 1: tanh^2 = (a - r)^2 = a^2 - r(2a - r), a^2 = wh + wl;
       a > 1: tanh^2 = 1 - 4e/(1 + e)^2 */
    *d = a <= 1.0 ? wh + (wl - r * (2.0 * a - r)) : 1.0 - 4.0 * e / (1.0 + e * (2.0 + e));
    return copysign(a <= 1.0 ? r : (a - 1.0) + 2.0 * e / (1.0 + e), z);
}
CACT_INLINE double cact_tanhshrink_f64(double z)
{
    double a = fabs(z), e, wh, wl, r = cact_tanhshrink_poly(a, &wh, &wl);
    cact_exp_neg_x64(-2.0 * a, &e);
    return copysign(a <= 1.0 ? r : (a - 1.0) + 2.0 * e / (1.0 + e), z);
}
CACT_INLINE double cact_tanhshrink_derivative_f64(double z)
{
    double d;
    cact_tanhshrink_fwd_deriv_f64(z, &d);
    return d;
}

/* -------------------------------------------------------------- float32 */
/*
 * softplus (beta other than 1) and mish for float32 evaluate in double with the
 * accuracy float32 needs (intermediates to about 1e-9 relative): z is a
 * float, so 1 + z, 4 z and 6 + 4 z are exact in double, double's range holds
 * the float32 tails without the 2^64 scaling, and the single rounding to float
 * at the end also rounds subnormal results once.  exp is cact_exp_d32
 * (degree 7, 2e-10 relative) where it is only multiplied or added without
 * cancellation, cact_exp_d32_acc (about 1 ulp of double) for mish', whose
 * closed form cancels near its root: there the absolute error is a few ulp
 * of double, and the float32 nearest the root is 3.0e-9 away from it, so the
 * closed form keeps about 2^-26 relative accuracy without the polynomial of
 * the float64 function.  silu runs in float arithmetic (below).
 */
/* log1p(u) = u Q(2u - 1) for u in [0, 1] (NaN propagates), 1.3e-10 relative */
CACT_INLINE double cact_log1p_01_d32(double u)
{
    double s = 2.0 * u - 1.0, q;
    q = cact_log1p_d32_q(s);
    return u * q;
}

/*
 * softplus: t = beta z (rounded: its error is 2^-53 |t|, and |t| < 800 where
 * the result is not z, 0 or a float32 underflow), e = exp(-|t|),
 * (max(t, 0) + log1p(e)) (1/beta), z for t > 36 (as float64); derivative
 * sigmoid(t).  exp's argument is clamped at -700: beyond, exp(t)/beta rounds
 * to 0 in float32 for beta > 2^-850.  A smaller beta makes |t| < 2^-722 for
 * every finite float z (and the result overflow to inf), so t < -40 means
 * z = -inf there, whose value is 0 (the test of beta is loop-invariant).
 * 1/beta is loop-invariant too (its rounding adds 2^-53 relative).
 */
CACT_INLINE double cact_softplus_core_d32(double z, double beta, double *sig)
{
    double t = beta * z, em1;
    double h = t > 64.0 ? 64.0 : t;         /* NaN stays */
    double e = cact_exp_d32(cact_clamp700_neg(-fabs(h)), &em1);
    double y = ((h > 0.0 ? h : 0.0) + cact_log1p_01_d32(e)) * (1.0 / beta);
    *sig = (h >= 0.0 ? 1.0 : e) / (1.0 + e);
    y = beta < 0x1p-850 && t < -40.0 ? 0.0 : y;
    return t > 36.0 ? z : y;
}
CACT_INLINE float cact_softplus_fwd_deriv_wide_f32(float z, float *d, double beta,
                                                   double threshold)
{
    double s, y;
    (void)threshold;
    y = cact_softplus_core_d32((double)z, beta, &s);
    *d = (float)s;
    return (float)y;
}
CACT_SPLIT_FWD_DERIV(softplus, float, wide_f32, (, double beta, double threshold),
                     (, beta, threshold))
/* the derivative in double, for the float32 backward's product in double
   (a subnormal derivative times g rounded once) */
CACT_INLINE double cact_softplus_derivative_wide_d32(float z, double beta, double threshold)
{
    double s;
    (void)threshold;
    cact_softplus_core_d32((double)z, beta, &s);
    return s;
}
/*
 * softplus with beta = 1 and log_sigmoid for float32, in float arithmetic
 * (twice the lanes of double): with e = exp(-|z|) from cact_expm1_neg_f32 (as
 * in cact_sigmoid_f32, which the compiler then shares) and l = log1p(e)
 * (cact_log1p_01_f32, which gives e itself below 2^-24, so that a subnormal
 * e is rounded once),
 *   softplus(z) = max(z, 0) + l,     softplus'(z) = sigmoid(z),
 *   log_sigmoid(z) = min(z, 0) - l,  log_sigmoid'(z) = sigmoid(-z);
 * the two terms of each sum have the same sign.  Below z = -103.97 (exp(z) <
 * 2^-150) e and softplus round to 0; +inf gives inf and 1 (log_sigmoid: -inf
 * and 1 at -inf), NaN gives NaN.
 */
CACT_INLINE float cact_log1p_exp_neg_f32(float z, float *e)
{
    cact_expm1_neg_f32(-fabsf(z), e);
    return cact_log1p_01_f32(*e);
}
/*
 * The registry's guard: the float formulas above for beta = 1
 * (cact_softplus_f32_fast), the double ones for other beta.
 */
CACT_INLINE int cact_softplus_f32_fast(double beta, double threshold)
{
    (void)threshold;
    return beta == 1.0;
}
CACT_INLINE float cact_softplus_fwd_deriv_f32(float z, float *d, double beta, double threshold)
{
    float e, l = cact_log1p_exp_neg_f32(z, &e);
    (void)beta;
    (void)threshold;
    *d = cact_sigmoid_f32(z);
    return (z > 0.0f ? z : 0.0f) + l;
}
CACT_SPLIT_FWD_DERIV(softplus, float, f32, (, double beta, double threshold), (, beta, threshold))

/*
 * mish (e = exp(-|z|)), one division r = 1/M (z <= 0) or 1/D (z > 0):
 *   z <= 0: mish = z n/M, n = e(e + 2), M = n + 2;
 *           mish' = e B/M^2, B = 4(1 + z) + e(6 + 4z + e(4 + e));
 *   z >  0: mish = z (1 + 2e)/D, D = 1 + 2e(1 + e);
 *           mish' = 1 + 2e^2 (2z(1 + e) - D)/D^2.
 */
CACT_INLINE double cact_mish_d32(double z, double e, double *d)
{
    double zc = cact_clamp_mag(z, 150.0);                         /* NaN stays */
    double n = zc > 0.0 ? 1.0 + 2.0 * e : e * (e + 2.0);     /* n + c = M or D */
    double c = zc > 0.0 ? 2.0 * (e * e) : 2.0;
    double r = 1.0 / (n + c);
    double b = 4.0 * (1.0 + zc) + e * ((6.0 + 4.0 * zc) + e * (4.0 + e));
    double dp = c * (2.0 * zc * (1.0 + e) - (n + c));
    double dr = (zc > 0.0 ? dp : e * b) * (r * r);
    *d = zc > 0.0 ? 1.0 + dr : dr;
    return (z > 0.0 ? z : zc) * (n * r);
}

/* mish for float32 from cact_mish_d32, in double, rounded once: the
   derivative with e = exp(-|z|) from cact_exp_d32_acc (about 1 ulp of
   double: mish' cancels near its root), the value with cact_exp_d32 (2e-10
   relative, ample for a rounding to float).  In float arithmetic the
   roundings of e, e + 2, the products and the quotient of the value added
   up to 4.7 ULP (z = -3.2357, tools/ulp_f32.c). */
CACT_INLINE float cact_mish_derivative_f32(float z)
{
    double d, em1, e = cact_exp_d32_acc(cact_clamp700_neg(-fabs((double)z)), &em1);
    cact_mish_d32((double)z, e, &d);
    return (float)d;
}
CACT_INLINE float cact_mish_f32(float z)
{
    double d, em1, e = cact_exp_d32(cact_clamp700_neg(-fabs((double)z)), &em1);
    return (float)cact_mish_d32((double)z, e, &d);
}
CACT_FWD_DERIV_FROM_SPLIT(CACT_INLINE, mish, float, f32)

/*
 * silu for float32: the value in float arithmetic (twice the lanes of
 * double), with e = exp(-|z|) = (1 + p) s 2^-32 (cact_exp_neg_parts_f32) and
 * z clamped at -109 (NaN stays; below, every result rounds as at the clamp):
 *   silu = z/(1 + e) (z >= 0), ((z e 2^32)/(1 + e)) 2^-32 (z < 0),
 * the factor 2^-32 last, so that the subnormal results of the left tail are
 * rounded once: within 3.4 ULP (tools/ulp_f32.c).  silu' (below):
 *   silu' = (1 + e(1 + z))/(1 + e(2 + e)) (z >= 0),
 *           e ((1 + z) + e)/(1 + e(2 + e)) (z < 0),
 * 1 + z exact where (1 + z) + e cancels; near the root z0 of silu',
 * |z - hi| <= 0.2, silu' = ((z - hi) - lo) q(z - hi) in float instead
 * (z0 = hi + lo as floats, z - hi exact, q below with q(0) as hi + lo).
 */
/* SILU float32: root -1.278464542761073795109359 = hi + lo; silu'(z) = ((z - hi) - lo) q(z - hi) for |z - hi| <= 0.2, q of degree 6: relative error 3.8e-09 */
#define CACT_SILU_ROOT_HI_F32 -0x1.4749740000000p+0f
#define CACT_SILU_ROOT_LO_F32 0x1.bdf6fa0000000p-27f
#define CACT_SILU_NEAR_F32 0.2f
CACT_INLINE float cact_silu_q_f32(float d)
{
    float p = 0x1.a1261c0000000p-11f;
    p = p * d + 0x1.2499ec0000000p-13f;
    p = p * d + -0x1.b0f7360000000p-8f;
    p = p * d + -0x1.f2d30a0000000p-7f;
    p = p * d + 0x1.353eb60000000p-6f;
    p = p * d + 0x1.2c56340000000p-3f;
    return 0x1.be14100000000p-3f + (0x1.27ad300000000p-33f + p * d);
}
/* the forward value from es = e 2^32 and zc (z clamped at -109 below, and
   above or not) */
CACT_INLINE float cact_silu_y_f32(float z, float zc, float es)
{
    float o = 1.0f + es * 0x1p-32f, sc = z >= 0.0f ? 1.0f : 0x1p-32f;
    float q = (z >= 0.0f ? z : zc * es) / o;       /* apart: see cact_silu_e */
    return q * sc;
}
/*
 * silu' for float32.  With FMA, in float arithmetic (twice the lanes of
 * double): z clamped at -109 below (NaN stays), e = exp(-|z|) as the pair
 * e 2^32 = esh + esl from the exponential's parts (esl the exact remainder
 * of esh = s (1 + p)), 1 + e = o + ol (1 + e rounded, ol its remainder with
 * e's low part), (1 + e)^2 = o^2 + 2 o ol rounded once (fma), w = 1 + z
 * (exact for z <= -1/2, where (1 + z) + e may cancel), and
 *   silu' = (2^32 + esh w) / (1 + e)^2 2^-32                      (z >= 0),
 *           (e 2^32 ((1 + z) + e)) / (1 + e)^2 2^-32               (z <  0),
 * (1 + z) + e = f + fl by TwoSum, the product e 2^32 (f + fl) rounded once
 * (fma); the factor 2^-32 last, so that the subnormal results of the left
 * tail are rounded about once, and a single division, whose numerator is
 * selected (with the scale selected too, GCC divides on both arms).  Near
 * the root the polynomial as without FMA, below.  Worst 2.9 ULP over every
 * float against the float64 function (tools/ulp_f32.c; z = -1.034, the
 * roundings of the product, of (1 + e)^2 and of the quotient, and e's error
 * amplified by e/|(1 + z) + e| <= 1.4 outside the root's window); in plain
 * float, without the pairs, 4.1 ULP.  Above 109 silu' is 1, selected last
 * (+inf makes esh w infinite).
 *
 * Without FMA, in double arithmetic, rounded once: e = exp(-|z|) from
 * cact_exp_d32 (2e-10 relative, which the closed form for z < 0 amplifies by
 * at most e/|f| < 1.4, f = (1 + z) + e, outside the window of the root), the
 * closed forms of float64 (cact_silu_deriv_closed), and the float polynomial
 * near the root; below -800 z is clamped (-inf would make e ((1 + z) + e)
 * infinite; the result rounds to -0 there).
 */
/* the closed form's value dc, or the polynomial near the root, or 1 above 109 */
CACT_INLINE float cact_silu_deriv_select_f32(float z, float dc)
{
    float dh = z - CACT_SILU_ROOT_HI_F32;
    float dnear = (dh - CACT_SILU_ROOT_LO_F32) * cact_silu_q_f32(dh);
    float dv = fabsf(dh) <= CACT_SILU_NEAR_F32 ? dnear : dc;
    return z > 109.0f ? 1.0f : dv;
}
#ifdef __FP_FAST_FMAF
CACT_INLINE float cact_silu_derivative_f32(float z)
{
    float p, s, zc = z < -109.0f ? -109.0f : z;          /* NaN stays */
    cact_exp_neg_parts_f32(-fabsf(zc), &p, &s);
    float esh = __builtin_fmaf(s, p, s), esl = __builtin_fmaf(s, p, s - esh);
    float eh = esh * 0x1p-32f, el = esl * 0x1p-32f;
    float o = 1.0f + eh, ol = ((1.0f - o) + eh) + el;
    float den = __builtin_fmaf(o, o, (o + o) * ol);
    float w = 1.0f + zc;
    float f = w + eh, bv = f - w, fl = (w - (f - bv)) + (eh - bv);
    float nn = __builtin_fmaf(esh, f, __builtin_fmaf(esh, fl, esl * f));
    float np = __builtin_fmaf(esh, w, 0x1p32f);
    return cact_silu_deriv_select_f32(z, ((z >= 0.0f ? np : nn) / den) * 0x1p-32f);
}
#else
CACT_INLINE float cact_silu_derivative_f32(float z)
{
    double em1, zd = z < -800.0f ? -800.0 : (double)z;       /* NaN stays */
    double e = cact_exp_d32(cact_clamp700_neg(-fabs(zd)), &em1);
    return cact_silu_deriv_select_f32(z, (float)cact_silu_deriv_closed(zd, zd, e, e, 1.0));
}
#endif
/* the forward alone needs z clamped below only (exp clamps its argument at -109
   too), which saves the compares and selects of the upper clamp */
CACT_INLINE float cact_silu_f32(float z)
{
    float p, s, zc = z < -109.0f ? -109.0f : z;          /* NaN stays */
    cact_exp_neg_parts_f32(-fabsf(zc), &p, &s);
    return cact_silu_y_f32(z, zc, s + s * p);
}
CACT_FWD_DERIV_FROM_SPLIT(CACT_INLINE, silu, float, f32)

CACT_INLINE float cact_log_sigmoid_fwd_deriv_f32(float z, float *d)
{
    float e, l = cact_log1p_exp_neg_f32(z, &e);
    *d = cact_sigmoid_f32(-z);
    return (z < 0.0f ? z : 0.0f) - l;
}
CACT_SPLIT_FWD_DERIV(log_sigmoid, float, f32, (), ())

/*
 * tanhshrink for float32.  With FMA, in float arithmetic (twice the SIMD
 * lanes), a = |z|:
 *   a <= 1: r = a^3 g(a^2), g = (a - tanh a)/a^3 = 1/3 - w h(w), w = a^2, h of
 *           degree 6 (relative error of g 7e-9);
 *           a^2 and a^3 as exact float pairs (FMA), g as gh + gl with
 *           gh = 1/3 + x rounded, x = -w h(w) in [-0.1, 0] and gl its exact
 *           remainder, so that r is rounded about once; a^3 is scaled by
 *           2^48 so that its low part does not underflow where r is tiny.
 *           Derivative tanh^2 = w (1 + w u(w)) = w + w t, t = w u(w), u
 *           of degree 7 (relative error 3.5e-9), with a^2 = w + wl:
 *           w + (t w + wl (1 + 2t));
 *   a > 1:  (a - 1) + 2e/(1 + e), e = exp(-2a) = eh + el (el the exact
 *           remainder of eh = s(1 + p)), 1 + e = o + ol, the quotient q
 *           corrected by (2 el - q ol)/o (1/o taken as 2 - o); a - 1 is
 *           exact for a <= 2.  Derivative 1 - 4e/(1 + e(2 + e)), where at
 *           most 0.42 is subtracted.
 * Worst 1.22 ULP (value) and 1.61 ULP (derivative) over every float.  Without
 * FMA, in double with float32's accuracy: a = |z| and a^2 are exact,
 * a^3 g(2 a^2 - 1) for a <= 1 (g below, 4e-11 relative), (a - 1) + 2e/(1 + e)
 * with e = exp(-2a) (cact_exp_d32) beyond; the derivative tanh(a)^2 from
 * tanh a = -expm1(-2a)/(1 + e) for every a (the expm1 of cact_exp_d32 keeps
 * its relative accuracy, about 1e-9, near 0, so no polynomial is needed for
 * float32 here); rounded once to float.
 */
#ifdef __FP_FAST_FMAF
CACT_INLINE float cact_tanhshrink_fwd_deriv_f32(float z, float *d)
{
    /* h(w) = (1/3 - g(w))/w = 2/15 - 17w/315 + ..., degree 6, and u(w) =
       ((tanh a / a)^2 - 1)/w = -2/3 + 17w/45 - ..., degree 7: float
       coefficients, the constant term first (tools/fit_family_f32.py
       --tanhshrink-f32) */
    static const float h[7] = {
        0x1.1110fap-3f, -0x1.ba128cp-5f, 0x1.65b09ap-6f, -0x1.1d291ap-7f,
        0x1.a50612p-9f, -0x1.e5df98p-11f, 0x1.2d1b2ap-13f,
    };
    static const float u[8] = {
        -0x1.55554ap-1f, 0x1.82d554p-2f, -0x1.92d99cp-3f, 0x1.8c9bfcp-4f,
        -0x1.6d71a8p-5f, 0x1.248096p-6f, -0x1.567cc4p-8f, 0x1.9ad9a8p-11f,
    };
    const float c0h = 0x1.555556p-2f, c0l = -0x1.555556p-27f;   /* 1/3 */
    float a = fabsf(z), wh = a * a, wl = __builtin_fmaf(a, a, -wh);
    float as = a * 0x1p48f, c = as * wh, cl = __builtin_fmaf(as, wh, -c) + as * wl;
    float x = c0l - cact_horner_f32(wh, h, 7) * wh, gh = c0h + x, gl = (c0h - gh) + x;
    float r = __builtin_fmaf(c, gh, __builtin_fmaf(c, gl, cl * gh)) * 0x1p-48f;
    float p, s, e, el, o, ol, q, t;
    cact_exp_neg_parts_f32(-2.0f * a, &p, &s);
    s *= 0x1p-32f;                                  /* a power of 2 */
    e = __builtin_fmaf(s, p, s);
    el = __builtin_fmaf(s, p, s - e);
    o = 1.0f + e;
    ol = ((1.0f - o) + e) + el;
    q = 2.0f * e / o;
    t = wh * cact_horner_f32(wh, u, 8);
    *d = a <= 1.0f ? wh + __builtin_fmaf(t, wh, wl * __builtin_fmaf(2.0f, t, 1.0f))
                   : 1.0f - 4.0f * e / (1.0f + e * (2.0f + e));
    q = __builtin_fmaf(__builtin_fmaf(-q, ol, 2.0f * el), 2.0f - o, q);
    return copysignf(a <= 1.0f ? r : (a - 1.0f) + q, z);
}
#else
/* (a - tanh a) / a^3, degree 9 in s = 2 a^2 - 1, a in [0, 1]: relative error 3.8e-11 */
CACT_INLINE double cact_tanhshrink_g_d32(double s)
{
    double e0_0 = 0x1.fc6213b2cb633p-8 + s * -0x1.5691ea297ea3cp-10;
    double e0_1 = 0x1.cdc607aaa08efp-13 + s * -0x1.373ad540ee615p-15;
    double e0_2 = 0x1.a2bca439341e4p-18 + s * -0x1.1a39820b38909p-20;
    double e0_3 = 0x1.997fc4fc62e75p-23 + s * -0x1.13ff9c7ed3c87p-25;
    double s2 = s * s;
    double e1_0 = e0_0 + s2 * e0_1;
    double e1_1 = e0_2 + s2 * e0_3;
    double s4 = s2 * s2;
    double e2_0 = e1_0 + s4 * e1_1;
    return 0x1.1c8e0ec0c8b18p-2 + s * (-0x1.79ce0c25f48b6p-5 + s * e2_0);
}
CACT_INLINE double cact_tanhshrink_d32(double z, double *d)
{
    double a = fabs(z), em1, ac = a <= 1.0 ? a : 1.0, w = ac * ac;
    double e = cact_exp_d32(cact_clamp700_neg(-2.0 * a), &em1), o = 1.0 + e;
    double r = (ac * w) * cact_tanhshrink_g_d32(2.0 * w - 1.0);
    double th = em1 / o;                                    /* -tanh a */
    *d = th * th;
    return copysign(a <= 1.0 ? r : (a - 1.0) + 2.0 * e / o, z);
}
CACT_F32_FROM_D32(cact_tanhshrink_fwd_deriv_f32, cact_tanhshrink_d32, (), ())
#endif
CACT_SPLIT_FWD_DERIV(tanhshrink, float, f32, (), ())

#endif /* CACT_FAMILY_EXP_H */
