"""The generated secret key: private, made once, and shared by workers that start together."""

from __future__ import annotations

import stat
from pathlib import Path

from jigsaw.web import settings as web_settings


def test_a_key_is_made_once_privately_and_then_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("JIGSAW_SECRET_KEY", raising=False)
    monkeypatch.setattr(web_settings, "VAR_DIR", tmp_path)
    first = web_settings._secret_key()
    assert len(first) >= 50 and web_settings._secret_key() == first
    key_file = tmp_path / "secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret-key"]


def test_a_worker_that_loses_the_race_reads_the_winners_key(tmp_path, monkeypatch):
    monkeypatch.delenv("JIGSAW_SECRET_KEY", raising=False)
    monkeypatch.setattr(web_settings, "VAR_DIR", tmp_path)
    (tmp_path / "secret-key").write_text("the-key-another-worker-wrote\n")
    (tmp_path / "secret-key").chmod(0o600)
    # This worker looked before the other one wrote: it saw no file.
    real_exists = Path.exists
    monkeypatch.setattr(
        Path, "exists", lambda self: False if self.name == "secret-key" else real_exists(self)
    )
    assert web_settings._secret_key() == "the-key-another-worker-wrote"
    assert [p.name for p in tmp_path.iterdir()] == ["secret-key"]
