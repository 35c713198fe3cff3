"""Seeded demo data: users, accounts and statements."""
