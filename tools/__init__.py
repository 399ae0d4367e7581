"""Instructor tooling for the kit (not shipped to students)."""
