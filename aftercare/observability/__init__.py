"""Logs without PHI, request and task ids, Prometheus metrics, security headers."""
