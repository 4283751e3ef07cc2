"""The declared list of shipped data, the files installed and the folder READMEs agree."""

import json

import pytest

from jigsaw.cli import main
from jigsaw.datasets.shipped import FOLDERS, SHIPPED, data_root, folder, mse_example, shipped_path


def _readme_table(name: str) -> set[tuple[str, ...]]:
    """The first table of a folder's README: (file, what, vintage, source, licence, retrieved)."""
    lines = (data_root() / name / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| file | what | vintage | source | licence | retrieved |")
    rows = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = tuple(cell.strip() for cell in line.strip("|").split(" | "))
        rows.add((cells[0].strip("`"), *cells[1:]))
    return rows


def test_every_shipped_file_is_declared_and_every_declared_file_is_shipped():
    on_disk = {
        path.relative_to(data_root()).as_posix()
        for path in data_root().rglob("*")
        if path.is_file() and path.name != "README.md" and "__pycache__" not in path.parts
    }
    declared = [s.path for s in SHIPPED]
    assert len(declared) == len(set(declared))
    assert set(declared) == on_disk
    assert {s.folder for s in SHIPPED} == set(FOLDERS)


@pytest.mark.parametrize("name", list(FOLDERS))
def test_each_folder_readme_repeats_the_declared_list(name):
    declared = {
        (s.name, s.what, s.vintage, s.source, s.licence, s.retrieved)
        for s in SHIPPED
        if s.folder == name
    }
    assert _readme_table(name) == declared


def test_every_england_and_neighbours_file_is_open_government_licence():
    public = [s for s in SHIPPED if s.folder in ("england", "neighbours")]
    assert public and all(s.licence == "Open Government Licence v3.0" for s in public)
    assert all(s.source and s.vintage and s.retrieved for s in SHIPPED)


def test_the_data_is_found_inside_the_package_not_beside_the_repository():
    import jigsaw.datasets

    package = data_root().parent
    assert package.samefile(next(iter(jigsaw.datasets.__path__)))
    assert folder("england") == data_root() / "england"


def test_names_resolve_to_one_file_and_unknown_names_are_refused():
    assert shipped_path("UKdat") == shipped_path("mse/UKdat.csv") == mse_example("UKdat.csv")
    assert shipped_path("la_lookup.csv").parent.name == "england"
    with pytest.raises(ValueError, match="no shipped file named 'nothing'"):
        shipped_path("nothing")
    with pytest.raises(ValueError, match="no shipped example table 'la_lookup'; choose from UKdat"):
        mse_example("la_lookup")
    with pytest.raises(ValueError, match="no shipped data folder 'rates'"):
        folder("rates")


def test_jigsaw_datasets_lists_every_file_with_vintage_source_and_licence(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for s in SHIPPED:
        assert f"{s.name}  [{s.vintage}]" in out
        assert f"source: {s.source}" in out
    assert main(["datasets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in rows] == [s.path for s in SHIPPED]
    assert all(shipped_path(r["path"]).samefile(r["installed"]) for r in rows)


def test_jigsaw_datasets_path_prints_the_file_and_refuses_an_unknown_name(capsys):
    assert main(["datasets", "--path", "Korea"]) == 0
    assert capsys.readouterr().out.strip() == str(mse_example("Korea"))
    assert main(["datasets", "--path", "Narnia"]) == 2
    assert "no shipped file named 'Narnia'" in capsys.readouterr().err


def test_the_readme_example_runs_on_the_shipped_uk_table(capsys):
    # README: the Home Office's 2013 lists, SparseMSE stepwise with a Wald interval.
    assert main(["mse", "--example", "UKdat", "--method", "stepwise", "--ci", "wald"]) == 0
    out = capsys.readouterr().out
    assert "Dark figure: 8,674   Total: 11,418   95% wald interval: 9,977 to 13,146" in out
    assert main(["mse", str(mse_example("Korea")), "--example", "UKdat"]) == 2
    assert "give one of TABLE.csv, --example NAME or --records" in capsys.readouterr().err
