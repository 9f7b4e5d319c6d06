"""FHIR R4 in and out: procedures logged from a scheduling system's Bundle (through the
one logging service) and everything about a patient read back as a Bundle. Modelled and
validated with fhir.resources (its R4B models: R4's resources as we use them)."""
