"""Verification of the audit chain: names the first entry that was altered, removed, added or moved.

The walk streams entries in sequence order and keeps only the previous hash, so a chain of
millions of entries verifies in constant memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.vault.audit import AuditHead, entry_hash, genesis_hash, head_message, iter_entries
from surplace.vault.keyring import Keyring


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"Audit chain intact: {self.entries} entries, head signature valid."
        return f"Audit chain broken at entry {self.first_bad_seq}: {self.problem}"


def verify_chain(session: Session, keyring: Keyring) -> ChainReport:
    prev = genesis_hash(keyring.store_id)
    expected_seq = 1
    count = 0
    for row in iter_entries(session):
        (seq, at, actor, action, object_type, object_id, field, detail, stored_prev,
         stored_hash) = row
        stored_prev, stored_hash = bytes(stored_prev), bytes(stored_hash)
        if seq != expected_seq:
            what = "missing (deleted)" if seq > expected_seq else "out of order"
            return ChainReport(False, count, expected_seq,
                               f"entry {expected_seq} is {what}; found entry {seq} in its place.")
        if stored_prev != prev:
            return ChainReport(False, count, seq,
                               "its link to the previous entry does not match: an entry before "
                               "it was removed, inserted or reordered.")
        recomputed = entry_hash(prev, seq, at, actor, action, object_type, object_id, field,
                                detail)
        if recomputed != stored_hash:
            return ChainReport(False, count, seq, "its content was altered after it was written.")
        prev = stored_hash
        expected_seq += 1
        count += 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        if count == 0:
            return ChainReport(True, 0)
        return ChainReport(False, count, 1, "the signed head of the chain is missing.")
    if head.seq != count or bytes(head.entry_hash) != prev:
        return ChainReport(False, count, min(head.seq, count) + 1,
                           f"the signed head names entry {head.seq} but the chain ends at entry "
                           f"{count}: entries were removed from or added to its end.")
    public_key = keyring.get(head.key_version).signing_key.public_key()
    try:
        public_key.verify(bytes(head.signature), head_message(keyring.store_id, head.seq, prev))
    except InvalidSignature:
        return ChainReport(False, count, head.seq, "the head signature is not valid.")
    return ChainReport(True, count)
