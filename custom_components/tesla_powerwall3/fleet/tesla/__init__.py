"""Tesla's hosts and the rules it applies to a partner application.

Pure (standard library and cryptography only) and kept to Python 3.11: keyhost,
which runs on the user's own machine, ships these same files in its wheel (see
keyhost/pyproject.toml). Nothing here imports the rest of fleet/.
"""
