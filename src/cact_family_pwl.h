/*
 * cact_family_pwl.h: the piecewise-linear activations (relu, relu6,
 * leaky_relu, hardsigmoid, hardswish, hardtanh), with the interface of
 * cact_math.h: cact_NAME_T(z, params...), cact_NAME_derivative_T(z, params...),
 * cact_NAME_fwd_deriv_T(z, &d, params...), and for relu (whose backward works
 * from the saved output) cact_relu_backward_T(g, y).  The parameters are
 * doubles, rounded to the dtype once.
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

#define CACT_PWL(T, C)                                                         \
/* relu */                                                                     \
CACT_INLINE C cact_relu_##T(C z) { return z < (C)0 ? (C)0 : z; }               \
CACT_INLINE C cact_relu_derivative_##T(C z)                                    \
{ return z > (C)0 ? (C)1 : (z == z ? (C)0 : z); }                              \
CACT_INLINE C cact_relu_fwd_deriv_##T(C z, C *d)                               \
{ *d = cact_relu_derivative_##T(z); return cact_relu_##T(z); }                 \
/* from the saved output: y > 0 exactly where z > 0 */                         \
CACT_INLINE C cact_relu_backward_##T(C g, C y)                                 \
{ return y > (C)0 ? g : (y == y ? (C)0 : y); }                                 \
/* hardtanh: clamp to [lo, hi] */                                              \
CACT_INLINE C cact_hardtanh_##T(C z, double lo, double hi)                     \
{ return z < (C)lo ? (C)lo : (z > (C)hi ? (C)hi : z); }                        \
CACT_INLINE C cact_hardtanh_derivative_##T(C z, double lo, double hi)          \
{ return (z > (C)lo && z < (C)hi) ? (C)1 : (z == z ? (C)0 : z); }              \
CACT_INLINE C cact_hardtanh_fwd_deriv_##T(C z, C *d, double lo, double hi)     \
{ *d = cact_hardtanh_derivative_##T(z, lo, hi); return cact_hardtanh_##T(z, lo, hi); } \
/* relu6 = hardtanh(z, 0, 6) */                                                \
CACT_INLINE C cact_relu6_##T(C z) { return cact_hardtanh_##T(z, 0.0, 6.0); }   \
CACT_INLINE C cact_relu6_derivative_##T(C z)                                   \
{ return cact_hardtanh_derivative_##T(z, 0.0, 6.0); }                          \
CACT_INLINE C cact_relu6_fwd_deriv_##T(C z, C *d)                              \
{ return cact_hardtanh_fwd_deriv_##T(z, d, 0.0, 6.0); }                        \
/* leaky_relu */                                                               \
CACT_INLINE C cact_leaky_relu_##T(C z, double s)                               \
{ return z > (C)0 ? z : (C)((double)z * s); }                                  \
CACT_INLINE C cact_leaky_relu_derivative_##T(C z, double s)                    \
{ return z > (C)0 ? (C)1 : (z == z ? (C)s : z); }                              \
CACT_INLINE C cact_leaky_relu_fwd_deriv_##T(C z, C *d, double s)               \
{ *d = cact_leaky_relu_derivative_##T(z, s); return cact_leaky_relu_##T(z, s); } \
/* hardsigmoid = min(max(z + 3, 0), 6) / 6 */                                  \
CACT_INLINE C cact_hardsigmoid_##T(C z)                                        \
{                                                                              \
    C x = z + (C)3;                                                            \
    return x <= (C)0 ? (C)0 : (x >= (C)6 ? (C)1 : x / (C)6);                  \
}                                                                              \
CACT_INLINE C cact_hardsigmoid_derivative_##T(C z)                             \
{ return (z > (C)-3 && z < (C)3) ? (C)1 / (C)6 : (z == z ? (C)0 : z); }        \
CACT_INLINE C cact_hardsigmoid_fwd_deriv_##T(C z, C *d)                        \
{ *d = cact_hardsigmoid_derivative_##T(z); return cact_hardsigmoid_##T(z); }   \
/* hardswish = z min(max(z + 3, 0), 6) / 6: 0 for z <= -3 (also at -inf), z   \
 * itself for z >= 3 (z * 6 / 6 would overflow near the largest float), and   \
 * z (z + 3) / 6 in between, rounded as PyTorch rounds it */                  \
CACT_INLINE C cact_hardswish_##T(C z)                                          \
{                                                                              \
    C x = z + (C)3;                                                            \
    return x <= (C)0 ? (C)0 : (x >= (C)6 ? z : z * x / (C)6);                 \
}                                                                              \
CACT_INLINE C cact_hardswish_derivative_##T(C z)                               \
{                                                                              \
    /* (2z + 3)/6 = z/3 + 1/2, rounded twice at most, exact where 2z + 3 cancels */ \
    return z <= (C)-3 ? (C)0 : (z < (C)3 ? ((C)2 * z + (C)3) / (C)6 : (z == z ? (C)1 : z)); \
}                                                                              \
CACT_INLINE C cact_hardswish_fwd_deriv_##T(C z, C *d)                          \
{ *d = cact_hardswish_derivative_##T(z); return cact_hardswish_##T(z); }

CACT_PWL(f64, double)
CACT_PWL(f32, float)

#endif
