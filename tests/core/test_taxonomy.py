"""Parsing and diffing taxonomy documents."""

import copy
from pathlib import Path

import pytest
import yaml

from tandem.core.taxonomy import TaxonomyInvalid, change_summary, document_diff, parse_taxonomy

DEFAULT = yaml.safe_load((Path(__file__).resolve().parents[2] / "tandem/taxonomy/default_taxonomy.yaml").read_text())


def test_the_default_taxonomy_is_the_2012_demand_waterfall_with_its_detours():
    taxonomy = parse_taxonomy(DEFAULT)
    assert [s.key for s in taxonomy.stages] == ["inquiry", "aql", "mql", "tal", "tql", "sal", "sql", "opportunity",
                                               "won", "lost", "recycled", "disqualified"]
    assert {s.key for s in taxonomy.stages if s.kind == "detour"} == {"recycled", "disqualified"}
    assert all(len(s.definition) > 40 for s in taxonomy.stages)


def test_every_problem_is_reported_with_its_path():
    doc = copy.deepcopy(DEFAULT)
    doc["stages"][2]["next"][0]["to"] = "tall"
    doc["stages"][3]["owner_team"] = "finance"
    doc["stages"][4]["next"][1]["reasons"] = []
    with pytest.raises(TaxonomyInvalid) as err:
        parse_taxonomy(doc)
    assert "stages[2].next[0].to: unknown stage 'tall'" in err.value.problems
    assert any(p.startswith("stages[3].owner_team") for p in err.value.problems)
    assert any(p.startswith("stages[4].next[1].reasons") for p in err.value.problems)


def test_a_change_is_summarised_in_plain_lines_and_diffed():
    doc = copy.deepcopy(DEFAULT)
    doc["stages"][2]["definition"] = "Changed."
    doc["reasons"].append({"code": "gone_quiet", "label": "Gone quiet"})
    assert change_summary(DEFAULT, doc) == ["stage mql: definition changed", "reason gone_quiet: added"]
    assert "+      \"definition\": \"Changed.\"" in document_diff(DEFAULT, doc)
