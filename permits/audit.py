"""Audit actions the permits app writes outside its workflow tables (renewal.audit_actions).

Every step is a transition of `permits.workflows` ("permit_line.*", "works.*", "investment_month.*"),
registered with its table; nothing else is written by this app yet.
"""
