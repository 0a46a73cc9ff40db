"""The benchmark runs on demand (`make bench`); here only that its script loads and parses,
and that its entry point (bench/wsgi.py) adds what the benchmark needs to the real app."""
import importlib.util
from pathlib import Path

from bench.wsgi import RAISED_LIMIT, prepare_for_bench
from tests.factories import make_event

ROOT = Path(__file__).resolve().parent.parent


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_script_imports_and_parses_its_arguments():
    bench = load_bench()
    defaults = bench.parse_args([])
    assert (defaults.database, defaults.workers, defaults.signup_clients) == ("sqlite", 2, 16)
    assert (defaults.rush, defaults.rush_capacity) == (200, 50)
    args = bench.parse_args(["--database", "postgresql", "--duration", "2.5", "--client", "python"])
    assert (args.database, args.duration, args.client) == ("postgresql", 2.5, "python")


def test_bench_reads_latency_percentiles_from_wrk_output():
    bench = load_bench()
    out = "  Latency Distribution\n     50%  812.00us\n     99%    1.20s\n"
    assert bench._wrk_ms(out, "50%") == 0.812
    assert bench._wrk_ms(out, "99%") == 1200.0


def test_bench_attendee_list_rows_pass_only_when_the_query_count_does_not_grow():
    bench = load_bench()
    hello = {"rps": 1000.0}
    measured = {"rps": 40.0, "requests": 400, "p50_ms": 90.0, "p99_ms": 300.0, "errors": {},
                "queries": {"small": 14, "large": 14, "small_people": 10, "large_people": 500}}
    speed, queries = bench.attendee_rows(hello, measured)
    assert speed["ratio"] == 0.04 and speed["verdict"] == "PASS"  # reported, no req/s target
    assert queries["figure"] == "14 at 10 people, 14 at 500" and queries["verdict"] == "PASS"
    measured["queries"]["large"] = 514
    assert bench.attendee_rows(hello, measured)[1]["verdict"] == "MISS"
    failed = {"error": "sign-in: POST /login 400", "queries": measured["queries"]}
    assert bench.attendee_rows(hello, failed)[0]["verdict"] == "MISS"


def test_the_hello_route_exists_only_in_the_bench_entry_point(make_app):
    assert make_app().test_client().get("/__bench/hello").status_code == 404
    response = prepare_for_bench(make_app()).test_client().get("/__bench/hello")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello"
    # Served through the same middleware as every page.
    assert response.headers["X-Request-ID"] and response.headers["Content-Security-Policy"]


def test_the_bench_entry_point_raises_the_rate_limits_out_of_reach_but_still_counts(make_app):
    app = prepare_for_bench(make_app())
    for name in ("RATELIMIT_PER_ADDRESS", "RATELIMIT_PER_EMAIL", "RATELIMIT_SIGNUP_PER_EMAIL",
                 "RATELIMIT_LOGIN_PER_ACCOUNT", "RATELIMIT_LOGIN_PER_DEVICE"):
        assert app.config[name] == RAISED_LIMIT
    with app.app_context():
        slug = make_event().slug
    response = app.test_client().post(f"/events/{slug}/signup", data={"email": "a@example.se"})
    assert response.status_code == 400  # the form is incomplete, and no limit is near
    assert response.headers["X-RateLimit-Limit"] == "1000000"
