"""The command line: one root app (``surplace``) and one sub-app per domain."""
