#!/usr/bin/env bash
# Regenerate the newest migration (0002) from the models, while it has not yet been released.
# Used during development when a model in that migration changes.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/surplace/store/migrations/versions
message=$(sed -n 1p "$versions/0002_domain_tables.py" | sed 's/^"""//')
rm -f "$versions/0002_domain_tables.py"
.venv/bin/python - <<'PY'
import tempfile
from alembic import command
from surplace.config import Settings
from surplace.store.engine import open_store
from surplace.store.migrate import alembic_config, upgrade
with tempfile.TemporaryDirectory() as folder:
    store = open_store(Settings(store=folder), create=True)
    upgrade(store)
    command.revision(alembic_config(store), message="domain tables", autogenerate=True,
                     rev_id="0002")
    store.dispose()
PY
generated=$(ls "$versions" | grep '^0002_' | grep -v 0002_domain_tables.py || true)
[ -n "$generated" ] && mv "$versions/$generated" "$versions/0002_domain_tables.py"
sed -i "1s/.*/\"\"\"$message/" "$versions/0002_domain_tables.py"
echo "regenerated $versions/0002_domain_tables.py"
