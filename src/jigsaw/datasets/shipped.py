"""What Jigsaw ships as package data, and where it is once installed.

:data:`SHIPPED` is the one list of the public data installed with the package (under
``jigsaw/datasets/data/``): each file with what it holds, its vintage, its source, its licence and
when the copy was taken. ``jigsaw datasets`` prints it, the README of each folder repeats it in its
first table, and ``tests/datasets`` checks that the list, the READMEs and the files agree.

Files are found with :mod:`importlib.resources`, so a wheel installed anywhere finds its own copy;
nothing is read from beside the repository or from the environment. A loader that takes a
``data_dir`` reads that folder instead (tests use it to feed a damaged copy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from jigsaw.errors import InputError

__all__ = [
    "FOLDERS",
    "SHIPPED",
    "Shipped",
    "cached_frame",
    "data_root",
    "folder",
    "mse_example",
    "shipped_path",
]


class _Copyable(Protocol):
    def copy(self) -> Any: ...


_Frame = TypeVar("_Frame", bound=_Copyable)


def cached_frame(function: Callable[..., _Frame]) -> Callable[..., _Frame]:
    """Compute a table read from data files once per arguments, and hand out copies.

    The files do not change while a command runs, and the national report reads every earlier
    year's inputs again; copies, so that no caller can change what another is given.
    """
    cached = lru_cache(maxsize=16)(function)

    @wraps(function)
    def copy(*args: Any, **kwargs: Any) -> _Frame:
        return cast(_Frame, cached(*args, **kwargs).copy())

    return copy


_OGL = "Open Government Licence v3.0"
# The DfE repository most files were copied from, at the commit the copies were taken.
_DFE_REPO = "dfe-analytical-services/CSC_outcomes_and_enablers"
_DFE_COPY = "copy of commit 2f5d11a (27 Apr 2026)"
_DFE_DERIVED = "made from the copies of commit 2f5d11a (27 Apr 2026)"


def _mse_terms(package: str) -> str:
    return f"replication data; table from {package}"


_GPL_PACKAGE = "an R package under GPL (>= 2)"


@dataclass(frozen=True)
class Shipped:
    """One shipped file: ``path`` is relative to the data folder (``"england/la_lookup.csv"``)."""

    path: str
    what: str
    vintage: str
    source: str
    licence: str
    retrieved: str

    @property
    def folder(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


#: Folders of shipped data and what each is for.
FOLDERS = {
    "england": "English local authority statistics: the national oversight report and the England world",
    "neighbours": "DfE's statistical neighbour files as published, behind england/statistical_neighbours.csv",
    "mse": "capture-history tables from published studies, examples for jigsaw mse",
}

#: Every shipped file. The per-folder README.md files repeat this list in their first table.
SHIPPED: tuple[Shipped, ...] = (
    Shipped(
        "england/cin_factors_end_of_assessment_la.csv",
        "assessment episodes with each factor (CSE, going missing, ...) per LA",
        "2018-2025 (2025 release)",
        f"DfE, Characteristics of children in need, c3_factors_identified_at_end_of_assessment; via {_DFE_REPO}",
        _OGL,
        _DFE_DERIVED,
    ),
    Shipped(
        "england/cin_factors_end_of_assessment_england_regions.csv",
        "the same factors for England and its regions (rounded to 10)",
        "2018-2025 (2025 release)",
        f"DfE, Characteristics of children in need, c3_factors_identified_at_end_of_assessment; via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "england/cin_cpp_referrals_la.csv",
        "children in need, referrals and child protection plans per LA",
        "2013-2025 (2025 release)",
        f"DfE, Characteristics of children in need, tables b1, c1, d3, d5; via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "england/cse_rates_la_derived.csv",
        "derived: CSE and related factors per 10,000 children per LA",
        "2018-2025",
        "derived by Jigsaw from cin_factors_end_of_assessment_la.csv and population_0_17_la.csv",
        _OGL,
        _DFE_DERIVED,
    ),
    Shipped(
        "england/population_0_17_la.csv",
        "ONS mid-year estimates of children aged 0-17 per LA",
        "mid-2012 to mid-2024",
        f"ONS mid-year population estimates, as supplied by DfE; via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "england/population_0_17_england_regions.csv",
        "the same estimates for England and its regions",
        "mid-2012 to mid-2024",
        f"ONS mid-year population estimates, as supplied by DfE; via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "england/iod2019_utla.csv",
        "English Indices of Deprivation, upper-tier LA summaries (IMD, IDACI, ...)",
        "IoD 2019",
        "MHCLG, English Indices of Deprivation 2019, File 11; via ysjanonproject/data_visualisation_infant_mortalit",
        _OGL,
        "copy of commit e8bc7b5 (date not recorded)",
    ),
    Shipped(
        "england/statistical_neighbours.csv",
        "DfE's ten statistical neighbours of each LA, long form",
        "2021 and 2025 models",
        f"DfE, children's services statistical neighbour benchmarking tool; via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "england/ethnicity_census2021_utla.csv",
        "ethnic group of all usual residents per upper-tier LA",
        "Census 2021",
        f"ONS, Census 2021 ethnic group (20 categories); via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "england/rural_urban_2011_la.csv",
        "derived: rural and urban population shares per LA",
        "2011",
        "ONS/Defra 2011 Rural-Urban Classification of LA districts, summed to LAs by Jigsaw; via shepherdwill/graduate_mobility",
        _OGL,
        "copy, commit and date not recorded",
    ),
    Shipped(
        "england/police_recorded_sexual_offences_pfa_2017_18.csv",
        "police recorded sexual offences per police force area",
        "2017/18",
        "Home Office, police recorded crime open data tables by PFA; via Sparrow0hawk/crime_sim_toolkit",
        _OGL,
        "copy, commit and date not recorded",
    ),
    Shipped(
        "england/la_to_police_force_area.csv",
        "derived: the police force area of each LA",
        "LA codes 2013-2025",
        "derived by Jigsaw from an LSOA-to-force file in Sparrow0hawk/crime_sim_toolkit",
        _OGL,
        "copy, commit and date not recorded",
    ),
    Shipped(
        "england/la_lookup.csv",
        "every LA code in the CIN data, with successors and IoD 2019 match",
        "2013-2025",
        f"derived by Jigsaw from the DfE files above; via {_DFE_REPO}",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "neighbours/raw_sn_model_2025_wide.csv",
        "DfE statistical neighbour model, byte-for-byte copy",
        "2025 (May 2025)",
        f"DfE, children's services statistical neighbour benchmarking tool; {_DFE_REPO} data-raw/sn_model_2025_wide.csv",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "neighbours/raw_statistical_neighbour_groupings_april_2021.csv",
        "DfE statistical neighbour groupings, byte-for-byte copy",
        "April 2021 (LGR version)",
        f"DfE, children's services statistical neighbour benchmarking tool; {_DFE_REPO} "
        "data-raw/New_Statistical_Neighbour_Groupings_April_2021.csv",
        _OGL,
        _DFE_COPY,
    ),
    Shipped(
        "neighbours/dfe_statistical_neighbours_long.csv",
        "derived: both raw files in one long table",
        "2021 and 2025 models",
        "derived by Jigsaw from the two raw files",
        _OGL,
        _DFE_DERIVED,
    ),
    Shipped(
        "mse/UKdat.csv",
        "UK potential victims of trafficking and modern slavery on 6 lists",
        "2013",
        "Home Office estimate (Silverman 2014); table UKdat of R package SparseMSE 2.0.1",
        _mse_terms(_GPL_PACKAGE),
        "date not recorded",
    ),
    Shipped(
        "mse/UKdat_5.csv",
        "the UK 2013 table with police forces and NCA merged (5 lists)",
        "2013",
        "table UKdat_5 of R package SparseMSE 2.0.1",
        _mse_terms(_GPL_PACKAGE),
        "date not recorded",
    ),
    Shipped(
        "mse/UKdat_4.csv",
        "the UK 2013 table on 4 lists (general public dropped)",
        "2013",
        "table UKdat_4 of R package modslavmse 2.0 (GitHub bernardsilverman/modslavmse)",
        _mse_terms("an R package public on GitHub"),
        "date not recorded",
    ),
    Shipped(
        "mse/Korea.csv",
        "Korean women held in sexual slavery by the Japanese military, 3 lists",
        "published 2018",
        "Ball, Shin and Yang (2018), HRDAG; table Korea of R package MultipleSystemsEstimation 1.2.0",
        _mse_terms(_GPL_PACKAGE),
        "date not recorded",
    ),
    Shipped(
        "mse/NewOrl_5.csv",
        "Greater New Orleans human trafficking, 5 lists, 185 cases (2021 JASA version)",
        "published 2020",
        "Bales, Murphy and Silverman (2020); table NewOrl_5 of R package SparseMSE 2.0.1",
        _mse_terms(_GPL_PACKAGE),
        "date not recorded",
    ),
    Shipped(
        "mse/NewOrl_5_186.csv",
        "the New Orleans table with 186 cases (2024 paper version)",
        "published 2020",
        "table NewOrl_5 of R package MultipleSystemsEstimation 1.2.0",
        _mse_terms(_GPL_PACKAGE),
        "date not recorded",
    ),
    Shipped(
        "mse/HIV.csv",
        "HIV cases at four reporting centres in Rome",
        "published 1994",
        "Abeni, Brancato and Perucci (1994); table HIV of R package Rcapture 1.4-4",
        _mse_terms("an R package on CRAN"),
        "date not recorded",
    ),
    Shipped(
        "mse/Artificial_3.csv",
        "toy table that makes some models non-existent or not identifiable",
        "published 2021",
        "Chan, Silverman and Vincent (2021), Table 2; table Artificial_3 of R package SparseMSE 2.0.1",
        _mse_terms(_GPL_PACKAGE),
        "date not recorded",
    ),
)


def data_root() -> Path:
    """The installed folder of shipped data (``jigsaw/datasets/data``)."""
    root = files("jigsaw.datasets") / "data"
    # A normal install unpacks the package, so the resource is a real folder; a zipped import
    # would need extracting, which no supported install does.
    if not isinstance(root, Path) or not root.is_dir():
        raise FileNotFoundError(f"the shipped data folder is missing: {root} (reinstall jigsaw)")
    return root


def folder(name: str, data_dir: str | Path | None = None) -> Path:
    """The folder of shipped data ``name`` (see :data:`FOLDERS`), or ``data_dir`` when given."""
    if data_dir is not None:
        return Path(data_dir)
    if name not in FOLDERS:
        raise InputError(f"no shipped data folder {name!r}; choose from {', '.join(FOLDERS)}")
    return data_root() / name


def shipped_path(name: str) -> Path:
    """The installed path of one shipped file.

    ``name`` is its path in :data:`SHIPPED` (``"mse/UKdat.csv"``), its file name
    (``"UKdat.csv"``) or its file name without ``.csv`` (``"UKdat"``), as long as that names one
    file.

    >>> shipped_path("Korea").read_text().splitlines()[0]
    'b,c,d,count'
    """
    wanted = name.strip().replace("\\", "/")
    matches = [s for s in SHIPPED if wanted in (s.path, s.name, s.name.removesuffix(".csv"))]
    if len(matches) != 1:
        what = "more than one shipped file" if matches else "no shipped file"
        raise InputError(f"{what} named {name!r}; `jigsaw datasets` lists them")
    return data_root() / matches[0].path


def mse_example(name: str) -> Path:
    """The installed path of a shipped capture-history table (``"UKdat"``, ``"Korea"``, ...)."""
    examples = [s.name.removesuffix(".csv") for s in SHIPPED if s.folder == "mse"]
    stem = name.strip().removesuffix(".csv")
    if stem not in examples:
        raise InputError(f"no shipped example table {name!r}; choose from {', '.join(examples)}")
    return data_root() / "mse" / f"{stem}.csv"
