"""``jigsaw demo`` builds the report and serves it on 127.0.0.1."""

import socket
import subprocess
import sys
import time
import urllib.request

from jigsaw.cli import main


def test_demo_no_serve_builds_the_report(tmp_path, capsys):
    assert main(["demo", "--no-serve", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "index.html").stat().st_size > 50_000
    assert (tmp_path / "out" / "areas.csv").exists()
    assert "local authorities compared" in capsys.readouterr().out


def test_demo_serves_the_report_on_localhost(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "jigsaw.cli", "demo", "--out", str(tmp_path / "out"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Serving" in line:
                break
        assert f"http://127.0.0.1:{port}/" in "".join(lines), "".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as response:
            body = response.read().decode("utf-8")
        assert "Identified child sexual exploitation by local authority" in body
    finally:
        process.terminate()
        process.wait(timeout=10)
