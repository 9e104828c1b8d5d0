"""The web face: server-rendered pages that work without JavaScript, and a JSON API under
``/api/v1``. Routes only translate requests into service calls; the services and the one policy
in :mod:`surplace.access.policy` decide what anyone may see or do."""
