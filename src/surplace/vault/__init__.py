"""The vault: keys, key slots, field encryption, blind indexes, shredding, and the audit chain."""
