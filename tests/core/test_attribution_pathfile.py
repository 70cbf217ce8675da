"""Reading path files: columns, delimiters, merging, and errors that name the line and column."""

from __future__ import annotations

import io

import pytest

from tandem.core.attribution import Columns, PathFileError, attribute, read_path_file
from tandem.core.attribution import pathfile as pathfile_module

GOOD = """path,total_conversions,total_conversion_value,total_null
email > search,2,30.5,10
search,1,5,0
email > search,1,4.5,2
display >  email >search ,0,0,7
"""


def read(text: str, **kwargs):
    return read_path_file(io.StringIO(text), "paths.csv", **kwargs)


def test_a_path_file_becomes_journeys_with_trimmed_channel_names():
    js = read(GOOD)
    assert js.channels == ("email", "search", "display")
    assert js.n_paths == 4
    assert js.conversions.tolist() == [2, 1, 1, 0]
    assert js.value.tolist() == [30.5, 5.0, 4.5, 0.0]
    assert js.nulls.tolist() == [10, 0, 2, 7]
    assert [js.channels[t] for t in js.touches[js.offsets[3] : js.offsets[4]]] == ["display", "email", "search"]


@pytest.mark.parametrize("model", ["linear", "time_decay", "markov", "shapley", "shapley_per_set"])
def test_a_path_repeated_on_two_rows_counts_as_one_row_with_the_summed_counts(model):
    merged = GOOD.replace("email > search,2,30.5,10", "email > search,3,35,12").replace("email > search,1,4.5,2\n", "")
    ours, theirs = attribute(read(GOOD), model), attribute(read(merged), model)
    assert ours.conversions == pytest.approx(theirs.conversions, rel=1e-12)
    assert ours.value == pytest.approx(theirs.value, rel=1e-12)


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_taken_from_the_header(delimiter):
    js = read(GOOD.replace(",", delimiter))
    assert js.total_conversions == 4
    assert js.total_value == 40.0


def test_optional_columns_left_at_their_defaults_may_be_missing():
    js = read("path,total_conversions\na > b,3\n")
    assert js.value.tolist() == [0.0]
    assert js.nulls.tolist() == [0.0]


def test_custom_column_names_and_separator_are_honoured():
    text = "conv;journey;lost;revenue\n2;a/b;1;8\n"
    js = read(text, columns=Columns("journey", "conv", "revenue", "lost"), separator="/")
    assert js.channels == ("a", "b")
    assert (js.conversions.tolist(), js.value.tolist(), js.nulls.tolist()) == ([2.0], [8.0], [1.0])


def test_quoted_fields_and_blank_lines_are_read_row_by_row():
    js = read('path,total_conversions\n"a > b, c",1\n\n"d",2\n')
    assert js.channels == ("a", "b, c", "d")
    assert js.conversions.tolist() == [1.0, 2.0]


def test_windows_line_endings_are_accepted():
    js = read(GOOD.replace("\n", "\r\n"))
    assert js.channels == ("email", "search", "display")
    assert js.total_conversions == 4


def test_chunks_are_stitched_together_in_order(monkeypatch):
    monkeypatch.setattr(pathfile_module, "CHUNK_LINES", 2)
    js = read(GOOD)
    assert js.conversions.tolist() == [2, 1, 1, 0]
    assert js.n_paths == 4


def test_a_header_only_file_has_no_journeys():
    js = read("path,total_conversions\n")
    assert js.n_paths == 0
    assert js.total_conversions == 0


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("path,total_conversions\na,1\n,2\n", 3, "path", "empty path"),
        ("path,total_conversions\na > > b,1\n", 2, "path", "empty channel name"),
        ("path,total_conversions\na,1\nb,-3\n", 3, "total_conversions", "negative count"),
        ("path,total_conversions\na,many\n", 2, "total_conversions", "not a number: 'many'"),
        ("path,total_conversions\na,nan\n", 2, "total_conversions", "not a finite number"),
        ("path,total_conversions,total_null\na,1,x\n", 2, "total_null", "not a number"),
        (
            "path,total_conversions,total_conversion_value\na,0,5\n",
            2,
            "total_conversion_value",
            "without conversions",
        ),
        ("path,total_conversions,total_null\na,1,0\nb,1\n", 3, "total_null", "missing field"),
        ("path,total_conversions\n\n\na,1\nb,\n", 5, "total_conversions", "not a number: ''"),
    ],
)
def test_bad_rows_raise_an_error_naming_the_line_and_the_column(text, line, column, message):
    with pytest.raises(PathFileError) as caught:
        read(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message
    assert str(caught.value).startswith(f"paths.csv: line {line}, column {column!r}: ")


def test_an_error_in_a_later_chunk_reports_its_own_line(monkeypatch):
    monkeypatch.setattr(pathfile_module, "CHUNK_LINES", 2)
    with pytest.raises(PathFileError) as caught:
        read("path,total_conversions\na,1\nb,2\nc,3\nd,-1\n")
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("columns", "missing"),
    [
        (Columns(path="journey"), "journey"),
        (Columns(conversions="conv"), "conv"),
        (Columns(value="revenue"), "revenue"),
        (Columns(nulls="lost"), "lost"),
    ],
)
def test_a_named_column_missing_from_the_header_is_an_error_on_line_one(columns, missing):
    with pytest.raises(PathFileError) as caught:
        read("path,total_conversions\na,1\n", columns=columns)
    assert (caught.value.line, caught.value.column) == (1, missing)
    assert "no such column" in caught.value.message


def test_an_empty_file_is_an_error():
    with pytest.raises(PathFileError, match="empty"):
        read("")
