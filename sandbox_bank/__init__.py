"""Sandbox bank: a real-HTTP stand-in for Japanese bank APIs. Not a bank."""

from .app import create_app

__all__ = ["create_app"]
