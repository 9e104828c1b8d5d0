"""Protection cases: members, interviews, decisions, assistance, interventions."""
