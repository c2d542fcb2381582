"""Shared services observatory."""
