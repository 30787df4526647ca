"""The benchmark's table marks each target met or missed, and says what a miss would take."""

from bench.report import load_row


def side(rate, p99, queries, cpu_ms, most=None):
    return {"rate": rate, "p50": p99 / 2, "p95": p99, "p99": p99, "queries": queries,
            "usual_queries": queries, "most_queries": most or queries, "cpu_ms": cpu_ms,
            "errors": 0}


def row(step, portal, stock, clients=8, hashing=False):
    return {"step": step, "clients": clients, "reference": "stock", "hashing": hashing,
            "portal": portal, "stock": stock,
            "throughput_ratio": portal["rate"] / stock["rate"],
            "p99_ratio": portal["p99"] / stock["p99"]}


def test_a_met_page_says_met_alone():
    cells = load_row(row("GET /healthz", side(700, 12, 1, 1.5), side(1000, 10, 0, 0.8)))
    assert cells[-1] == "met"


def test_a_missed_page_names_the_rate_the_cpu_and_the_p99_it_would_take():
    cells = load_row(row("GET /setup/", side(300, 30, 5, 3.0), side(1000, 10, 0, 0.8)))
    assert cells[-1] == ("**missed**: needs ≥ 600.0 req/s, each request 2.00× cheaper "
                         "(web CPU 3.0 → ≤ 1.5 ms); p99 ≤ 15 ms (now 30)")


def test_a_query_budget_holds_the_median_request_and_shows_the_rare_refresh():
    cells = load_row(row("GET method page", side(900, 10, 3, 1.0, most=4),
                         side(1000, 10, 0, 0.8)))
    assert cells[-1] == "met"
    assert "3 queries (mean 3.000, at most 4)" in cells[1]
    over = load_row(row("GET method page", side(900, 10, 4, 1.0), side(1000, 10, 0, 0.8)))
    assert over[-1] == "**missed**: needs 1 fewer queries"


def test_a_hashing_step_is_held_to_its_own_floor():
    cells = load_row(row("POST sign-in", side(9, 900, 7, 190), side(10, 800, 5, 180),
                         hashing=True))
    assert cells[-1].startswith("**missed**: needs ≥ 9.5 req/s")
