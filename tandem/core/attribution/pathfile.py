"""Read the public path-file format (as ChannelAttribution and most tools export it).

A CSV file with a header row and one row per path::

    path,total_conversions,total_conversion_value,total_null
    email > search > display,12,1500.0,340

Rules (each broken rule raises :class:`PathFileError` naming the line and the column):

* the delimiter is ``,``, ``;``, tab or ``|``, whichever the header uses most (or as given);
  fields may be quoted, but a record must fit on one line;
* the path and conversions columns must exist; the value and null columns are optional when left
  at their default names (missing means 0) but must exist when named explicitly;
* a path is channel names joined by the separator (default ``" > "``, matched without its
  surrounding spaces; names are trimmed); an empty path or an empty channel name is an error;
* counts and values are non-negative finite numbers; a value on a path without conversions is an
  error; blank lines are skipped.

Rows are kept as given: a path file is already aggregated, and a path repeated on two rows gives
the same credit as one row with the summed counts (every model adds up over rows). The file is
read in chunks of lines;
each chunk is split into columns in bulk, channel names are split in bulk and each distinct raw
token is resolved once, so memory stays bounded by the chunk plus the integer arrays.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from tandem.core.attribution.journeys import JourneySet

CHUNK_LINES = 65_536
DELIMITERS = (",", ";", "\t", "|")
DEFAULT_VALUE_COLUMN = "total_conversion_value"
DEFAULT_NULL_COLUMN = "total_null"
ROLES = ("path", "conversions", "value", "nulls")


class PathFileError(ValueError):
    """Bad input, located by 1-based line number and column name."""

    def __init__(self, source: str, line: int, column: str, message: str) -> None:
        self.source, self.line, self.column, self.message = source, line, column, message
        super().__init__(f"{source}: line {line}, column {column!r}: {message}")


@dataclass(frozen=True)
class Columns:
    """Column names; ``value`` / ``nulls`` of None mean "the default name, if present"."""

    path: str = "path"
    conversions: str = "total_conversions"
    value: str | None = None
    nulls: str | None = None


def read_path_file(
    stream: TextIO,
    source: str = "<input>",
    columns: Columns = Columns(),
    separator: str = " > ",
    delimiter: str | None = None,
) -> JourneySet:
    """Parse a path file into journeys, one per row (see module docstring)."""
    header_line = stream.readline()
    if not header_line.strip():
        raise PathFileError(source, 1, columns.path, "the file is empty; expected a header row")
    delimiter = delimiter or max(DELIMITERS, key=header_line.count)
    header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([header_line], delimiter=delimiter))]
    parser = _Parser(source, _pick_columns(header, columns, source), separator.strip() or separator)
    line = 2
    while chunk := list(itertools.islice(stream, CHUNK_LINES)):
        parser.add(chunk, delimiter, len(header), line)
        line += len(chunk)
    return parser.journeys()


def _pick_columns(header: list[str], columns: Columns, source: str) -> dict[str, tuple[str, int | None]]:
    """Map each role to (column name, index); optional columns left at default may be absent."""
    wanted = {
        "path": (columns.path, True),
        "conversions": (columns.conversions, True),
        "value": (columns.value or DEFAULT_VALUE_COLUMN, columns.value is not None),
        "nulls": (columns.nulls or DEFAULT_NULL_COLUMN, columns.nulls is not None),
    }
    picked: dict[str, tuple[str, int | None]] = {}
    for role, (name, required) in wanted.items():
        if name in header:
            picked[role] = (name, header.index(name))
        elif required:
            raise PathFileError(source, 1, name, f"no such column; the header has {header}")
        else:
            picked[role] = (name, None)
    return picked


def fast_columns(chunk: list[str], delimiter: str, width: int) -> list[list[str]] | None:
    """All ``width`` columns of a chunk by one bulk split, or None unless every line is plain.

    Plain: no quotes and exactly ``width - 1`` delimiters on every line (so no blank lines).
    """
    joined = "".join(chunk)
    if '"' in joined or set(map(str.count, chunk, itertools.repeat(delimiter))) != {width - 1}:
        return None
    fields = joined.rstrip("\r\n").replace("\n", delimiter).split(delimiter)
    return [fields[i::width] for i in range(width)]


class _Parser:
    """Accumulates chunks; every chunk is validated in bulk and, on failure, row by row."""

    def __init__(self, source: str, picked: dict[str, tuple[str, int | None]], core: str) -> None:
        self.source, self.picked, self.core = source, picked, core
        self.names: dict[str, int] = {}
        self.raw_ids: dict[str, int] = {}
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, chunk: list[str], delimiter: str, width: int, first_line: int) -> None:
        """Parse, validate and keep one chunk of lines starting at line ``first_line``."""
        columns = fast_columns(chunk, delimiter, width)
        if columns is not None:
            lines = list(range(first_line, first_line + len(chunk)))
        else:
            columns, lines = self._csv_columns(chunk, delimiter, first_line)
        if not lines:
            return
        picked = {role: (None if i is None else columns[i]) for role, (_, i) in self.picked.items()}
        if not self._add_columns(picked):
            self._locate(picked, lines)

    def _csv_columns(self, chunk: list[str], delimiter: str, first_line: int) -> tuple[list, list[int]]:
        """Columns via the csv module (quotes, ragged or blank lines) and the line of each row."""
        rows = [(first_line + i, row) for i, row in enumerate(csv.reader(chunk, delimiter=delimiter)) if row]
        used = {i for _, i in self.picked.values() if i is not None}
        for line, row in rows:
            if len(row) <= max(used):
                name = next(n for n, c in self.picked.values() if c is not None and c >= len(row))
                raise PathFileError(self.source, line, name, f"missing field (the row has {len(row)})")
        columns = [[row[c] for _, row in rows] if c in used else [] for c in range(max(used) + 1)]
        return columns, [line for line, _ in rows]

    def _add_columns(self, picked: dict[str, list[str] | None]) -> bool:
        """Convert and append one chunk; False when anything in it is invalid."""
        try:
            numbers = [
                _floats(picked[role], len(picked["path"])) for role in ("conversions", "value", "nulls")
            ]
        except ValueError:
            return False
        if not _valid_numbers(*numbers):
            return False
        paths = picked["path"]
        tokens = self.core.join(paths).split(self.core)
        try:
            ids = np.fromiter(map(self.raw_ids.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        except KeyError:  # new raw tokens: resolve each distinct one once, then map again
            if not self._learn(dict.fromkeys(tokens)):
                return False
            ids = np.fromiter(map(self.raw_ids.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        lengths = np.fromiter(map(str.count, paths, itertools.repeat(self.core)), np.int64, len(paths)) + 1
        self.parts.append((lengths, ids, *numbers))
        return True

    def _learn(self, raw_tokens: dict[str, None]) -> bool:
        """Map raw tokens to channel ids by their trimmed name; False on an empty name."""
        for raw in raw_tokens:
            if raw not in self.raw_ids:
                if not (name := raw.strip()):
                    return False
                self.raw_ids[raw] = self.names.setdefault(name, len(self.names))
        return True

    def _locate(self, picked: dict[str, list[str] | None], lines: list[int]) -> None:
        """Raise the first row error of a chunk that failed bulk validation."""
        for row, line in enumerate(lines):
            fields = {role: (None if col is None else col[row]) for role, col in picked.items()}
            _check_row(fields, line, self.picked, self.core, self.source)
        raise PathFileError(
            self.source, lines[-1], self.picked["path"][0], "unreadable rows"
        )  # pragma: no cover

    def journeys(self) -> JourneySet:
        """All rows as journeys, in file order."""
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int32), *[np.zeros(0)] * 3)
        lengths, ids, conv, value, nulls = (
            np.concatenate([p[k] for p in self.parts]) if self.parts else empty[k] for k in range(5)
        )
        return JourneySet(
            channels=tuple(self.names),
            offsets=np.r_[0, np.cumsum(lengths)].astype(np.int64),
            touches=ids,
            conversions=conv,
            value=value,
            nulls=nulls,
        )


def _floats(column: list[str] | None, n: int) -> np.ndarray:
    return np.zeros(n) if column is None else np.fromiter(map(float, column), np.float64, n)


def _valid_numbers(conv: np.ndarray, value: np.ndarray, nulls: np.ndarray) -> bool:
    numbers = np.concatenate([conv, value, nulls])
    if not (np.isfinite(numbers).all() and (numbers >= 0).all()):
        return False
    return not ((value > 0) & (conv == 0)).any()


def _check_row(fields: dict[str, str | None], line: int, picked: dict, core: str, source: str) -> None:
    """Raise PathFileError for the first problem of one row (see module docstring)."""
    path_name = picked["path"][0]
    path = fields["path"] or ""
    if not path.strip():
        raise PathFileError(source, line, path_name, "empty path")
    if any(not part.strip() for part in path.split(core)):
        raise PathFileError(source, line, path_name, f"empty channel name in {path.strip()!r}")
    numbers = {}
    for role in ("conversions", "value", "nulls"):
        if fields[role] is not None:
            numbers[role] = _check_number(fields[role], line, picked[role][0], source)
    if numbers.get("value", 0.0) > 0 and numbers["conversions"] == 0:
        raise PathFileError(
            source, line, picked["value"][0], "conversion value on a path without conversions"
        )


def _check_number(text: str, line: int, column: str, source: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise PathFileError(source, line, column, f"not a number: {text.strip()!r}") from None
    if not math.isfinite(number):
        raise PathFileError(source, line, column, f"not a finite number: {text.strip()!r}")
    if number < 0:
        raise PathFileError(source, line, column, f"negative count: {text.strip()!r}")
    return number
