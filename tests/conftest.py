import os
import sys

from hypothesis import settings

sys.path.insert(0, os.path.dirname(__file__))

# Fixed seed and no example database: every run tries the same contracts.
settings.register_profile("revlib", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("revlib")
