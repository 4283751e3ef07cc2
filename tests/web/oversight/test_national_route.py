"""/oversight/national/ serves the national report's own files from its own folder, nothing else."""

from __future__ import annotations

import pytest

from jigsaw.report import REPORT_FILES


@pytest.fixture
def report_dir(tmp_path, settings):
    folder = tmp_path / "out" / "national"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text("<h1>Identified child sexual exploitation</h1>")
    (folder / "areas.csv").write_text("area_code,identified\nE06000001,12\n")
    settings.JIGSAW_NATIONAL_REPORT_DIR = folder
    return folder


def test_the_report_files_are_served_without_sign_in(client, report_dir):
    assert REPORT_FILES == ("index.html", "areas.csv")
    page = client.get("/oversight/national/")
    assert page.status_code == 200
    assert b"Identified child sexual exploitation" in page.content
    table = client.get("/oversight/national/areas.csv")
    assert table.status_code == 200
    assert b"E06000001,12" in b"".join(table.streaming_content)


def test_no_other_file_is_served_from_beside_the_report_or_above_it(client, report_dir):
    # A linkage output dropped beside the report (NHS numbers) and one in out/ itself.
    (report_dir / "clusters.csv").write_text("nhs_number,cluster\n9434765919,1\n")
    (report_dir / "review.html").write_text("<p>9434765919</p>")
    (report_dir.parent / "clusters.csv").write_text("nhs_number,cluster\n9434765919,1\n")
    (report_dir / "sub").mkdir()
    (report_dir / "sub" / "index.html").write_text("<p>9434765919</p>")
    for path in (
        "clusters.csv",
        "review.html",
        "../clusters.csv",
        "%2e%2e/clusters.csv",
        "sub/index.html",
        "./areas.csv",
        "AREAS.CSV",
    ):
        response = client.get(f"/oversight/national/{path}")
        assert response.status_code == 404, path
        assert b"9434765919" not in response.content


def test_a_missing_report_is_404(client, report_dir):
    (report_dir / "index.html").unlink()
    assert client.get("/oversight/national/").status_code == 404


def test_the_sorting_script_is_served_from_the_package_with_a_policy_that_runs_only_it(
    client, report_dir
):
    from jigsaw.report.national import sort_script

    script = client.get("/oversight/national/sort.js")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert script.content.decode() == sort_script()
    policy = client.get("/oversight/national/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    # A file of that name in the report's folder is never what is served.
    (report_dir / "sort.js").write_text("alert('not ours')")
    assert b"not ours" not in client.get("/oversight/national/sort.js").content
