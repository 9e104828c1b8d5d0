"""The demo's fixed settings, apart from the pipeline so that the command line can show them
(option defaults, the printed passphrase) without importing the whole pipeline at start-up."""

from __future__ import annotations

DEMO_PASSPHRASE = "surplace demo passphrase"  # noqa: S105 - printed on purpose: synthetic data
#: The demo's staff accounts: one per role, each with a key slot (the demo passphrase) for the
#: command line and the same text as its web password (at least 12 characters, as required).
USERS = (("admin", "admin"), ("caseworker", "caseworker"), ("researcher", "researcher"),
         ("analyst", "analyst"), ("viewer", "viewer"))
DEFAULT_SIZE = 2000
DEFAULT_CASES = 40
DEFAULT_ACTS = 500
EVIDENCE_RETURNS = 3
STEPS = ("Creating the vault and the staff accounts",
         "Simulating the hidden population and the organisations' lists",
         "Writing the partners' files and their mappings",
         "Importing the partners' files",
         "Linking records into persons",
         "Estimating the hidden total by period and province",
         "Opening, interviewing and assessing protection cases",
         "Documenting violations and estimating the undocumented",
         "Loading the recommendations and their evidence",
         "Writing the report (English and Korean) and the count tables",
         "Comparing with the truth and verifying the audit chain")
