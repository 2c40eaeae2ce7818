"""Inspection reports: reading a published report and turning it into a draft plan."""
