"""Figures of the API fuzzing run (tests/fuzz/test_api_fuzz.py), printed in pytest's summary."""

FIGURES = {"requests": 0, "5xx": 0, "failures": []}


def pytest_terminal_summary(terminalreporter):
    if FIGURES["requests"]:
        terminalreporter.write_line(
            f"API fuzzing: {FIGURES['requests']} requests, {FIGURES['5xx']} answered 5xx"
        )
        for line in FIGURES["failures"][:20]:
            terminalreporter.write_line(f"  5xx: {line}")
