"""The unlocked keys of one session: every data-key generation still in use, by version."""

from __future__ import annotations

from collections.abc import Iterable

from surplace.vault.crypto import DataKey, envelope_version
from surplace.vault.exceptions import TamperedCiphertext, VaultLocked


class Keyring:
    """Data keys by version; the highest is current and seals every new value."""

    def __init__(self, store_id: str, keys: Iterable[DataKey]) -> None:
        self.store_id = store_id
        self._keys = {key.version: key for key in keys}
        if not self._keys:
            raise VaultLocked("the data key")

    @property
    def current(self) -> DataKey:
        return self._keys[max(self._keys)]

    @property
    def versions(self) -> list[int]:
        return sorted(self._keys)

    def get(self, version: int) -> DataKey:
        try:
            return self._keys[version]
        except KeyError:
            raise VaultLocked(f"a value sealed with key generation {version}") from None

    def seal(self, plaintext: bytes, where: bytes) -> bytes:
        return self.current.seal(plaintext, where)

    def open(self, sealed: bytes, where: bytes) -> bytes:
        try:
            version = envelope_version(sealed)
        except TamperedCiphertext:
            raise TamperedCiphertext(where.decode("utf-8", "replace")) from None
        return self.get(version).open(sealed, where)

    def blind_indexes(self, normalised: str) -> list[bytes]:
        """The index value under every generation held, for look-ups during a rotation."""
        return [key.blind_index(normalised) for key in self._keys.values()]

    def add(self, key: DataKey) -> None:
        self._keys[key.version] = key

    def forget_before(self, version: int) -> None:
        for old in [v for v in self._keys if v < version]:
            del self._keys[old]
