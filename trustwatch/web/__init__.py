"""The review web app: alert queue for safeguarding leads, dashboards for data staff."""
