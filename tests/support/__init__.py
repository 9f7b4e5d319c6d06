"""Helpers that start real stand-ins (the Prism Twilio mock, an SMTP server) for tests."""
