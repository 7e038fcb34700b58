"""Writes to the warehouse: registry sync and idempotent item loads."""
