"""Where the shipped public data lives."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["shared_data_dir"]


def shared_data_dir() -> Path:
    """Return the folder of public data (``england/``, ``rates/``, ``neighbours/``, ``mse/``).

    ``$JIGSAW_DATA`` wins when set; otherwise ``shared/data`` beside the repository (the layout of
    a checkout and of CI). Raises ``FileNotFoundError`` naming the places looked in.
    """
    candidates = []
    if os.environ.get("JIGSAW_DATA"):
        candidates.append(Path(os.environ["JIGSAW_DATA"]))
    repo = Path(__file__).resolve().parents[3]
    candidates.append(repo.parent / "shared" / "data")
    for folder in candidates:
        if (folder / "england").is_dir():
            return folder
    raise FileNotFoundError(
        "public data not found; looked in " + ", ".join(str(c) for c in candidates)
        + " (set JIGSAW_DATA to the folder holding england/)"
    )
