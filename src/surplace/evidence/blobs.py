"""The encrypted blob store: evidence files at rest, streamed in authenticated chunks.

Why not one AES-GCM call over the whole file: evidence includes hours of video, and neither
the file nor its ciphertext may be held in memory whole; and why not a library's streaming
format: the ``cryptography`` package offers none, and a vetted one (age, Tink's streaming AEAD)
would be a new dependency with key handling of its own. So this module arranges the package's
AES-256-GCM into the usual "STREAM" construction and implements no primitive itself.

Blob layout::

    header:  b"SPBLOB" | format (uint8) | key version (uint32) | id length (uint8) | file id
    chunks:  nonce (12 bytes) | AES-GCM(ciphertext of up to 64 KiB + 16-byte tag)  …

Each chunk is encrypted under ``DataKey.file_key(file_id)`` with a random nonce and associated
data ``header | chunk index (uint64) | final flag (uint8)``. Every chunk but the last holds
exactly 64 KiB, and a file always has at least one (possibly empty) chunk marked final, so:

* an edited byte anywhere fails authentication of its chunk (or of every chunk, in the header);
* reordered chunks fail, because the index is bound;
* truncation at a chunk boundary fails, because the new last chunk was not sealed as final;
  appended data fails, because the old last chunk was;
* a blob moved to another id's name fails: the header names its own id, which is compared,
  and the file key and associated data both depend on it.

Files are named by id only, in ``<root>/<first two characters>/<id>``; no original name, no
plaintext and no temporary plaintext ever reaches the disk. Writes go to a temporary file in the
same folder, are fsync'ed and then renamed over the target, so a crash leaves either the old
blob or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from surplace.evidence.exceptions import BlobMissing
from surplace.vault.crypto import NONCE_BYTES, DataKey
from surplace.vault.exceptions import TamperedCiphertext
from surplace.vault.keyring import Keyring

MAGIC = b"SPBLOB"
FORMAT_VERSION = 1
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
RECORD_BYTES = NONCE_BYTES + CHUNK_BYTES + TAG_BYTES
_HEADER = struct.Struct(">6sBIB")
_CHUNK_AD = struct.Struct(">QB")
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,254}")


def _check_id(file_id: str) -> bytes:
    """Ids become path components, so only a safe alphabet is let through."""
    if not _FILE_ID.fullmatch(file_id):
        raise ValueError("not a valid blob id")
    return file_id.encode("ascii")


def header_for(file_id: str, key_version: int) -> bytes:
    encoded = _check_id(file_id)
    return _HEADER.pack(MAGIC, FORMAT_VERSION, key_version, len(encoded)) + encoded


def header_size(file_id: str) -> int:
    return _HEADER.size + len(_check_id(file_id))


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Read ``size`` bytes unless the stream ends first: pipes and sockets return short reads."""
    parts: list[bytes] = []
    wanted = size
    while wanted > 0:
        part = source.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; not possible on every platform, where it is skipped."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class BlobStore:
    """Encrypted evidence files in one folder; see the module docstring for the format."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, file_id: str) -> Path:
        _check_id(file_id)
        return self.root / file_id[:2] / file_id

    # -- writing -----------------------------------------------------------------------------

    def write(self, file_id: str, key: DataKey, source: BinaryIO) -> tuple[bytes, int]:
        """Encrypt ``source`` into the blob ``file_id``; returns (SHA-256 of plaintext, size).

        The source is read 64 KiB at a time; at most two chunks are held at once.
        """
        return self._write_chunks(file_id, key, iter(lambda: _read_full(source, CHUNK_BYTES),
                                                     b""))

    def _write_chunks(self, file_id: str, key: DataKey,
                      chunks: Iterable[bytes]) -> tuple[bytes, int]:
        """Seal chunks of exactly ``CHUNK_BYTES`` (the last may be shorter) into the blob."""
        header = header_for(file_id, key.version)
        aead = AESGCM(key.file_key(file_id))
        target = self.path(file_id)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.parent / f".{file_id}.{secrets.token_hex(8)}.tmp"
        digest = hashlib.sha256()
        size = 0
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
        try:
            with os.fdopen(fd, "wb") as sink:
                sink.write(header)
                iterator = iter(chunks)
                current = next(iterator, b"")
                index = 0
                while True:
                    following = next(iterator, None)
                    final = following is None
                    if not final and len(current) != CHUNK_BYTES:
                        raise ValueError("only the last chunk may be shorter than 64 KiB")
                    digest.update(current)
                    size += len(current)
                    nonce = os.urandom(NONCE_BYTES)
                    associated = header + _CHUNK_AD.pack(index, final)
                    sink.write(nonce + aead.encrypt(nonce, current, associated))
                    if following is None:
                        break
                    current, index = following, index + 1
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        _fsync_dir(target.parent)
        _fsync_dir(self.root)  # the two-character folder may be new
        return digest.digest(), size

    # -- reading -----------------------------------------------------------------------------

    def _open_header(self, file_id: str, handle: BinaryIO) -> tuple[bytes, int]:
        """Read and check the header; returns (header bytes, key version)."""
        expected = _check_id(file_id)
        fixed = _read_full(handle, _HEADER.size)
        if len(fixed) != _HEADER.size:
            raise TamperedCiphertext(f"evidence blob {file_id} (header)")
        magic, fmt, key_version, id_length = _HEADER.unpack(fixed)
        if magic != MAGIC or fmt != FORMAT_VERSION:
            raise TamperedCiphertext(f"evidence blob {file_id} (header)")
        bound_id = _read_full(handle, id_length)
        if bound_id != expected:
            raise TamperedCiphertext(f"evidence blob {file_id} (belongs to another id)")
        return fixed + bound_id, int(key_version)

    def _opened(self, file_id: str) -> BinaryIO:
        try:
            return self.path(file_id).open("rb")
        except FileNotFoundError:
            raise BlobMissing(file_id) from None

    def key_version(self, file_id: str) -> int:
        """The data-key generation the blob is sealed with, from its header; needs no key."""
        with self._opened(file_id) as handle:
            return self._open_header(file_id, handle)[1]

    def read(self, file_id: str, keyring: Keyring) -> Iterator[bytes]:
        """Yield the plaintext in chunks, each authenticated before it is yielded.

        A missing blob, a bad header or a missing key generation are reported at the call;
        a damaged chunk when the iteration reaches it, and truncation at the end. A consumer
        that must not act on part of a file (an export) keeps what it got aside until the
        iteration has finished without error.
        """
        keyring.get(self.key_version(file_id))
        return self._chunks(file_id, keyring)

    def _chunks(self, file_id: str, keyring: Keyring) -> Iterator[bytes]:
        with self._opened(file_id) as handle:
            header, version = self._open_header(file_id, handle)
            aead = AESGCM(keyring.get(version).file_key(file_id))
            current = _read_full(handle, RECORD_BYTES)
            index = 0
            while True:
                following = _read_full(handle, RECORD_BYTES) if len(
                    current) == RECORD_BYTES else b""
                final = not following
                if len(current) < NONCE_BYTES + TAG_BYTES:
                    raise TamperedCiphertext(f"evidence blob {file_id} (truncated)")
                associated = header + _CHUNK_AD.pack(index, final)
                try:
                    plaintext = aead.decrypt(current[:NONCE_BYTES], current[NONCE_BYTES:],
                                             associated)
                except InvalidTag:
                    raise TamperedCiphertext(
                        f"evidence blob {file_id} (chunk {index})") from None
                yield plaintext
                if final:
                    return
                current, index = following, index + 1

    # -- re-keying and removal ---------------------------------------------------------------

    def reencrypt(self, file_id: str, keyring: Keyring, new_key: DataKey) -> None:
        """Seal the blob again under ``new_key`` (after a key rotation).

        Streams old plaintext straight into the new temporary ciphertext; the old blob is
        replaced only once the new one is complete and on disk. A damaged old blob raises
        :class:`TamperedCiphertext` and is left as it was. The replaced ciphertext's disk
        blocks are freed, not overwritten: overwriting first would break crash safety, and the
        old key generation is what protects them.
        """
        self._write_chunks(file_id, new_key, self.read(file_id, keyring))

    def delete(self, file_id: str) -> None:
        """Overwrite the blob with zeros, flush, then unlink it; a missing blob is no error.

        The overwrite is a best effort: journalling, copy-on-write file systems and SSD wear
        levelling may keep old blocks. What makes the content unreadable is the key.
        """
        target = self.path(file_id)
        try:
            fd = os.open(target, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return
        try:
            remaining = os.fstat(fd).st_size
            zeros = bytes(CHUNK_BYTES)
            while remaining > 0:
                remaining -= os.write(fd, zeros[: min(remaining, CHUNK_BYTES)])
            os.fsync(fd)
        finally:
            os.close(fd)
        target.unlink()
        _fsync_dir(target.parent)
