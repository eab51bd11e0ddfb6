"""Narrazioni: entry points (CLI)."""
