"""Tsunagu's own API under /api/v1: bearer tokens of an office with scopes (tokens, scopes),
JSON described by an OpenAPI document spectree generates from the pydantic models (schemas,
openapi), errors as RFC 9457 problem details (problems). The blueprint is in views."""
