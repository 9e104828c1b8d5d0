"""Which text encoding a file is in: declared, or detected among those partners use.

Lists from Korea and China arrive in the legacy encodings their spreadsheet programs save by
default (CP949, a superset of EUC-KR, and GB18030 or Big5). Detection tries UTF-8 first (it
fails loudly on any other encoding's bytes), then asks charset-normalizer to choose among the
legacy ones on a sample cut at a line end (a sample cut inside a character defeats it).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import charset_normalizer

from surplace.io.readers.base import ImportFileError

SAMPLE_BYTES = 256 * 1024
LEGACY = ("cp949", "euc_kr", "gb18030", "big5")
_ALIASES = {"utf-8-bom": "utf-8-sig", "utf8-bom": "utf-8-sig", "utf-8 bom": "utf-8-sig",
            "ks_c_5601-1987": "cp949", "uhc": "cp949", "ms949": "cp949", "gbk": "gb18030",
            "gb2312": "gb18030"}


def checked_encoding(name: str, path: Path | str = "") -> str:
    """A declared encoding's codec name; an unknown one is refused with the usual names."""
    wanted = _ALIASES.get(name.strip().casefold(), name.strip())
    try:
        return codecs.lookup(wanted).name
    except LookupError:
        raise ImportFileError(path or "input", f"{name!r} is not an encoding Python knows "
                              "(e.g. utf-8, utf-8-sig, cp949, euc-kr, gb18030, big5)") from None


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """The codec to read ``path`` with: the declared one, or the detected one."""
    if declared:
        return checked_encoding(declared, path)
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        more = bool(handle.read(1))
    return detect_bytes(sample, more=more, path=path)


def detect_bytes(sample: bytes, *, more: bool, path: Path | str) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if more and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(LEGACY)).best()
    if best is None:
        raise ImportFileError(path, "its encoding is none of UTF-8, CP949/EUC-KR, GB18030 or "
                              "Big5; give it with --encoding (or encoding: in the mapping)")
    return codecs.lookup(best.encoding).name


def describe_decode_error(path: Path, encoding: str, row: int, declared: bool) -> ImportFileError:
    """The error for bytes that are not valid in the encoding, at the line that holds them
    (found by decoding line by line: the text layer decodes ahead, so ``row`` is only where
    the reader was), with the encoding those lines look like."""
    line, nearby = _first_bad_line(path, encoding)
    hint = ""
    if nearby:
        try:
            guess = detect_bytes(nearby, more=False, path=path)
            if codecs.lookup(guess).name != codecs.lookup(encoding).name:
                hint = f"; it may be {guess}"
        except ImportFileError:
            pass
    how = "declared" if declared else "detected from the start of the file"
    return ImportFileError(path, f"the bytes are not valid {encoding} ({how}){hint}: give the "
                           "right one with --encoding", row=line or row)


def _first_bad_line(path: Path, encoding: str) -> tuple[int | None, bytes]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    recent: list[bytes] = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            recent = [*recent[-32:], line]
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                following = b"".join(handle.readline() for _ in range(32))
                return number, b"".join(recent) + following
    return None, b""
