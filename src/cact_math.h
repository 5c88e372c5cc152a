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
 * The float32 forward functions and derivatives evaluate the float64 formula in
 * registers and round once, so their results are within about half an ULP; the
 * float64 ones are within a few ULP (checked against mpmath by the tests).
 * Every function is total: NaN in gives NaN out, +-inf give the limits, and no
 * intermediate overflows for finite input.
 */
#ifndef CACT_MATH_H
#define CACT_MATH_H

#include <math.h>

#define CACT_INLINE static inline

/* Float32 variants of a unary double formula: widen, evaluate, round once. */
#define CACT_F32_FROM_F64(NAME) \
    CACT_INLINE float NAME##_f32(float z) { return (float)NAME##_f64((double)z); }

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

/* -------------------------------------------------------------- sigmoid */
/* e = exp(-|z|) in (0, 1]: sigma = 1/(1+e) for z >= 0, e/(1+e) for z < 0. */
CACT_INLINE double cact_sigmoid_f64(double z)
{
    double e = exp(-fabs(z));
    return (z >= 0.0 ? 1.0 : e) / (1.0 + e);
}
/* sigma'(z) = e / (1+e)^2: relative accuracy kept in both tails. */
CACT_INLINE double cact_sigmoid_derivative_f64(double z)
{
    double e = exp(-fabs(z));
    double s = 1.0 + e;
    return e / (s * s);
}
CACT_INLINE double cact_sigmoid_fwd_deriv_f64(double z, double *d)
{
    double e = exp(-fabs(z));
    double s = 1.0 + e;
    *d = e / (s * s);
    return (z >= 0.0 ? 1.0 : e) / s;
}
CACT_F32_FROM_F64(cact_sigmoid)
CACT_F32_FROM_F64(cact_sigmoid_derivative)
CACT_INLINE double cact_sigmoid_backward_f64(double g, double y) { return g * (y * (1.0 - y)); }
CACT_INLINE float cact_sigmoid_backward_f32(float g, float y) { return g * (y * (1.0f - y)); }

/* ----------------------------------------------------------------- tanh */
/*
 * a = |z|.  For a < 0.55 (tanh a < 0.5): t = expm1(-2a) in (-0.67, 0],
 * tanh a = -t / (2 + t), and e = exp(-2a) = 1 + t.  For a >= 0.55:
 * e = exp(-2a) <= 0.33 and tanh a = (1 - e) / (1 + e) without cancellation.
 * 1 - tanh^2 = 4e / (1 + e)^2 in both cases.
 */
CACT_INLINE double cact_tanh_abs_f64(double a, double *e_out)
{
    double e, y;
    if (a < 0.55) {
        double t = expm1(-2.0 * a);
        e = 1.0 + t;
        y = -t / (2.0 + t);
    } else {
        e = exp(-2.0 * a);
        y = (1.0 - e) / (1.0 + e);
    }
    *e_out = e;
    return y;
}
CACT_INLINE double cact_tanh_f64(double z)
{
    double e;
    return copysign(cact_tanh_abs_f64(fabs(z), &e), z);
}
CACT_INLINE double cact_tanh_derivative_f64(double z)
{
    double e = exp(-2.0 * fabs(z));
    double s = 1.0 + e;
    return 4.0 * e / (s * s);
}
CACT_INLINE double cact_tanh_fwd_deriv_f64(double z, double *d)
{
    double e, y = cact_tanh_abs_f64(fabs(z), &e);
    double s = 1.0 + e;
    *d = 4.0 * e / (s * s);
    return copysign(y, z);
}
CACT_F32_FROM_F64(cact_tanh)
CACT_F32_FROM_F64(cact_tanh_derivative)
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
    *r_out = isfinite(d) ? r : 0.0;
    return d;
}

/*
 * exp(a - b) with the rounding error r of the subtraction carried into the
 * exponential: exp(d + r) = exp(d) (1 + r + O(r^2)), |r| <= ulp(d) / 2.
 */
CACT_INLINE double cact_exp_diff(double a, double b, double *d_out, double *r_out)
{
    double d = cact_two_diff(a, b, r_out);
    double e = exp(d);
    *d_out = d;
    return e + e * *r_out;
}

/*
 * One step of Kahan's compensated summation: *s += x with the rounding error
 * kept in *c.  Once the sum overflows, the compensation (inf - inf) is reset
 * so the sum stays inf instead of turning NaN; a NaN term still gives NaN.
 */
CACT_INLINE void cact_kahan_add(double *s, double *c, double x)
{
    double u = x - *c;
    double v = *s + u;
    double w = (v - *s) - u;
    *c = w == w ? w : 0.0;
    *s = v;
}

#endif /* CACT_MATH_H */
