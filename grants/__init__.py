"""The domain of the Förderportal: tables, money rules, state machines and use cases.

This package knows nothing about the web or file formats.
"""

import os

# Piccolo finds its engine through this module; set before any table resolves its engine.
os.environ.setdefault("PICCOLO_CONF", "grants.piccolo_conf")
