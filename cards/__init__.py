"""Adaptive Cards (schema 1.5) built from domain objects by pure functions."""
