"""Deterministic, Köln-like demo data and its loader."""
