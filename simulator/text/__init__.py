"""Words and numbers for people: labels in English and Norwegian, number formats, suggestions.

The bottom of the package: it imports nothing else from samsim.
"""
