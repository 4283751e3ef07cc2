"""``jigsaw demo`` builds the national report and serves it on 127.0.0.1.

The web app's part of the demo (the synthetic partnership) is kept small here so the test stays
quick; its own tests live with the web app.
"""

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

# Builds the national report and serves it from a child process: `make test-fast` leaves it out.
pytestmark = pytest.mark.demo


def test_demo_builds_and_serves_the_report_on_localhost(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jigsaw.cli",
            "demo",
            "--out",
            str(out),
            "--port",
            str(port),
            "--children",
            "200",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Serving" in line:
                break
        printed = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in printed, printed
        assert "local authorities compared" in printed
        report = (
            out / "national"
        )  # the report's own folder, the only one the web app serves it from
        assert (report / "index.html").stat().st_size > 50_000 and (report / "areas.csv").exists()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/oversight/national/", timeout=20
        ) as response:
            body = response.read().decode("utf-8")
        assert "Identified child sexual exploitation by local authority" in body
    finally:
        process.terminate()
        process.wait(timeout=10)
