"""The allocation benchmark runs on demand (`make bench-allocation`); here only a tiny run."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_allocation",
                                                  ROOT / "bench" / "allocation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_tiny_allocation_bench_reports_shares_for_both_methods():
    bench = load_bench()
    report = bench.run_one("ortools", mix_limit=3, objective="rank_maximal", people=60)
    assert report["blocks"] == 3 and report["sessions_per_block"] == 12
    for method in ("ours", "lottery"):
        assert abs(sum(report[method].values()) - 1) < 1e-9
    assert report["ours"]["unseated"] <= report["lottery"]["unseated"]
    assert report["digest"] == bench.run_one("ortools", 3, "rank_maximal", people=60)["digest"]
