"""Writes the two tiny wheels the example environment installs (no package index is needed).

A wheel is a zip with the package and a .dist-info folder (METADATA, WHEEL, RECORD).
Run: python3 scripts/make-example-wheels.py examples/hello/wheels
"""
import base64, hashlib, sys, zipfile
from pathlib import Path

def make_wheel(out: Path, name: str, version: str, requires: list[str], code: str) -> Path:
    module = name.replace("-", "_")
    dist = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": code,
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s" % (
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires)),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: envforge-example\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    path = out / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for arc, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arc},sha256={digest},{len(data)}")
            info = zipfile.ZipInfo(arc, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, data)
        record.append(f"{dist}/RECORD,,")
        z.writestr(zipfile.ZipInfo(f"{dist}/RECORD", date_time=(2026, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return path

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
make_wheel(out, "envforge-greeting", "1.2.0", [], 'WORD = "hello"\n')
make_wheel(out, "envforge-hello", "1.0.0", ["envforge-greeting>=1.0"],
           'from envforge_greeting import WORD\n\ndef greet(who="world"):\n    return f"{WORD}, {who}"\n')
