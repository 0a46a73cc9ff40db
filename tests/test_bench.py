"""The benchmark runs on demand (`make bench`); here only that its script loads and parses."""
import importlib.util
from pathlib import Path

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
