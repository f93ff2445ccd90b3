"""Every benchmark still starts: they run outside `make test`, so a renamed module would
otherwise break them silently until someone measures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.plugin_runner import ROOT

BENCHMARKS = sorted(
    p.name for p in (ROOT / "benchmarks").glob("*.py") if p.stem not in ("common", "__init__")
)


@pytest.mark.parametrize("script", BENCHMARKS)
def test_the_benchmark_imports_and_prints_its_usage(script: str) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage" in run.stdout.lower()
