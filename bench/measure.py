"""HTTP measurements against a running benchmark server (bench.server.Gunicorn), with bench.load.

Every loop is capped in requests and in seconds (bench.run.Profile), and talks to loopback only.
"""

from __future__ import annotations

import json
import statistics
from urllib.parse import quote

from bench.load import Result, Target, closed_loop, open_loop, percentile, sequential

# name -> path; the same body and headers go to each, so they differ only by what the view does.
DECISION_VARIANTS = {
    "bare": "/api/v1/bench/bare/",
    "decision": "/api/v1/decisions/",
    "raw": "/api/v1/bench/raw/",
}
SEARCH_TERMS = (
    "falcon",
    "swift otter",
    "quartz",
    "brigt falcn",  # typos: the trigram path
    "legal contracts",
    "gpt-4o",
    "claude",
    "llama",
    "nimble harbor 4242",
    "scale-lab-7",
)


def decision_targets(base: str, fixtures: dict) -> dict[str, Target]:
    body = json.dumps({"team": fixtures["team"], "model": fixtures["model"]}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {fixtures['gateway_token']}"}
    return {name: Target(base + path, "POST", headers, body) for name, path in DECISION_VARIANTS.items()}


def check_decision_targets(targets: dict[str, Target]) -> None:
    """Refuse to measure error pages: each variant must answer 200, and the decision must be an allow."""
    for name, target in targets.items():
        result = sequential(target, max_requests=1, max_seconds=10)
        if result.statuses.get(200) != 1:
            raise RuntimeError(f"{name} ({target.url}) answered {dict(result.statuses)} instead of 200")


def warm(targets: dict[str, Target], profile) -> None:
    """Reach every worker process first: its token cache, decision cache, listener and database connection."""
    for target in targets.values():
        closed_loop(target, connections=profile.connections, max_requests=600, max_seconds=10)


def decision_throughput(targets: dict[str, Target], profile) -> dict:
    """Saturation throughput of each variant, interleaved over rounds so a noisy neighbour hits all of them."""
    warm(targets, profile)
    runs: dict[str, list[Result]] = {name: [] for name in targets}
    for _ in range(profile.rounds):
        for name, target in targets.items():
            runs[name].append(
                closed_loop(
                    target,
                    connections=profile.connections,
                    max_requests=profile.max_requests,
                    max_seconds=profile.seconds,
                )
            )
    rates = {name: [r.throughput for r in results] for name, results in runs.items()}
    medians = {name: statistics.median(values) for name, values in rates.items()}
    # Ratio of the medians, judged; each round's own ratio is kept to show how far the noise reaches.
    ratios = {name: medians[name] / medians["bare"] for name in rates if name != "bare"}
    ratio_rounds = {
        name: [round(v / b, 3) for v, b in zip(rates[name], rates["bare"], strict=True)]
        for name in rates
        if name != "bare"
    }
    return {
        "req_per_s": {name: round(value, 1) for name, value in medians.items()},
        "rounds": {name: [round(v, 1) for v in values] for name, values in rates.items()},
        "ratio_to_bare": {name: round(value, 3) for name, value in ratios.items()},
        "ratio_rounds": ratio_rounds,
        "errors": {name: sum(r.errors for r in results) for name, results in runs.items()},
        "client_cpu_share": {name: results[-1].summary()["client_cpu_share"] for name, results in runs.items()},
    }


def decision_latency(targets: dict[str, Target], rates: dict[str, float], profile) -> dict:
    """Open loop at a fixed rate per variant: server-side and client-side p50/p99."""
    out = {}
    for name, target in targets.items():
        result = open_loop(
            target, rate=rates[name], max_requests=profile.max_requests, max_seconds=profile.open_seconds
        )
        out[name] = {"rate": round(rates[name], 1), **result.summary()}
    return out


def decision_latency_rounds(targets: dict[str, Target], rates: dict[str, float], profile) -> dict:
    """decision_latency over ``profile.rounds`` interleaved rounds: each variant's median p50 and p99 over the
    rounds (one run's p99 rests on its slowest 1 %: a single stall moves it), every round kept."""
    runs = [decision_latency(targets, rates, profile) for _ in range(profile.rounds)]
    out = {}
    for name in targets:
        summaries = [run[name] for run in runs]
        out[name] = {
            "rate": summaries[0]["rate"],
            "rounds": summaries,
            **{
                f"{side}_{p}": median([s["server_ms"].get(side, {}).get(p) for s in summaries])
                for side in ("app", "decide")
                for p in ("p50", "p99")
            },
            "client_p50_ms": median([s["client_p50_ms"] for s in summaries]),
            "client_p99_ms": median([s["client_p99_ms"] for s in summaries]),
        }
    return out


def median(values: list) -> float | None:
    """The median of the values that exist, rounded to the microsecond (of milliseconds); None when none do."""
    values = [value for value in values if value is not None]
    return round(statistics.median(values), 3) if values else None


def catalog_latency(base: str, fixtures: dict, profile) -> dict:
    """One user at a time: list API at page sizes 1 and 100, the catalog page at its smallest and largest page
    size (the page offers 25, 50 and 100 rows), and the page's default first page."""
    api = {"Authorization": f"Bearer {fixtures['catalog_token']}"}
    page = {"Cookie": f"sessionid={fixtures['session_cookie']}"}
    urls = {
        "api_models_page_size_1": ("/api/v1/models/?page_size=1", api),
        "api_models_page_size_100": ("/api/v1/models/?page_size=100", api),
        "page_catalog_page_size_25": ("/catalog/?page_size=25", page),
        "page_catalog_page_size_100": ("/catalog/?page_size=100", page),
        "page_catalog_first_page": ("/catalog/", page),
    }
    return {name: _sample(Target(base + path, headers=headers), profile) for name, (path, headers) in urls.items()}


def catalog_search(base: str, fixtures: dict, profile) -> dict:
    """Full-text and typo search through the list API: every term several times, percentiles over all."""
    headers = {"Authorization": f"Bearer {fixtures['catalog_token']}"}
    app, client, statuses = [], [], {}
    per_term = {}
    for term in SEARCH_TERMS:
        target = Target(f"{base}/api/v1/models/?search={quote(term)}", headers=headers)
        sequential(target, max_requests=3, max_seconds=30)  # warm
        result = sequential(target, max_requests=profile.search_samples, max_seconds=profile.sample_seconds)
        app += result.server_ms.get("app", [])
        client += result.latencies_ms
        per_term[term] = result.server("app", 50)
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "terms": len(SEARCH_TERMS),
        "requests": len(client),
        "server_p50_ms": percentile(app, 50),
        "server_p95_ms": percentile(app, 95),
        "client_p95_ms": percentile(client, 95),
        "server_p50_ms_per_term": per_term,
        "statuses": statuses,
    }


def _run_sample(target: Target, profile) -> Result:
    sequential(target, max_requests=6, max_seconds=30)  # warm every worker: connection, templates, caches
    return sequential(target, max_requests=profile.samples, max_seconds=profile.sample_seconds)


def _sample(target: Target, profile) -> dict:
    result = _run_sample(target, profile)
    return {
        "requests": result.completed,
        "statuses": dict(result.statuses),
        "server_p50_ms": result.server("app", 50),
        "server_p95_ms": result.server("app", 95),
        "client_p50_ms": result.latency(50),
    }
