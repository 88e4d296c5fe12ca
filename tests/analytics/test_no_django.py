"""The analytics core never imports Django (checked in a fresh interpreter)."""

import pkgutil
import subprocess
import sys

import onevoice.analytics


def test_importing_every_analytics_module_loads_no_django():
    modules = [
        m.name for m in pkgutil.walk_packages(onevoice.analytics.__path__, "onevoice.analytics.")
    ]
    # The walk must reach every analytics package, or a Django import there would go unseen.
    assert {"onevoice.analytics.did", "onevoice.analytics.meta"} <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"analytics imported Django: {out.stdout}"
