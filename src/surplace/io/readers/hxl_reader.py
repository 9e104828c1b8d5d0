"""HXL-tagged CSV, read through libhxl: a row of hashtags under the header names each column.

libhxl finds the hashtag row (in the first 25 rows), the delimiter and the columns; this reader
gives it an open stream and the encoding (detected here, since libhxl would silently replace
bytes it cannot decode) and names each column by its hashtag with sorted attributes
(``#affected+name``), which is what the mapping refers to; an untagged column keeps its text
header. Bytes libhxl had to replace (U+FFFD) stop the file at their row as a wrong encoding.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hxl  # type: ignore[import-untyped]
import hxl.input  # type: ignore[import-untyped]

from surplace.io.fields import hxl_key
from surplace.io.readers.base import ImportFileError, Problem, Reader, Row, unique_headers
from surplace.io.readers.encoding import describe_decode_error, detect_encoding

# libhxl logs every row at debug level through the root logger's handlers; keep it quiet.
logging.getLogger("hxl").setLevel(logging.WARNING)


class HxlReader(Reader):
    format = "hxl"

    def __init__(self, path: Path, *, encoding: str | None = None) -> None:
        super().__init__(path)
        self.declared = encoding is not None
        self.encoding = detect_encoding(path, encoding)
        self._binary = path.open("rb")
        self.size = path.stat().st_size
        try:
            self.dataset: Any = hxl.data(self._binary, hxl.InputOptions(encoding=self.encoding))
            columns = self.dataset.columns
        except hxl.input.HXLTagsNotFoundException:
            self.close()
            raise ImportFileError(path, "no row of HXL hashtags (#affected+name …) in the first "
                                  "25 rows; import it as plain CSV") from None
        except Exception as error:  # noqa: BLE001 - libhxl raises many kinds
            self.close()
            raise ImportFileError(path, f"libhxl cannot read it ({type(error).__name__})"
                                  ) from None
        raw = [hxl_key(c.get_display_tag(sort_attributes=True)) if c.tag else (c.header or "")
               for c in columns]
        self.headers, self.notes = unique_headers(raw)
        # surplace's own export names a record's row in its source #meta+row, its id #meta+id.
        self.identity_column = next((tag for tag in ("#meta+row", "#meta+id")
                                     if tag in self.headers), None)

    def rows(self) -> Iterator[Row]:
        width = len(self.headers)
        try:
            for item in self.dataset:
                number = int(item.source_row_number) + 1
                cells = ["" if v is None else str(v) for v in item.values]
                if any("\ufffd" in cell for cell in cells):
                    raise describe_decode_error(self.path, self.encoding or "", number,
                                               self.declared)
                row = Row(number, dict(zip(self.headers, cells, strict=False)))
                if len(cells) != width and not (len(cells) > width and not any(
                        c.strip() for c in cells[width:])):
                    row.problems.append(Problem(
                        "", f"ragged row: it has {len(cells)} cells, the header has {width}",
                        ",".join(cells)))
                for header in self.headers[len(cells):]:
                    row.values[header] = ""
                if self.identity_column:
                    row.identity = row.values.get(self.identity_column) or None
                yield row
        except ImportFileError:
            raise
        except Exception as error:  # noqa: BLE001 - libhxl raises many kinds
            raise ImportFileError(self.path, f"libhxl cannot read on ({type(error).__name__})"
                                  ) from None

    def position(self) -> tuple[int, int | None]:
        return self._binary.tell(), self.size

    def close(self) -> None:
        self._binary.close()
