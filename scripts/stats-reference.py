#!/usr/bin/env python3
"""Reference values for the TypeScript statistics engine (server/analysis/stats).

Independent implementation on scipy (Student-t, normal, chi-square) following
GrowthBook gbstats' frequentist tests; run with the system interpreter:

    /usr/bin/python3 scripts/stats-reference.py > server/analysis/stats/reference-cases.json
"""
import json
import math

import numpy as np
from scipy import stats

GB_CONTROL = {"n": 3407, "sum": 1396.87, "sumSquares": 52377.9767}
GB_TREATMENT = {"n": 3461, "sum": 2422.7, "sumSquares": 134698.29}


def mean_moments(s):
    n = s["n"]
    m = s["sum"] / n
    v = (s["sumSquares"] - s["sum"] ** 2 / n) / (n - 1)
    return n, m, v


def prop_moments(s):
    n = s["n"]
    p = s["sum"] / n
    return n, p, p * (1 - p)


def ratio_moments(s):
    n = s["n"]
    num, den = s["numerator"], s["denominator"]
    mm, md = num["sum"] / n, den["sum"] / n
    vm = (num["sumSquares"] - num["sum"] ** 2 / n) / (n - 1)
    vd = (den["sumSquares"] - den["sum"] ** 2 / n) / (n - 1)
    cov = (s["sumProduct"] - num["sum"] * den["sum"] / n) / (n - 1)
    v = vm / md**2 - 2 * cov * mm / md**3 + mm**2 * vd / md**4
    return n, mm / md, v


def effect(c, t, difference):
    nc, mc, vc = c
    nt, mt, vt = t
    if difference == "relative":
        eff = mt / mc - 1
        var = vt / (mc**2 * nt) + vc * mt**2 / (mc**4 * nc)
    else:
        eff = mt - mc
        var = vt / nt + vc / nc
    df = (vt / nt + vc / nc) ** 2 / (vt**2 / (nt**2 * (nt - 1)) + vc**2 / (nc**2 * (nc - 1)))
    return eff, var, df, nc + nt


def fixed(c, t, difference, alpha):
    eff, var, df, _ = effect(c, t, difference)
    se = math.sqrt(var)
    w = stats.t.ppf(1 - alpha / 2, df) * se
    p = 2 * stats.t.sf(abs(eff / se), df)
    return {"effect": eff, "ci": [eff - w, eff + w], "stddev": se, "pValue": p}


def sequential(c, t, difference, alpha, tuning):
    eff, var, _, n = effect(c, t, difference)
    se = math.sqrt(var)
    rho = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)
    s2 = var * n
    hw = math.sqrt(s2) * math.sqrt(2 * (n * rho**2 + 1) * math.log(math.sqrt(n * rho**2 + 1) / alpha) / (n * rho) ** 2)
    st2 = eff**2 * n / var
    tr2p1 = n * rho**2 + 1
    evalue = math.exp(rho**2 * st2 / (2 * tr2p1)) / math.sqrt(tr2p1)
    return {"effect": eff, "ci": [eff - hw, eff + hw], "stddev": se, "pValue": min(1 / evalue, 1)}


def case(name, metric, difference, alpha, control, treatment, seq=None):
    mom = {"mean": mean_moments, "proportion": prop_moments, "ratio": ratio_moments}[metric]
    c, t = mom(control), mom(treatment)
    expected = sequential(c, t, difference, alpha, seq["tuning"]) if seq else fixed(c, t, difference, alpha)
    out = {"name": name, "metric": metric, "difference": difference, "alpha": alpha, "control": control, "treatment": treatment}
    if seq:
        out["sequential"] = seq
    out["expected"] = expected
    return out


def suff(x):
    return {"n": int(len(x)), "sum": float(np.sum(x)), "sumSquares": float(np.sum(x * x))}


def ratio_suff(num, den):
    return {
        "n": int(len(num)),
        "numerator": {"sum": float(num.sum()), "sumSquares": float((num * num).sum())},
        "denominator": {"sum": float(den.sum()), "sumSquares": float((den * den).sum())},
        "sumProduct": float((num * den).sum()),
    }


def main():
    rng = np.random.default_rng(20240501)
    cases = [
        case("gbstats reference, relative", "mean", "relative", 0.05, GB_CONTROL, GB_TREATMENT),
        case("gbstats data, absolute", "mean", "absolute", 0.05, GB_CONTROL, GB_TREATMENT),
        case("gbstats data, relative, alpha 0.1", "mean", "relative", 0.1, GB_CONTROL, GB_TREATMENT),
        case("gbstats data, sequential relative", "mean", "relative", 0.05, GB_CONTROL, GB_TREATMENT, {"tuning": 5000}),
        case("gbstats data, sequential absolute tuning 1000", "mean", "absolute", 0.05, GB_CONTROL, GB_TREATMENT, {"tuning": 1000}),
    ]
    lat_c = rng.lognormal(6.0, 0.5, 400)
    lat_t = rng.lognormal(5.9, 0.6, 380)
    cases.append(case("small unequal-variance latency, absolute", "mean", "absolute", 0.05, suff(lat_c), suff(lat_t)))
    cases.append(case("small unequal-variance latency, relative", "mean", "relative", 0.05, suff(lat_c), suff(lat_t)))
    cases.append(case("tiny arms (df ~ 10)", "mean", "absolute", 0.05, suff(rng.normal(10, 1, 6)), suff(rng.normal(11, 3, 7))))
    cases.append(case("latency, sequential relative", "mean", "relative", 0.05, suff(lat_c), suff(lat_t), {"tuning": 5000}))
    cases.append(case("accuracy, proportions absolute", "proportion", "absolute", 0.05, {"n": 1200, "sum": 912}, {"n": 1180, "sum": 861}))
    cases.append(case("accuracy, proportions relative", "proportion", "relative", 0.05, {"n": 1200, "sum": 912}, {"n": 1180, "sum": 861}))
    cases.append(case("conversion, proportions sequential", "proportion", "absolute", 0.05, {"n": 20000, "sum": 1000}, {"n": 20100, "sum": 1150}, {"tuning": 5000}))
    correct_c = (rng.random(900) < 0.8).astype(float)
    correct_t = (rng.random(950) < 0.78).astype(float)
    cost_c = rng.gamma(4.0, 0.5, 900)
    cost_t = rng.gamma(4.0, 0.4, 950)
    cases.append(case("cost per correct answer, ratio relative", "ratio", "relative", 0.05, ratio_suff(cost_c, correct_c), ratio_suff(cost_t, correct_t)))
    cases.append(case("cost per correct answer, ratio absolute", "ratio", "absolute", 0.05, ratio_suff(cost_c, correct_c), ratio_suff(cost_t, correct_t)))

    # Cross-check the absolute Welch p-value against scipy's own Welch test.
    for c in cases:
        if c["metric"] == "mean" and c["difference"] == "absolute" and "sequential" not in c:
            n1, m1, v1 = mean_moments(c["control"])
            n2, m2, v2 = mean_moments(c["treatment"])
            r = stats.ttest_ind_from_stats(m2, math.sqrt(v2), n2, m1, math.sqrt(v1), n1, equal_var=False)
            assert abs(r.pvalue - c["expected"]["pValue"]) < 1e-10, (c["name"], r.pvalue)

    distributions = {
        "studentTCdf": [{"x": x, "df": df, "value": float(stats.t.cdf(x, df))} for x, df in [(-2.5, 3), (1.0, 1), (0.3, 7.5), (2.0, 30), (-1.96, 5841.74), (4.0, 2)]],
        "studentTQuantile": [{"p": p, "df": df, "value": float(stats.t.ppf(p, df))} for p, df in [(0.975, 1), (0.975, 5), (0.95, 12.3), (0.975, 5841.74), (0.001, 4), (0.9995, 100)]],
        "normalCdf": [{"x": x, "value": float(stats.norm.cdf(x))} for x in [-6, -1.96, 0, 0.5, 3.2]],
        "normalQuantile": [{"p": p, "value": float(stats.norm.ppf(p))} for p in [1e-8, 0.025, 0.5, 0.9, 0.999]],
        "chiSquareSurvival": [{"x": x, "df": df, "value": float(stats.chi2.sf(x, df))} for x, df in [(3.84, 1), (10.83, 1), (5.0, 2), (20.0, 3), (0.1, 4)]],
    }
    srm = []
    for counts, weights in [([5000, 5000], [50, 50]), ([5000, 5200], [50, 50]), ([1000, 1180], [50, 50]), ([900, 100], [90, 10]), ([3300, 3300, 3600], [1, 1, 1])]:
        tot = sum(counts)
        exp = [tot * w / sum(weights) for w in weights]
        r = stats.chisquare(counts, exp)
        srm.append({"counts": counts, "weights": weights, "chiSquare": float(r.statistic), "pValue": float(r.pvalue)})

    noninf = []
    # One-sided Welch test of H0: effect <= -margin (higher is better), fixed horizon.
    for control, treatment, margin in [({"n": 1200, "sum": 912}, {"n": 1180, "sum": 861}, 0.02), ({"n": 1200, "sum": 912}, {"n": 1180, "sum": 861}, 0.05)]:
        c, t = prop_moments(control), prop_moments(treatment)
        eff, var, df, _ = effect(c, t, "absolute")
        se = math.sqrt(var)
        noninf.append({
            "metric": "proportion", "difference": "absolute", "direction": "higher-is-better", "margin": margin, "alpha": 0.05,
            "control": control, "treatment": treatment,
            "expected": {"pValue": float(stats.t.sf((eff + margin) / se, df)), "bound": eff - stats.t.ppf(0.95, df) * se},
        })

    print(json.dumps({"generatedBy": "scripts/stats-reference.py", "scipy": __import__("scipy").__version__, "cases": cases,
                      "distributions": distributions, "srm": srm, "nonInferiority": noninf}, indent=2))


if __name__ == "__main__":
    main()
