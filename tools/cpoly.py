"""C source of a polynomial evaluated by Estrin's scheme, for the fit tools.

Horner's rule p = (...(c_n t + c_(n-1)) t + ...) + c_0 is a chain of n
dependent fused multiply-adds; in a vectorized loop that chain's latency, not
the arithmetic, sets the speed.  Estrin's scheme pairs the coefficients,
c_(2i) + t c_(2i+1), then pairs those with t^2, then with t^4, ...: about
log2(n) dependent steps, the same number of operations plus the powers of t.
Its rounding error is bounded by the same sum |c_k t^k| as Horner's (with a
smaller factor: fewer roundings on each path), which the fit tools print.  The
two lowest-degree terms, which dominate, are still added by Horner's rule last,
so that the Estrin part's rounding is damped by their weight: measured with
tools/family_check.py and tools/family_check_erf.py, no worst case is larger
than with Horner's rule, where all terms by Estrin's scheme had raised gelu_tanh'
(float64) from 2.07 to 3.27 ULP and tanhshrink from 1.84 to 2.16.
"""


def estrin_body(coef, var="t", ctype="double", lit=float.hex, indent="    ", horner=2):
    """Lines of a C function body returning sum coef[k] var^k by Estrin's scheme.

    coef: the coefficients, highest degree first (mpmath.chebyfit's order);
    lit: how a coefficient is written as a C literal;
    horner: how many of the lowest-degree coefficients are applied last by
    Horner's rule, c_0 + t (c_1 + ... + t E(t)), so that the rounding of the
    Estrin part E counts in proportion to its share of the sum.
    """
    terms = [lit(c) for c in reversed(coef)]         # lowest degree first
    low, terms = terms[:horner], terms[horner:]
    lines, power, level = [], var, 0
    while len(terms) > 1:
        if level:
            lines.append(f"{indent}{ctype} {var}{2 ** level} = {power} * {power};")
            power = f"{var}{2 ** level}"
        paired = []
        for i in range(0, len(terms) - 1, 2):
            name = f"e{level}_{i // 2}"
            lines.append(f"{indent}{ctype} {name} = {terms[i]} + {power} * {terms[i + 1]};")
            paired.append(name)
        if len(terms) % 2:
            paired.append(terms[-1])
        terms, level = paired, level + 1
    result = terms[0]
    for c in reversed(low):
        result = f"{c} + {var} * {result if result.isidentifier() else f'({result})'}"
    lines.append(f"{indent}return {result};")
    return lines


if __name__ == "__main__":
    print("\n".join(estrin_body([1.0, 2.0, 3.0, 4.0, 5.0], lit=repr)))
