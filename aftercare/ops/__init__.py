"""Running the service: health and readiness probes, `aftercare doctor`."""
