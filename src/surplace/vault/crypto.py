"""The vault's cryptography: key derivation, key wrapping, the field cipher and blind indexes.

Only the ``cryptography`` and ``argon2-cffi`` primitives are used (AES-256-GCM, HKDF-SHA256,
HMAC-SHA256, Argon2id, Ed25519); this module arranges them, it implements none of them.

Sealed value layout (the *envelope*)::

    0x01 | key version (uint32, big endian) | nonce (12 bytes) | AES-GCM ciphertext + tag

The associated data binds the value to where it lives (table, column, row id), so a sealed
value copied to another row or column fails authentication.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from surplace.config import ARGON2_MIN_MEMORY_KIB
from surplace.vault.exceptions import TamperedCiphertext, WeakKeyParameters

KEY_BYTES = 32
NONCE_BYTES = 12
ENVELOPE_FORMAT = 0x01
_HEADER = struct.Struct(">BI")
ENVELOPE_OVERHEAD = _HEADER.size + NONCE_BYTES + 16
BLIND_INDEX_BYTES = 16


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int
    memory_kib: int
    parallelism: int

    def check(self) -> None:
        if self.memory_kib < ARGON2_MIN_MEMORY_KIB:
            raise WeakKeyParameters(
                f"Argon2id memory {self.memory_kib} KiB is below the floor of "
                f"{ARGON2_MIN_MEMORY_KIB} KiB."
            )
        if self.time_cost < 1 or self.parallelism < 1:
            raise WeakKeyParameters("Argon2id time cost and parallelism must be at least 1.")


def derive_key_encryption_key(passphrase: str, salt: bytes, params: Argon2Parameters) -> bytes:
    """Passphrase → Argon2id → 256-bit key-encryption key."""
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def wrap(key_encryption_key: bytes, secret: bytes, context: bytes) -> tuple[bytes, bytes]:
    """Encrypt ``secret`` under ``key_encryption_key``; returns (nonce, wrapped)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key_encryption_key).encrypt(nonce, secret, context)


def unwrap(key_encryption_key: bytes, nonce: bytes, wrapped: bytes, context: bytes) -> bytes:
    """Inverse of :func:`wrap`; raises ``InvalidTag`` for a wrong key or altered input."""
    return AESGCM(key_encryption_key).decrypt(nonce, wrapped, context)


def subkey(data_key: bytes, purpose: str) -> bytes:
    """Derive an independent key for one purpose from the data key (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"surplace/" + purpose.encode()
    ).derive(data_key)


def envelope_version(sealed: bytes) -> int:
    """The data-key version a sealed value was made with."""
    fmt, version = _HEADER.unpack_from(sealed) if len(sealed) >= _HEADER.size else (None, 0)
    if fmt != ENVELOPE_FORMAT:
        raise TamperedCiphertext("(envelope header)")
    return int(version)


def looks_sealed(value: bytes) -> bool:
    return len(value) >= ENVELOPE_OVERHEAD and value[0] == ENVELOPE_FORMAT


class DataKey:
    """One generation of the store's data key, with the subkeys derived from it."""

    def __init__(self, version: int, key: bytes) -> None:
        self.version = version
        self._key = key

    @property
    def raw(self) -> bytes:
        return self._key

    @cached_property
    def _field_aead(self) -> AESGCM:
        return AESGCM(subkey(self._key, "field/v1"))

    @cached_property
    def _blind_index_key(self) -> bytes:
        return subkey(self._key, "blind-index/v1")

    @cached_property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(subkey(self._key, "audit-signing/v1"))

    def file_key(self, file_id: str) -> bytes:
        return subkey(self._key, f"file/v1/{file_id}")

    def backup_key(self, archive_nonce: bytes) -> bytes:
        return subkey(self._key, "backup/v1/" + archive_nonce.hex())

    def seal(self, plaintext: bytes, where: bytes) -> bytes:
        return self._sealed(os.urandom(NONCE_BYTES), plaintext, where)

    def _sealed(self, nonce: bytes, plaintext: bytes, where: bytes) -> bytes:
        """The envelope: format and key version, nonce, then the AEAD of ``plaintext`` bound
        to the header and to ``where`` (table, column and row)."""
        header = _HEADER.pack(ENVELOPE_FORMAT, self.version)
        return header + nonce + self._field_aead.encrypt(nonce, plaintext, header + where)

    def seal_many(self, values: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
        """:meth:`seal` of many (plaintext, where) pairs, the same envelopes, with every nonce
        cut from one ``os.urandom`` call (one system call for a batch instead of one a value).

        That is as safe as a call per value: the kernel's generator gives independent uniform
        bytes however they are requested, so each 12-byte slice is a fresh random nonce exactly
        as ``os.urandom(12)`` would give, and no slice is reused (they are disjoint).
        """
        nonces = os.urandom(NONCE_BYTES * len(values))
        return [self._sealed(nonces[start : start + NONCE_BYTES], plaintext, where)
                for start, (plaintext, where) in zip(range(0, len(nonces), NONCE_BYTES),
                                                     values, strict=True)]

    def open(self, sealed: bytes, where: bytes) -> bytes:
        header = sealed[: _HEADER.size]
        nonce = sealed[_HEADER.size : _HEADER.size + NONCE_BYTES]
        try:
            return self._field_aead.decrypt(
                nonce, sealed[_HEADER.size + NONCE_BYTES :], header + where
            )
        except InvalidTag:
            raise TamperedCiphertext(where.decode("utf-8", "replace")) from None

    def blind_index(self, normalised: str) -> bytes:
        digest = hmac.new(self._blind_index_key, normalised.encode("utf-8"), hashlib.sha256)
        return bytes([self.version % 256]) + digest.digest()[: BLIND_INDEX_BYTES - 1]


def normalise_for_index(value: str) -> str:
    """Fold the spellings a person would call the same into one form for exact look-up.

    NFKC (full-width Latin, compatibility Hangul jamo and ideographs fold to their usual form),
    case folding, every run of punctuation, symbols and white space reduced to one space, ends
    trimmed. Hangul syllables and Chinese characters are kept as they are: telling 리 from 이
    or 金 from 김 is the linkage engine's work, not an exact index's.
    """
    folded = unicodedata.normalize("NFKC", value).casefold()
    out: list[str] = []
    pending_space = False
    for char in folded:
        category = unicodedata.category(char)
        if category[0] in "PSZC":
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        out.append(char)
    return unicodedata.normalize("NFKC", "".join(out))
