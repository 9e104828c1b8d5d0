"""Users, roles, per-object grants, and the one policy every service calls."""
