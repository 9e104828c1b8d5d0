"""``python -m surplace`` is the same as the ``surplace`` command."""

from surplace.cli.main import run

run()
