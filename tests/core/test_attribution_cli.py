"""``tandem attribution``: tables, JSON, model options and exit status 2 on bad input."""

from __future__ import annotations

import io
import json

import pytest

from tandem.attribution_cli import main

PATHS = """path,total_conversions,total_conversion_value,total_null
email > search,1,10.5,1
email,1,20,0
search > display,0,0,1
email > display,1,10,0
display > display > email,2,50,3
"""


@pytest.fixture
def path_file(tmp_path):
    target = tmp_path / "paths.csv"
    target.write_text(PATHS)
    return target


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "model", ["first_touch", "linear", "markov", "shapley", "full_path", "shapley_per_set"]
)
def test_json_output_credits_every_channel_and_sums_to_the_file_totals(path_file, capsys, model):
    out = run_json(capsys, str(path_file), "--model", model)
    channels = out["models"][model]["channels"]
    assert set(channels) == {"email", "search", "display"}
    assert sum(c["conversions"] for c in channels.values()) == pytest.approx(5.0)
    assert sum(c["value"] for c in channels.values()) == pytest.approx(90.5)
    assert out["input"]["total_null"] == 5.0


def test_the_table_shows_channels_totals_and_removal_effects(path_file, capsys):
    assert main([str(path_file), "--model", "markov"]) == 0
    out = capsys.readouterr().out
    for text in (
        "markov: 5.00 conversions, 90.50 value",
        "email",
        "removal effect",
        "total",
        "90.50",
        "order 1, exact dense solve",
    ):
        assert text in out


def test_model_all_shows_every_model_side_by_side(path_file, capsys):
    assert main([str(path_file), "--model", "all"]) == 0
    out = capsys.readouterr().out
    assert "conversions by model" in out and "value by model" in out
    for model in ("first_touch", "w_shaped", "markov_per_journey", "shapley_per_set"):
        assert model in out


def test_model_all_in_json_lists_every_model(path_file, capsys):
    out = run_json(capsys, str(path_file), "--model", "all", "--order", "2")
    assert len(out["models"]) == 11
    assert out["skipped"] == {}


def test_markov_order_changes_the_chain(path_file, capsys):
    first = run_json(capsys, str(path_file), "--model", "markov")
    third = run_json(capsys, str(path_file), "--model", "markov", "--order", "3")
    assert first["models"]["markov"]["channels"] != third["models"]["markov"]["channels"]


def test_position_weights_half_life_and_shapley_options_reach_the_models(path_file, capsys):
    out = run_json(capsys, str(path_file), "--model", "position_based", "--position-weights", "50,0,50")
    assert out["models"]["position_based"]["channels"]["search"]["conversions"] == pytest.approx(0.5)
    out = run_json(capsys, str(path_file), "--model", "time_decay", "--half-life", "2")
    assert out["models"]["time_decay"]["note"] == "half-life 2 steps"
    out = run_json(
        capsys,
        str(path_file),
        "--model",
        "shapley",
        "--shapley-value",
        "conversion_rate",
        "--shapley-exact-max",
        "1",
        "--shapley-samples",
        "64",
        "--seed",
        "5",
    )
    assert "standard_error" in out["models"]["shapley"]["channels"]["email"]


def test_collapse_repeats_counts_a_run_once(path_file, capsys):
    kept = run_json(capsys, str(path_file), "--model", "linear")
    collapsed = run_json(capsys, str(path_file), "--model", "linear", "--collapse-repeats")
    assert kept["models"]["linear"]["channels"]["display"]["conversions"] == pytest.approx(1 / 2 + 2 * 2 / 3)
    assert collapsed["models"]["linear"]["channels"]["display"]["conversions"] == pytest.approx(1 / 2 + 1)


def test_custom_columns_and_standard_input(monkeypatch, capsys):
    text = "journey;conv;revenue;lost\na|b;2;8;1\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    out = run_json(
        capsys,
        "-",
        "--model",
        "last_touch",
        "--path-column",
        "journey",
        "--conversions-column",
        "conv",
        "--value-column",
        "revenue",
        "--null-column",
        "lost",
        "--separator",
        "|",
    )
    assert out["models"]["last_touch"]["channels"]["b"] == {"conversions": 2.0, "value": 8.0}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("path,total_conversions\n,1\n", "line 2, column 'path': empty path"),
        ("path,total_conversions\na,-1\n", "line 2, column 'total_conversions': negative count"),
        ("path,total_conversions\na,1\nb,x\n", "line 3, column 'total_conversions': not a number: 'x'"),
        ("route,total_conversions\na,1\n", "line 1, column 'path': no such column"),
    ],
)
def test_bad_input_exits_2_naming_the_line_and_the_column(tmp_path, capsys, content, expected):
    target = tmp_path / "bad.csv"
    target.write_text(content)
    assert main([str(target), "--model", "linear"]) == 2
    assert expected in capsys.readouterr().err


def test_an_explicitly_named_missing_column_exits_2(path_file, capsys):
    assert main([str(path_file), "--model", "linear", "--value-column", "revenue"]) == 2
    assert "column 'revenue': no such column" in capsys.readouterr().err


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope.csv"), "--model", "linear"]) == 2
    assert "nope.csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--model", "nope"],
        ["--model", "markov", "--order", "0"],
        ["--model", "position_based", "--position-weights", "50,50,50"],
        ["--model", "time_decay", "--half-life", "0"],
        ["--model", "shapley", "--shapley-exact-max", "40"],
    ],
)
def test_bad_options_exit_2(path_file, capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main([str(path_file), *argv])
    assert caught.value.code == 2
    assert "tandem attribution" in capsys.readouterr().err


def test_a_model_that_cannot_run_on_the_input_exits_2_with_the_reason(path_file, capsys):
    assert main([str(path_file), "--model", "shapley_per_set", "--shapley-exact-max", "1"]) == 2
    assert "more than 1" in capsys.readouterr().err
