"""The root of every error surplace raises on purpose.

Each domain documents its own hierarchy in its ``exceptions.py``; all of them descend from
:class:`SurplaceError`, whose message is written to be shown to a user and written to a log: it
names objects by id and never carries an identity, a key or a passphrase. Anything else that
escapes is a bug, and the faces report it by reference only.
"""


class SurplaceError(Exception):
    """An expected failure with a message safe to show."""


class InvalidInput(SurplaceError):
    """Input that breaks a rule; the message says which field and why."""
