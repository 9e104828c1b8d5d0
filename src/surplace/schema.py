"""Every domain's tables, imported in one place so that migrations see the whole schema."""

from surplace.access import models as access_models
from surplace.advocacy import models as advocacy_models
from surplace.assessment import models as assessment_models
from surplace.cases import models as cases_models
from surplace.cases import work_models as case_work_models
from surplace.estimation import models as estimation_models
from surplace.evidence import models as evidence_models
from surplace.incidents import models as incidents_models
from surplace.io import models as io_models
from surplace.io.export import published_models
from surplace.linkage import models as linkage_models
from surplace.records import models as records_models
from surplace.store import tallies as tally_models
from surplace.store.base import Base
from surplace.vault import audit as audit_models
from surplace.vault import models as vault_models

__all__ = [
    "Base", "access_models", "advocacy_models", "assessment_models", "audit_models",
    "case_work_models", "cases_models", "estimation_models", "evidence_models",
    "incidents_models", "io_models", "linkage_models", "published_models", "records_models",
    "tally_models", "vault_models",
]
