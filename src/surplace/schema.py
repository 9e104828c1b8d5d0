"""Every domain's tables, imported in one place so that migrations see the whole schema."""

from surplace.access import models as access_models
from surplace.records import models as records_models
from surplace.store.base import Base
from surplace.vault import audit as audit_models
from surplace.vault import models as vault_models

__all__ = ["Base", "access_models", "audit_models", "records_models", "vault_models"]
