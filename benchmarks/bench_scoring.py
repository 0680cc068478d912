"""Scoring throughput: 5,000 realistic circles scored in-process, beside a baseline.

    python benchmarks/bench_scoring.py [--circles N] [--repeat R]

Prints figures and asserts nothing (tests never assert wall-clock times). The target is
5,000 circles in at most one second; the baseline is ``json.dumps`` of the same records in
the same run, so a slow machine shows as a slow baseline too.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jnqh import forms  # noqa: E402
from jnqh.score.rubric import Rubric  # noqa: E402
from jnqh.score.items import score_many  # noqa: E402


def _some(rng: random.Random, options, low: int, high: int | None = None) -> list[str]:
    labels = [o.label for o in options]
    return rng.sample(labels, rng.randint(low, min(high or len(labels), len(labels))))


def _blank(rng: random.Random, value, share: float = 0.05):
    """Counties leave some facts blank; the scorer must explain those too."""
    return None if rng.random() < share else value


def realistic_circle(rng: random.Random, number: int) -> dict:
    """A circle as `jnqh check` would hand it over, with county-like variety."""
    outlets = {c.id: rng.randint(0, 60) for c in forms.CATEGORIES}
    chains = {cid: rng.randint(0, n // 2) for cid, n in outlets.items()}
    categories = {cid: {"outlets": n, "staff_10k": round(n * 0.0004, 4), "chain": chains[cid],
                        "satisfaction_pct": rng.randint(75, 100), "needs": None} for cid, n in outlets.items()}
    residents = round(rng.uniform(0.3, 3.0), 2)
    total = None if rng.random() < 0.1 else {
        "outlets": sum(outlets.values()), "staff_10k": None, "chain": sum(chains.values()),
        "satisfaction_pct": rng.randint(80, 99), "needs": None}
    return {
        "name": f"生活圈{number:05d}", "county": rng.choice(forms.COUNTIES), "as_of": "2024-06-30",
        "operators": ["street_community"], "layout": "clustered", "boundaries": "东至…西至…",
        "communities": [f"社区{number}-{k}" for k in range(rng.randint(1, 4))], "platform": None,
        "centers": rng.randint(0, 3), "residents_10k": residents, "facility_area_pct": rng.randint(5, 20),
        "notes": None, "categories": categories, "total": total,
        "presence": {t.id: _blank(rng, rng.random() < (0.85 if t.group == "basic" else 0.45), 0.01)
                     for t in forms.PRESENCE_TYPES},
        "service": realistic_service(rng, residents),
        "self_score": {"presence": rng.choice((None, 90, 84)), "service": {"1": 8, "5": 7.4},
                       "service_total": rng.choice((None, 88))},
    }


def realistic_service(rng: random.Random, residents: float) -> dict:
    people = int(residents * 10000)
    return {
        "needs_list": _blank(rng, rng.random() < 0.9), "project_list": _blank(rng, rng.random() < 0.85),
        "projects_done": _blank(rng, rng.random() < 0.8, 0.1),
        "survey_sample": _blank(rng, int(people * rng.uniform(0.08, 0.2))),
        "business_satisfaction_pct": _blank(rng, round(rng.uniform(82, 100), 2)),
        "service_satisfaction_pct": _blank(rng, round(rng.uniform(82, 100), 2)),
        "store_services": _some(rng, forms.STORE_SERVICES, 4), "stores_24h": rng.randint(0, 4),
        "breakfast_kinds": _blank(rng, rng.randint(4, 12)), "breakfast_delivery": rng.random() < 0.7,
        "retail_delivery": rng.random() < 0.8, "market_area_m2": _blank(rng, rng.randint(0, 3000), 0.1),
        "market_sites_m2": [rng.randint(500, 2500)], "market_services": _some(rng, forms.MARKET_SERVICES, 3),
        "repair_kinds": _some(rng, forms.REPAIR_KINDS, 5),
        "elderly_area_ok": rng.choice((True, True, True, False, "none", None)),
        "elderly_services": _some(rng, forms.ELDERLY_SERVICES, 2),
        "childcare_area_m2": rng.choice((None, 150, 220, 400)),
        "childcare_services": _some(rng, forms.CHILDCARE_SERVICES, 2),
        "events": [{"name": f"活动{k}", "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
                   for k in range(rng.randint(0, 8))],
        "scan_pay_monitoring": rng.random() < 0.8,
        "terminals": {k.id: rng.randint(1, 4) for k in rng.sample(forms.TERMINAL_KINDS, rng.randint(2, 7))},
        "wayfinding_map": _blank(rng, rng.random() < 0.8), "merchants_total": None,
        "merchants_on_platform": rng.randint(100, 700), "residents_registered": int(people * rng.uniform(0.1, 0.6)),
        "harmony": _blank(rng, rng.choice(forms.HARMONY_LEVELS[:2] * 2 + forms.HARMONY_LEVELS)),
    }


def best_of(repeat: int, work) -> tuple[float, float]:
    """Best wall-clock and best CPU time of `repeat` runs (CPU time is what a busy machine
    cannot inflate much; on an idle one the two agree)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus)


def _line(label: str, n: int, times: tuple[float, float]) -> str:
    wall, cpu = times
    return f"{label:<30}{wall:7.3f} s wall ({n / wall:8,.0f}/s)  {cpu:7.3f} s CPU ({n / cpu:8,.0f}/s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(2024)
    circles = [realistic_circle(rng, n) for n in range(args.circles)]
    rubric = Rubric()
    n = len(circles)
    scoring = best_of(args.repeat, lambda: score_many(circles, rubric))
    # With 5,000 input records alive, each full garbage collection walks all of them; with
    # them frozen (as a long-running caller could) the figure is the scorer's own cost.
    gc.freeze()
    frozen = best_of(args.repeat, lambda: score_many(circles, rubric))
    gc.unfreeze()
    baseline = best_of(args.repeat, lambda: json.dumps(circles, ensure_ascii=False))
    results = score_many(circles, rubric)
    output = best_of(args.repeat, lambda: json.dumps(results, ensure_ascii=False))
    print(f"{n} realistic circles, best of {args.repeat} runs; target: 5,000 circles scored in ≤ 1 s")
    print(_line("score_many", n, scoring))
    print(_line("score_many, input gc-frozen", n, frozen))
    print(_line("baseline json.dumps(circles)", n, baseline))
    print(_line("json.dumps(scores)", n, output))
    print(f"scoring takes {scoring[1] / baseline[1]:.1f}× the baseline's CPU time")
    for key, label in (("final_type", "final types"), ("grade", "grades")):
        counts = Counter(r[key] if key in r else r["service"][key] for r in results)
        print(f"{label}:", ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))


if __name__ == "__main__":
    main()
