"""The README documents every setting, and opens with the two commands."""

from __future__ import annotations

from pathlib import Path

from surplace.config import Settings

README = Path(__file__).parent.parent / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"| {name} |" in text, f"README settings table misses {name}"
        assert f"SURPLACE_{name.upper()}" in text, f"README misses SURPLACE_{name.upper()}"


def test_readme_opens_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8").split("\n## ")[0]
    assert "make run" in head and "make test" in head
