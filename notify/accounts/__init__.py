"""Holders (the administration's register) and their personal accounts (R. 223-3-1 I)."""
