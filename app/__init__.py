"""Roundtable: live meeting tooling for health-care Communities of Practice."""
