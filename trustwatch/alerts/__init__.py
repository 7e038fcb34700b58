"""Alerts people can work: raised from classifications and from the response clock.

`engine.refresh_alerts` raises and escalates them (one per item and type, never duplicated
by a rerun); `lifecycle` moves them through open -> acknowledged -> resolved / dismissed,
recording every change as an `alert_events` row; `routing` says who hears about them.
"""
