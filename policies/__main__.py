"""CrossGuard entry point (`pulumi preview --policy-pack policies`): only starts the pack.

The engine runs this file with the pack directory first on sys.path; that directory's modules
(config.py, model.py...) must not shadow same-named top-level modules, so it is dropped and the
pack is imported as the `policies` package installed in the project's virtualenv.
"""

import sys
from pathlib import Path

_PACK_DIR = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != _PACK_DIR]

from policies.engine import serve  # noqa: E402 - after the path fix above

serve()
