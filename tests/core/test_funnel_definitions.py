"""The machine-readable metric definitions and docs/metrics.md describe the same metrics."""

import re
from pathlib import Path

import pytest

from tandem.core.definitions import METRICS, metric

DOC = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
HEADING = re.compile(r"^#### .*\(`([a-z_]+)`\)$", re.MULTILINE)


def section(key: str) -> str:
    """The text from the metric's heading to the next heading."""
    match = re.search(rf"^#### .*\(`{key}`\)$", DOC, re.MULTILINE)
    assert match, f"docs/metrics.md has no section for `{key}`"
    rest = DOC[match.end():]
    following = re.search(r"^#", rest, re.MULTILINE)
    return rest[: following.start()] if following else rest


def test_every_metric_key_is_unique_and_a_lowercase_identifier():
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z][a-z_]*", k) for k in keys)


@pytest.mark.parametrize("definition", METRICS, ids=[m.key for m in METRICS])
def test_each_metric_has_a_section_in_the_docs_that_quotes_its_formula_and_counting(definition):
    text = section(definition.key)
    assert definition.key in DOC
    assert f"**Formula:** {definition.formula}" in text
    assert f"**Counted:** {definition.counted}" in text
    assert f"**Notes:** {definition.notes}" in text
    assert ("yes" if definition.rollup_exact else "no") in text.split("**From daily rollups:**")[1].split()[0]


def test_the_docs_describe_no_metric_that_the_definitions_lack():
    assert sorted(HEADING.findall(DOC)) == sorted(m.key for m in METRICS)


def test_a_metric_is_looked_up_by_key():
    assert metric("win_rate").formula == "win rate = won ÷ (won + lost)"
    with pytest.raises(KeyError):
        metric("vanity")
