/*
 * Every per-element function of cactivations, the one header the kernels
 * include: cact_math.h (exp/expm1, sigmoid, tanh, logit, the sums),
 * cact_family_pwl.h (relu, relu6, leaky_relu, hardtanh, hardsigmoid,
 * hardswish), cact_family_erf.h (elu, selu, celu, gelu, gelu_tanh) and
 * cact_family_exp.h (softplus, log_sigmoid, silu, mish, softsign, tanhshrink).
 */
#ifndef CACT_ACTIVATIONS_H
#define CACT_ACTIVATIONS_H
#include <stddef.h>
#include "cact_math.h"
#include "cact_family_pwl.h"
#include "cact_family_erf.h"
#include "cact_family_exp.h"
#endif
