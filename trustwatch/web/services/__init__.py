"""Queries and changes per domain; routes stay thin and never build SQL themselves."""
