"""Inbound platform events (stored by the webhook receiver) turned into warehouse items."""
