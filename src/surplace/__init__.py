"""surplace: protection records, case work, violation evidence and hidden-population estimates.

The public surface is the command line (``surplace --help``) and the domain services
(``surplace.<domain>.service``). Everything identifying is encrypted by :mod:`surplace.vault`.
"""

__version__ = "0.1.0"
