"""The CSV file of an import: where it is kept, its fingerprint, its dialect, and its rows by line.

Lines are counted as a spreadsheet shows them: the header is line 1, the first data row line 2.
A row with a quoted line break still counts as one line, so line numbers are row numbers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

from tandem.config.env import data_dir

BLOCK = 1 << 20
DELIMITERS = (",", ";", "\t")
csv.field_size_limit(1 << 24)


class ImportFileError(ValueError):
    """The file cannot be read as a CSV (missing, not text, no header)."""


def import_dir() -> Path:
    """Where uploaded files are kept (TANDEM_IMPORT_DIR, default <TANDEM_HOME>/imports)."""
    path = Path(getattr(settings, "TANDEM_IMPORT_DIR", None) or data_dir() / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def fingerprint(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of the file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def store_upload(chunks: Iterable[bytes], name: str) -> Path:
    """Save an uploaded file under the import directory, named by its SHA-256 (same content, same file)."""
    folder = import_dir()
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=folder, prefix="upload-", suffix=".part", delete=False) as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
    partial = Path(handle.name)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[-80:] or "upload.csv"
    final = folder / f"{digest.hexdigest()}-{safe}"
    partial.replace(final)
    return final


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252 (old Excel)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def sniff(path: Path) -> tuple[str, str, list[str]]:
    """(encoding, delimiter, header) of a CSV file; ImportFileError if it has no header."""
    if not path.is_file():
        raise ImportFileError(f"file: {path.name} does not exist")
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise ImportFileError("file: the first line must be the header (column names)")
    delimiter = max(DELIMITERS, key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ImportFileError(f"file: the header names a column twice: {', '.join(dupes)}")
    return encoding, delimiter, header


def count_rows(path: Path, encoding: str, delimiter: str) -> int:
    with open(path, encoding=encoding, newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1, 0)


def rows_after(path: Path, encoding: str, delimiter: str, line: int) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each data row after `line` (1 = the header)."""
    if not path.is_file():
        raise ImportFileError(f"file: {path} is no longer there; give the same file again to resume")
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        numbered = zip(itertools.count(1), reader, strict=False)
        yield from itertools.islice(numbered, line, None)


def chunks(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch
