"""The scenario: schema, loading (extends, --set), validation, cross-field checks, reference.

A scenario is an immutable, validated value. Nothing here knows of SimPy, results or files
beyond the scenario files themselves.
"""
