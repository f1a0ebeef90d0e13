"""Every line of a text file accounted for, in bounded memory, whatever the bytes.

Two readers, both streaming in chunks of :data:`CHUNK_BYTES`:

- :func:`screen` reads every byte once (as ingest must, to hash it) and notes what would stop
  the fast bulk read from accounting for every line: a NUL byte, a line longer than
  :data:`MAX_LINE_BYTES`, an empty line, a gzip stream that ends early. It also counts the lines,
  so the loader can check that the bulk reader's rows and the file's lines agree.
- :func:`careful_read` is used for a file the screen or the bulk reader found odd. It splits the
  file into records itself (a quoted field may span lines, within :data:`MAX_LINE_BYTES`) and
  writes two files: the records that have the declared number of fields, each with its line
  number and raw text, and the lines it quarantines, each with its line number, an excerpt of at
  most :data:`EXCERPT_CHARS` characters and the reason. Nothing is held whole in memory: at most
  one chunk and one record of at most :data:`MAX_LINE_BYTES`.
"""

from __future__ import annotations

import csv
import hashlib
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openpeel.errors import FileRefused
from openpeel.sources.base import open_bytes

#: bytes read at a time: a chunk small enough to stay in the processor's cache between hashing
#: it and finding its line ends (a third less CPU for the screen than chunks of 1 MiB)
CHUNK_BYTES = 1 << 18
#: a line (or a record whose quoted fields span lines) longer than this is quarantined, with
#: only its first EXCERPT_CHARS characters kept
MAX_LINE_BYTES = 1 << 20
#: characters of a quarantined line kept when the line is too long to keep whole
EXCERPT_CHARS = 1000

csv.field_size_limit(4 * MAX_LINE_BYTES)


@dataclass(frozen=True)
class Screen:
    """What one pass over a file's bytes found."""

    sha256: str
    #: bytes as stored (compressed for .gz)
    size: int
    #: lines of text, header included (a last line without a line end counts)
    lines: int
    longest_line: int
    has_nul: bool
    #: a line with at most one character (empty, or a lone carriage return)
    has_short_line: bool
    ends_with_line_end: bool

    @property
    def plain(self) -> bool:
        """Nothing the bulk reader could drop or take verbatim: it may read the file."""
        return not (self.has_nul or self.has_short_line or self.longest_line > MAX_LINE_BYTES)


class _LineStats:
    """Counts the lines of a text fed in chunks, keeping only numbers (the line ends of a
    chunk are found by numpy, not by splitting it into a Python object per line)."""

    def __init__(self, new_line: bytes) -> None:
        self.sep = new_line[0]
        self.lines = 0
        self.current = 0  # length of the line not yet ended
        self.longest = 0
        self.short = False
        self.nul = False
        self.last = b""

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.last = data[-1:]
        if b"\x00" in data:
            self.nul = True
        ends = np.flatnonzero(np.frombuffer(data, np.uint8) == self.sep)
        if len(ends):
            # the lengths of the lines this chunk ends: the first one began before it
            first = self.current + int(ends[0])
            rest = np.diff(ends) - 1
            self.lines += len(ends)
            self.longest = max(self.longest, first, int(rest.max(initial=0)))
            if min(first, int(rest.min(initial=first))) <= 1:
                self.short = True
            self.current = len(data) - int(ends[-1]) - 1
        else:
            self.current += len(data)
        self.longest = max(self.longest, self.current)

    def finish(self) -> tuple[int, bool]:
        """(lines, ends with a line end)."""
        if self.current:
            return self.lines + 1, False
        return self.lines, True


def screen(path: Path, display: str, new_line: str) -> Screen:
    """Hash the file and count its lines in one pass (gzip is decompressed on the way)."""
    digest = hashlib.sha256()
    size = 0
    stats = _LineStats(b"\r" if new_line == "\r" else b"\n")
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)

        def stored() -> Iterator[bytes]:
            nonlocal size
            while chunk := fh.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                yield chunk

        for text in _gunzip(stored(), display) if gz else stored():
            stats.feed(text)
    lines, ended = stats.finish()
    return Screen(digest.hexdigest(), size, lines, stats.longest, stats.nul, stats.short, ended)


def _gunzip(chunks: Iterator[bytes], display: str) -> Iterator[bytes]:
    """The decompressed bytes of gzip data (one member or several), at most a chunk at a time."""
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        for chunk in chunks:
            pending = chunk
            while pending:
                if inflate.eof:
                    if not pending.strip(b"\x00"):  # zero padding after the last member
                        break
                    inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
                yield inflate.decompress(pending, CHUNK_BYTES)
                pending = inflate.unconsumed_tail or (inflate.unused_data if inflate.eof else b"")
        yield inflate.flush()
    except zlib.error as exc:
        raise _unreadable(display, f"the gzip data is damaged ({exc})") from exc
    if not inflate.eof:
        raise _unreadable(display, "the gzip data ends early (the file is truncated)")


def _unreadable(display: str, problem: str) -> FileRefused:
    return FileRefused(
        display,
        f"cannot be read: {problem}",
        hint="the file may be truncated or corrupt; download it again",
    )


@dataclass(frozen=True)
class Careful:
    """What :func:`careful_read` wrote: data records (to the clean file) and quarantined lines
    (to the rejects file)."""

    records: int
    quarantined: int


#: (line number, bytes kept, length in bytes, whether a line end follows)
_Line = tuple[int, bytes, int, bool]


def careful_read(
    path: Path,
    display: str,
    *,
    new_line: str,
    encoding: str,
    delimiter: str,
    header: tuple[str, ...],
    header_rows: int,
    clean: Path,
    rejects: Path,
    keep_cut: bool,
) -> Careful:
    """Split a file into records itself, writing each data record with the declared number of
    fields to ``clean`` (``line, <fields>, raw text``) and each line it cannot load to
    ``rejects`` (``line, excerpt, reason``).

    A last line with no line end that is not a complete record (a quoted field left open, or
    too few or too many fields) means the file was cut short: refused, unless ``keep_cut``, when
    it is quarantined. A line that is not valid text in ``encoding`` refuses the file.
    """
    join = "\r\n" if new_line == "\r\n" else new_line
    raw_lines = _physical_lines(path, b"\r" if new_line == "\r" else b"\n")
    pushback: deque[_Line] = deque()
    held: list[tuple[_Line, str]] = []  # the lines of a record whose quoted field is open
    held_bytes = 0
    quote_open = False
    records = quarantined = seen = 0
    with (
        clean.open("w", encoding="utf-8", newline="") as clean_fh,
        rejects.open("w", encoding="utf-8", newline="") as rejects_fh,
    ):
        good = csv.writer(clean_fh, lineterminator="\n")
        bad = csv.writer(rejects_fh, lineterminator="\n")
        good.writerow(["_line", *(f"c{i}" for i in range(len(header))), "_text"])
        bad.writerow(["line", "raw_text", "reason"])

        def quarantine(line: int, text: str, reason: str) -> None:
            nonlocal quarantined
            quarantined += 1
            bad.writerow([line, excerpt(text), reason])

        def cut(line: int, text: str, why: str) -> None:
            if not keep_cut:
                raise FileRefused(
                    display,
                    f"ends inside line {line}: the file was cut short ({why}, and the line has "
                    "no line end)",
                    hint="download the file again; if the published file really ends so, "
                    "ingest it with --allow-shrink (the line is then quarantined)",
                )
            quarantine(line, text, f"the file ends inside this line: it was cut short ({why})")

        def record(lines: list[tuple[_Line, str]]) -> None:
            nonlocal records, seen
            first = lines[0][0][0]
            text = join.join(t for _, t in lines)
            last_ended = lines[-1][0][3]
            if seen < header_rows:
                seen += 1
                return
            if text == "":
                quarantine(first, text, "empty line")
                return
            try:
                fields = next(csv.reader([text], delimiter=delimiter))
            except (csv.Error, StopIteration) as exc:
                if not last_ended:
                    cut(first, text, "it cannot be split into fields")
                    return
                quarantine(first, text, f"cannot be split into fields: {exc}")
                return
            if "\x00" in text:
                where = next((i for i, f in enumerate(fields) if "\x00" in f), None)
                name = (
                    f"field {header[where]!r}"
                    if where is not None and where < len(header)
                    else "the line"
                )
                quarantine(first, text, f"{name} contains a NUL byte (\\x00)")
                return
            if len(fields) != len(header):
                many = "too many" if len(fields) > len(header) else "too few"
                why = f"{many} columns: {len(fields)} fields, the header has {len(header)}"
                if not last_ended:
                    cut(first, text, why)
                else:
                    quarantine(first, text, why)
                return
            records += 1
            good.writerow([first, *fields, text])

        def give_up_on_held(reason: str) -> None:
            """The open quoted field of the held lines does not close: quarantine their first
            line and read the others again."""
            nonlocal held, held_bytes, quote_open
            (first, first_text), *rest = held
            held, held_bytes, quote_open = [], 0, False
            pushback.extendleft(reversed([line for line, _ in rest]))
            if not rest and not first[3]:
                cut(first[0], first_text, "a quoted field is left open")
            else:
                quarantine(first[0], first_text, reason)

        while True:
            line = pushback.popleft() if pushback else next(raw_lines, None)
            if line is None:
                if not held:
                    break
                give_up_on_held(
                    "a quoted field opened on this line is not closed before the end of the file"
                )
                continue
            number, data, length, _ = line
            if length > MAX_LINE_BYTES:
                if held:
                    pushback.appendleft(line)
                    give_up_on_held(
                        f"a quoted field opened on this line is not closed within "
                        f"{MAX_LINE_BYTES:,} bytes"
                    )
                    continue
                text = data.decode(encoding, errors="replace")
                quarantine(
                    number,
                    text,
                    f"the line is {length:,} bytes, longer than the maximum of "
                    f"{MAX_LINE_BYTES:,}; only its start is kept here",
                )
                continue
            text = _decode(data, number, encoding, display)
            held.append((line, text))
            held_bytes += length
            if text.count('"') % 2:
                quote_open = not quote_open
            if quote_open:
                if held_bytes > MAX_LINE_BYTES:
                    give_up_on_held(
                        f"a quoted field opened on this line is not closed within "
                        f"{MAX_LINE_BYTES:,} bytes"
                    )
                continue
            done, held, held_bytes = held, [], 0
            record(done)
    return Careful(records, quarantined)


def excerpt(text: str) -> str:
    """A quarantined line as stored: NUL bytes shown as \\x00, at most EXCERPT_CHARS kept."""
    text = text.replace("\x00", "\\x00")
    if len(text) > EXCERPT_CHARS:
        return f"{text[:EXCERPT_CHARS]}… ({len(text):,} characters in all)"
    return text


def _decode(data: bytes, number: int, encoding: str, display: str) -> str:
    codec = "utf-8-sig" if encoding == "utf-8" and number == 1 else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            display,
            f"line {number} is not valid {encoding} text (byte 0x{data[exc.start]:02x})",
            hint="the file may be in another encoding; re-save it as UTF-8",
        ) from exc


def _physical_lines(path: Path, sep: bytes) -> Iterator[_Line]:
    """Every line of the file (line ends removed), keeping at most MAX_LINE_BYTES + 1 of each;
    a longer line is given with its first bytes and its full length."""
    number = 0
    kept = bytearray()
    length = 0
    with open_bytes(path) as fh:
        while chunk := fh.read(CHUNK_BYTES):
            *ended, rest = chunk.split(sep)
            for part in ended:
                if length + len(part) <= MAX_LINE_BYTES:
                    kept += part
                elif len(kept) <= MAX_LINE_BYTES:
                    kept += part[: MAX_LINE_BYTES + 1 - len(kept)]
                length += len(part)
                number += 1
                data = bytes(kept)
                if sep == b"\n" and data.endswith(b"\r"):
                    data, length = data[:-1], length - 1
                yield number, data, length, True
                kept.clear()
                length = 0
            if length + len(rest) <= MAX_LINE_BYTES:
                kept += rest
            elif len(kept) <= MAX_LINE_BYTES:
                kept += rest[: MAX_LINE_BYTES + 1 - len(kept)]
            length += len(rest)
    if length:
        yield number + 1, bytes(kept), length, False
